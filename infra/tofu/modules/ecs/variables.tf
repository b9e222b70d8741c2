variable "name" {
  description = "Name prefix, e.g. pyramydal-dev; also the cluster's and the ECR repository's name."
  type        = string
}

variable "tasks_dir" {
  description = "Folder holding tasks/<kind>.json (the repository's tasks/), rendered with templatefile."
  type        = string
}

variable "kinds" {
  description = "Task kinds to define (the names of the files in tasks_dir, without .json)."
  type        = list(string)
}

variable "family_prefix" {
  description = "Task definition families are <family_prefix><kind> (PYRAMYDAL_ECS_TASK_FAMILY_PREFIX)."
  type        = string
  default     = "pyramydal-"
}

variable "image_tag" {
  description = "Tag of the image in this module's ECR repository (the deploy workflow passes the commit SHA)."
  type        = string
}

variable "store" {
  description = "PYRAMYDAL_STORE, e.g. s3://bucket."
  type        = string
}

variable "sqs_queue_url" {
  description = "PYRAMYDAL_SQS_QUEUE_URL."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the tasks."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the tasks."
  type        = list(string)
}

variable "log_group_names" {
  description = "Log group per kind."
  type        = map(string)
}

variable "task_role_arns" {
  description = "Task role per kind."
  type        = map(string)
}

variable "execution_role_arn" {
  description = "The task execution role."
  type        = string
}

variable "database_url_secret_arn" {
  description = "Secret holding PYRAMYDAL_DATABASE_URL."
  type        = string
}

variable "database_password_secret_arn" {
  description = "RDS-managed secret whose password key becomes PGPASSWORD."
  type        = string
}

variable "dispatcher_count" {
  description = "Dispatcher tasks to keep running (they coordinate through PostgreSQL; 1 is enough)."
  type        = number
  default     = 1
}

variable "worker_capacity_provider" {
  description = "Default capacity provider for RunTask (worker jobs are safe to retry, so FARGATE_SPOT suits them)."
  type        = string
  default     = "FARGATE_SPOT"

  validation {
    condition     = contains(["FARGATE", "FARGATE_SPOT"], var.worker_capacity_provider)
    error_message = "Use FARGATE or FARGATE_SPOT."
  }
}

variable "trusted_proxies" {
  description = "CIDR of the load balancer in front of the web service (the VPC's): PYRAMYDAL_HTTP_TRUSTED_PROXIES of tasks/web.json, so sign-in throttling counts the client in X-Forwarded-For."
  type        = string
  default     = ""
}
