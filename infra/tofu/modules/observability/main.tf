# Log groups with retention (one per kind), an alarm topic, and two alarms:
# messages in the dead-letter queue (a drop that could not become a job) and
# discarded jobs (bad input or out of attempts), counted from the
# dispatcher's JSON logs.

resource "aws_cloudwatch_log_group" "task" {
  #checkov:skip=CKV_AWS_338:retention is a variable: 365 days in envs/prod, shorter in envs/dev to save cost
  #checkov:skip=CKV_AWS_158:encrypted with the CloudWatch Logs service key; a customer-managed KMS key adds cost and key-policy surface for no gain here
  for_each = toset(var.kinds)

  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  alarm_name          = "${var.name}-incoming-dlq-not-empty"
  alarm_description   = "Dropped workbooks whose events could not be turned into ingest jobs are waiting in ${var.dlq_name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = var.dlq_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_log_metric_filter" "discarded_jobs" {
  name           = "${var.name}-discarded-jobs"
  log_group_name = aws_cloudwatch_log_group.task["dispatcher"].name
  pattern        = var.discarded_job_filter_pattern

  metric_transformation {
    name          = "DiscardedJobs"
    namespace     = "Pyramydal/${var.name}"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "discarded_jobs" {
  alarm_name          = "${var.name}-jobs-discarded"
  alarm_description   = "At least one job was discarded (see `pyramydal jobs --state discarded`)."
  namespace           = "Pyramydal/${var.name}"
  metric_name         = aws_cloudwatch_log_metric_filter.discarded_jobs.metric_transformation[0].name
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}
