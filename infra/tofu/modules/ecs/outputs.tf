output "cluster_name" {
  description = "The ECS cluster (PYRAMYDAL_ECS_CLUSTER)."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "The ECS cluster's ARN."
  value       = aws_ecs_cluster.this.arn
}

output "repository_url" {
  description = "ECR repository the deploy workflow pushes to."
  value       = aws_ecr_repository.this.repository_url
}

output "task_definition_arns" {
  description = "Task definition ARN (with revision) per kind."
  value       = { for k, d in aws_ecs_task_definition.task : k => d.arn }
}

output "family_prefix" {
  description = "Prefix of the task definition families (PYRAMYDAL_ECS_TASK_FAMILY_PREFIX)."
  value       = var.family_prefix
}
