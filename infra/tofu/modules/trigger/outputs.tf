output "queue_url" {
  description = "URL of the incoming queue (PYRAMYDAL_SQS_QUEUE_URL)."
  value       = aws_sqs_queue.incoming.id
}

output "queue_arn" {
  description = "ARN of the incoming queue."
  value       = aws_sqs_queue.incoming.arn
}

output "dlq_name" {
  description = "Name of the dead-letter queue (for the depth alarm)."
  value       = aws_sqs_queue.dlq.name
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "rule_arn" {
  description = "ARN of the EventBridge rule."
  value       = aws_cloudwatch_event_rule.incoming.arn
}
