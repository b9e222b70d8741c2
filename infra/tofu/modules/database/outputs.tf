output "address" {
  description = "Host name of the database."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the database."
  value       = aws_db_instance.this.port
}

output "database_url" {
  description = "Connection URL without the password (the password is in the RDS-managed secret)."
  value       = aws_secretsmanager_secret_version.database_url.secret_string
  sensitive   = true
}

output "database_url_secret_arn" {
  description = "Secrets Manager secret holding PYRAMYDAL_DATABASE_URL."
  value       = aws_secretsmanager_secret.database_url.arn
}

output "master_password_secret_arn" {
  description = "The RDS-managed secret ({username, password}); tasks read its password key as PGPASSWORD."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}
