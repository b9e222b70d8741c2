variable "environment" {
  description = "Environment name; resources are called pyramydal-<environment>."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "image_tag" {
  description = "Image tag in the ECR repository (the deploy workflow passes the commit SHA)."
  type        = string
  default     = "latest-build"
}

variable "family_prefix" {
  description = "Task definition family prefix; change it only when two environments share an account and region."
  type        = string
  default     = "pyramydal-"
}

variable "vpc_cidr" {
  description = "VPC address range."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability zones (private subnets)."
  type        = number
  default     = 2
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_multi_az" {
  description = "RDS standby in a second zone."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "RDS automated backup retention (7–35)."
  type        = number
  default     = 7
}

variable "report_expiration_days" {
  description = "Days before objects under reports/ expire."
  type        = number
  default     = 30
}

variable "log_retention_days" {
  description = "Retention of the tasks' logs."
  type        = number
  default     = 90
}

variable "alarm_email" {
  description = "E-mail for alarms (empty: none)."
  type        = string
  default     = ""
}

variable "dispatcher_count" {
  description = "Dispatcher tasks."
  type        = number
  default     = 1
}

variable "worker_capacity_provider" {
  description = "FARGATE or FARGATE_SPOT for worker jobs."
  type        = string
  default     = "FARGATE_SPOT"
}

variable "web_certificate_arn" {
  description = "ACM certificate (issued, in this region) of the web service's HTTPS listener; see docs/deploy.md."
  type        = string
}

variable "web_allowed_cidrs" {
  description = "IPv4 ranges that may reach the web service's load balancer; [\"0.0.0.0/0\"] for everyone."
  type        = list(string)
}

variable "web_internet_facing" {
  description = "Internet-facing load balancer in public subnets (true), or internal (false: reachable through a VPN, peering or Direct Connect only)."
  type        = bool
  default     = true
}

variable "web_min_count" {
  description = "Fewest web tasks."
  type        = number
  default     = 1
}

variable "web_max_count" {
  description = "Most web tasks (CPU target tracking scales between the two)."
  type        = number
  default     = 4
}
