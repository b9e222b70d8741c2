output "log_group_names" {
  description = "Log group name per kind."
  value       = { for k, g in aws_cloudwatch_log_group.task : k => g.name }
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = aws_sns_topic.alarms.arn
}
