# Wires the modules. tasks/*.json at the repository root is the list of
# kinds: a new file there gets a task definition, a log group and (once its
# policy is written in modules/iam) a task role. Two kinds are services, not
# jobs: the dispatcher (module ecs) and web (module web, behind the ALB).

data "aws_caller_identity" "current" {}

locals {
  name      = "pyramydal-${var.environment}"
  tasks_dir = "${path.root}/../../../../tasks"
  kinds     = sort([for f in fileset(local.tasks_dir, "*.json") : trimsuffix(f, ".json")])
  bucket    = "${local.name}-${data.aws_caller_identity.current.account_id}"
}

module "network" {
  source = "../../modules/network"

  name           = local.name
  cidr_block     = var.vpc_cidr
  az_count       = var.az_count
  public_subnets = var.web_internet_facing
}

module "storage" {
  source = "../../modules/storage"

  bucket_name            = local.bucket
  report_expiration_days = var.report_expiration_days
}

module "trigger" {
  source = "../../modules/trigger"

  name        = local.name
  bucket_name = module.storage.bucket_name
}

module "database" {
  source = "../../modules/database"

  name                     = local.name
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.private_subnet_ids
  client_security_group_id = module.network.tasks_security_group_id
  instance_class           = var.db_instance_class
  multi_az                 = var.db_multi_az
  backup_retention_days    = var.db_backup_retention_days
}

module "observability" {
  source = "../../modules/observability"

  name               = local.name
  kinds              = local.kinds
  dlq_name           = module.trigger.dlq_name
  log_retention_days = var.log_retention_days
  alarm_email        = var.alarm_email
}

module "iam" {
  source = "../../modules/iam"

  name                       = local.name
  kinds                      = local.kinds
  bucket_arn                 = module.storage.bucket_arn
  queue_arn                  = module.trigger.queue_arn
  cluster_name               = local.name
  family_prefix              = var.family_prefix
  ecr_repository_name        = local.name
  log_group_names            = module.observability.log_group_names
  database_url_secret_arn    = module.database.database_url_secret_arn
  master_password_secret_arn = module.database.master_password_secret_arn
}

module "ecs" {
  source = "../../modules/ecs"

  name                         = local.name
  tasks_dir                    = local.tasks_dir
  kinds                        = local.kinds
  family_prefix                = var.family_prefix
  image_tag                    = var.image_tag
  store                        = "s3://${module.storage.bucket_name}"
  sqs_queue_url                = module.trigger.queue_url
  subnet_ids                   = module.network.private_subnet_ids
  security_group_ids           = [module.network.tasks_security_group_id]
  log_group_names              = module.observability.log_group_names
  task_role_arns               = module.iam.task_role_arns
  execution_role_arn           = module.iam.execution_role_arn
  database_url_secret_arn      = module.database.database_url_secret_arn
  database_password_secret_arn = module.database.master_password_secret_arn
  trusted_proxies              = module.network.cidr_block
  dispatcher_count             = var.dispatcher_count
  worker_capacity_provider     = var.worker_capacity_provider
}

module "web" {
  source = "../../modules/web"

  name                      = local.name
  vpc_id                    = module.network.vpc_id
  internet_facing           = var.web_internet_facing
  alb_subnet_ids            = var.web_internet_facing ? module.network.public_subnet_ids : module.network.private_subnet_ids
  task_subnet_ids           = module.network.private_subnet_ids
  tasks_security_group_id   = module.network.tasks_security_group_id
  allowed_cidrs             = var.web_allowed_cidrs
  certificate_arn           = var.web_certificate_arn
  access_logs_bucket_name   = "${local.name}-alb-logs-${data.aws_caller_identity.current.account_id}"
  access_log_retention_days = var.log_retention_days
  cluster_name              = module.ecs.cluster_name
  cluster_arn               = module.ecs.cluster_arn
  task_definition_arn       = module.ecs.task_definition_arns["web"]
  min_count                 = var.web_min_count
  max_count                 = var.web_max_count
  alarm_topic_arn           = module.observability.alarm_topic_arn
}
