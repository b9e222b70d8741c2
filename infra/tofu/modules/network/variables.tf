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
    condition     = var.az_count >= 2 && var.az_count <= 8
    error_message = "RDS needs subnets in at least two availability zones; the range has room for eight."
  }
}

variable "public_subnets" {
  description = "Also make one public subnet per zone behind an internet gateway, for an internet-facing load balancer (nothing else goes there)."
  type        = bool
  default     = false
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group."
  type        = number
  default     = 365
}
