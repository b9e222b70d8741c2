# Example values for a development account.
environment              = "dev"
region                   = "eu-central-1"
vpc_cidr                 = "10.40.0.0/16"
az_count                 = 2
db_instance_class        = "db.t4g.micro"
db_multi_az              = false
db_backup_retention_days = 7
report_expiration_days   = 14
log_retention_days       = 30
dispatcher_count         = 1
worker_capacity_provider = "FARGATE_SPOT"
alarm_email              = ""
