output "task_role_arns" {
  description = "Task role ARN per kind (fails the plan for a kind without a policy)."
  value       = { for k in var.kinds : k => aws_iam_role.task[k].arn }
}

output "execution_role_arn" {
  description = "The shared task execution role."
  value       = aws_iam_role.execution.arn
}
