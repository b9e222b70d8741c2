variable "name" {
  description = "Name prefix, e.g. pyramydal-dev."
  type        = string
}

variable "kinds" {
  description = "Task kinds (tasks/*.json); one log group each."
  type        = list(string)
}

variable "log_retention_days" {
  description = "Retention of the tasks' log groups."
  type        = number
  default     = 90
}

variable "dlq_name" {
  description = "Name of the incoming queue's dead-letter queue."
  type        = string
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (confirm the subscription mail); empty for none."
  type        = string
  default     = ""
}

variable "discarded_job_filter_pattern" {
  description = "CloudWatch Logs filter matching the dispatcher's JSON line for a discarded job."
  type        = string
  default     = "{ $.message = \"job discarded\" }"
}
