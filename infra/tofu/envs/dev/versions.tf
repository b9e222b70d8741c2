terraform {
  required_version = ">= 1.8.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # State in S3 (bucket, key and region given at `tofu init -backend-config=…`;
  # see docs/deploy.md). use_lockfile: S3-native locking, no DynamoDB table.
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "pyramydal"
      Environment = var.environment
      ManagedBy   = "opentofu"
    }
  }
}
