variable "name" {
  description = "Name prefix, e.g. pyramydal-dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (two or more availability zones)."
  type        = list(string)
}

variable "client_security_group_id" {
  description = "Security group of the tasks allowed to connect on 5432."
  type        = string
}

variable "engine_version" {
  description = "PostgreSQL major version."
  type        = string
  default     = "16"
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "allocated_storage" {
  description = "Initial storage in GiB (gp3)."
  type        = number
  default     = 20
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling in GiB."
  type        = number
  default     = 100
}

variable "multi_az" {
  description = "A standby in a second availability zone (prod)."
  type        = bool
  default     = false
}

variable "backup_retention_days" {
  description = "Automated backup retention, 7 to 35 days."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "Keep backups for 7 to 35 days."
  }
}

variable "database_name" {
  description = "The database the pipeline uses."
  type        = string
  default     = "pyramydal"
}

variable "username" {
  description = "Master user name (its password is generated and kept in Secrets Manager by RDS)."
  type        = string
  default     = "pyramydal"
}

variable "ca_bundle_path" {
  description = "Path of the RDS CA bundle inside the image (sslrootcert of the connection URL)."
  type        = string
  default     = "/usr/local/share/pyramydal/rds-global-bundle.pem"
}
