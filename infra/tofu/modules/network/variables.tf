variable "name" {
  description = "Name prefix for every resource, e.g. pyramydal-dev."
  type        = string
}

variable "cidr_block" {
  description = "The VPC's address range; split into one private /20 per availability zone."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "How many availability zones get a private subnet (2 or more for RDS)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2
    error_message = "RDS needs subnets in at least two availability zones."
  }
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group."
  type        = number
  default     = 365
}
