variable "bucket_name" {
  description = "Name of the bucket holding incoming/, reports/, snapshots/ and errors/ (globally unique)."
  type        = string
}

variable "report_expiration_days" {
  description = "Objects under reports/ are deleted this many days after they were written."
  type        = number
  default     = 30
}

variable "noncurrent_version_expiration_days" {
  description = "Overwritten or deleted object versions are kept this long (versioning protects dropped workbooks)."
  type        = number
  default     = 30
}

variable "abort_incomplete_multipart_days" {
  description = "Incomplete multipart uploads are aborted after this many days."
  type        = number
  default     = 2
}
