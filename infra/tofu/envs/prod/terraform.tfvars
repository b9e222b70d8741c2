# Example values for a production account (prefer a separate account from dev).
environment              = "prod"
region                   = "eu-central-1"
vpc_cidr                 = "10.50.0.0/16"
az_count                 = 2
db_instance_class        = "db.t4g.medium"
db_multi_az              = true
db_backup_retention_days = 14
report_expiration_days   = 30
log_retention_days       = 365
dispatcher_count         = 1
worker_capacity_provider = "FARGATE"
alarm_email              = "ops@example.com"
