# Exact versions only: a plan made today must mean the same thing in a year.
terraform {
  required_version = "1.8.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }

  # Partial configuration: bucket, key, region, lock table and KMS key come from
  # environments/<environment>.s3.tfbackend (key flextime/environments/<env>/terraform.tfstate),
  # so production data has a state of its own. See ../README.md.
  backend "s3" {}
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = local.tags
  }
}
