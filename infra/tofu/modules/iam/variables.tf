variable "name" {
  description = "Name prefix, e.g. pyramydal-dev."
  type        = string
}

variable "kinds" {
  description = "Task kinds (the names of tasks/*.json); each must have a policy in this module."
  type        = list(string)
}

variable "bucket_arn" {
  description = "ARN of the pipeline's bucket."
  type        = string
}

variable "queue_arn" {
  description = "ARN of the incoming SQS queue."
  type        = string
}

variable "cluster_name" {
  description = "Name of the ECS cluster the dispatcher launches into."
  type        = string
}

variable "family_prefix" {
  description = "Task definition family prefix; families are <prefix><kind>."
  type        = string
}

variable "ecr_repository_name" {
  description = "ECR repository holding the image."
  type        = string
}

variable "log_group_names" {
  description = "CloudWatch log group name per kind."
  type        = map(string)
}

variable "database_url_secret_arn" {
  description = "Secret holding PYRAMYDAL_DATABASE_URL."
  type        = string
}

variable "master_password_secret_arn" {
  description = "The RDS-managed secret whose password key becomes PGPASSWORD."
  type        = string
}
