# Exactly the settings the dispatcher needs (the same values its task
# definition gets), named as the variables themselves, so
#   tofu output -json | jq -r 'to_entries[] | select(.key | startswith("PYRAMYDAL_")) | "\(.key)=\(.value.value)"'
# prints them. Anything else is not a PYRAMYDAL_* output.

output "PYRAMYDAL_DATABASE_URL" {
  description = "libpq URL without the password (PGPASSWORD comes from the RDS-managed secret, see database_password_secret_arn); stored in Secrets Manager."
  value       = module.database.database_url
  sensitive   = true
}

output "PYRAMYDAL_STORE" {
  description = "The bucket as a store URL."
  value       = "s3://${module.storage.bucket_name}"
}

output "PYRAMYDAL_S3_REGION" {
  description = "Region of the bucket."
  value       = var.region
}

output "PYRAMYDAL_SQS_QUEUE_URL" {
  description = "Queue of S3 'Object Created' events under incoming/."
  value       = module.trigger.queue_url
}

output "PYRAMYDAL_LAUNCHER" {
  description = "Jobs run as ECS tasks."
  value       = "ecs"
}

output "PYRAMYDAL_ECS_CLUSTER" {
  description = "Cluster the dispatcher launches into."
  value       = module.ecs.cluster_name
}

output "PYRAMYDAL_ECS_SUBNETS" {
  description = "Private subnets for RunTask, comma-separated."
  value       = join(",", module.network.private_subnet_ids)
}

output "PYRAMYDAL_ECS_SECURITY_GROUPS" {
  description = "Security groups for RunTask, comma-separated."
  value       = module.network.tasks_security_group_id
}

output "PYRAMYDAL_ECS_TASK_FAMILY_PREFIX" {
  description = "Task definition families are <prefix><kind>."
  value       = module.ecs.family_prefix
}

# For the deploy workflow and operators (not dispatcher settings).

output "ecr_repository_url" {
  description = "Where the deploy workflow pushes the image."
  value       = module.ecs.repository_url
}

output "database_password_secret_arn" {
  description = "RDS-managed secret with the master password (key: password)."
  value       = module.database.master_password_secret_arn
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms."
  value       = module.observability.alarm_topic_arn
}

output "web_alb_dns_name" {
  description = "The web service's load balancer: point the certificate's DNS name at it (CNAME, or a Route 53 alias with web_alb_zone_id)."
  value       = module.web.alb_dns_name
}

output "web_alb_zone_id" {
  description = "Hosted zone of the load balancer, for a Route 53 alias record."
  value       = module.web.alb_zone_id
}

output "web_access_logs_bucket" {
  description = "Bucket of the load balancer's access logs."
  value       = module.web.access_logs_bucket
}
