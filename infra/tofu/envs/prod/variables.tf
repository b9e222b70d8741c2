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
