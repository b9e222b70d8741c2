variable "name" {
  description = "Name prefix, e.g. pyramydal-dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the load balancer and the tasks."
  type        = string
}

variable "internet_facing" {
  description = "An internet-facing load balancer (in public subnets); false: internal, reachable from the VPC and what is connected to it."
  type        = bool
  default     = true
}

variable "alb_subnet_ids" {
  description = "Subnets of the load balancer: public ones when internet_facing, else private ones (two or more zones)."
  type        = list(string)

  validation {
    condition     = length(var.alb_subnet_ids) >= 2
    error_message = "An Application Load Balancer needs subnets in at least two availability zones."
  }
}

variable "task_subnet_ids" {
  description = "Private subnets of the web tasks."
  type        = list(string)
}

variable "tasks_security_group_id" {
  description = "The shared tasks security group (egress to the endpoints, S3 and PostgreSQL; the database admits it)."
  type        = string
}

variable "allowed_cidrs" {
  description = "IPv4 ranges that may reach the load balancer on 443 (and 80, which only redirects), e.g. an office or VPN egress; [\"0.0.0.0/0\"] for everyone."
  type        = list(string)

  validation {
    condition     = length(var.allowed_cidrs) > 0 && alltrue([for c in var.allowed_cidrs : can(cidrhost(c, 0)) && !strcontains(c, ":")])
    error_message = "Give one or more IPv4 CIDR blocks."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener (issued, in this region)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/", var.certificate_arn))
    error_message = "Give the ARN of an ACM certificate (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener (TLS 1.3, and 1.2 with forward secrecy only)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "access_logs_bucket_name" {
  description = "Name of the bucket this module creates for the load balancer's access logs (globally unique)."
  type        = string
}

variable "access_log_retention_days" {
  description = "Access logs are deleted after this many days."
  type        = number
  default     = 90
}

variable "cluster_name" {
  description = "ECS cluster of the service (for the autoscaling resource id)."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster of the service."
  type        = string
}

variable "task_definition_arn" {
  description = "Task definition of the web service (the ecs module's, from tasks/web.json)."
  type        = string
}

variable "container_name" {
  description = "Container of tasks/web.json that listens."
  type        = string
  default     = "web"
}

variable "container_port" {
  description = "Port the container listens on (PYRAMYDAL_HTTP_ADDRESS in tasks/web.json)."
  type        = number
  default     = 8080
}

variable "health_check_path" {
  description = "Path the load balancer checks (answers while the process lives)."
  type        = string
  default     = "/healthz"
}

variable "deregistration_delay_seconds" {
  description = "How long a stopping task keeps serving its open requests before ECS sends SIGTERM."
  type        = number
  default     = 30
}

variable "idle_timeout_seconds" {
  description = "The load balancer closes a connection idle this long."
  type        = number
  default     = 60
}

variable "min_count" {
  description = "Fewest web tasks (also the count at creation)."
  type        = number
  default     = 1

  validation {
    condition     = var.min_count >= 1
    error_message = "Keep at least one web task."
  }
}

variable "max_count" {
  description = "Most web tasks CPU autoscaling may run."
  type        = number
  default     = 4
}

variable "cpu_target_percent" {
  description = "Average CPU utilisation of the web tasks that autoscaling keeps."
  type        = number
  default     = 60
}

variable "sign_in_rate_limit" {
  description = "Requests to /api/v1/session per client address in 5 minutes before WAF blocks that address (AWS minimum 10)."
  type        = number
  default     = 100
}

variable "alarm_topic_arn" {
  description = "SNS topic the web alarms notify (the observability module's)."
  type        = string
}

variable "elb_5xx_alarm_threshold" {
  description = "5xx responses of the load balancer itself in 5 minutes above which the alarm fires."
  type        = number
  default     = 10
}
