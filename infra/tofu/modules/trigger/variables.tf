variable "name" {
  description = "Name prefix, e.g. pyramydal-dev."
  type        = string
}

variable "bucket_name" {
  description = "The bucket whose incoming/ prefix triggers ingest jobs."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "How long a received message stays hidden before another receive may see it."
  type        = number
  default     = 120
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue."
  type        = number
  default     = 5
}
