output "bucket_name" {
  description = "The bucket (PYRAMYDAL_STORE is s3://<bucket_name>)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "The bucket's ARN."
  value       = aws_s3_bucket.this.arn
}

output "prefixes" {
  description = "The prefixes the pipeline uses."
  value       = local.prefixes
}
