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

# The web service. web_certificate_arn: an issued ACM certificate in `region`
# for the name people will use (docs/deploy.md, "The web service"); replace
# the example. web_allowed_cidrs: who may reach it (office / VPN egress
# ranges; ["0.0.0.0/0"] for everyone).
web_certificate_arn = "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
web_allowed_cidrs   = ["203.0.113.0/24"]
web_internet_facing = true
web_min_count       = 1
web_max_count       = 2
