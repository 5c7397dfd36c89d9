# A customer-managed KMS key: yearly rotation, a 30-day deletion window, an alias, and a policy in
# which the account administers the key (IAM policies decide who uses it) and CloudWatch Logs may
# use it for the log groups of this account and region. Rotation is not an input: every key has it.

# Lower bounds only: the root module that calls this one pins the exact versions (versions.tf).
terraform {
  required_version = ">= 1.8.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0"
    }
  }
}

variable "alias" {
  description = "Alias name without the `alias/` prefix."
  type        = string
}

variable "description" {
  description = "What the key encrypts."
  type        = string
}

variable "aws_account_id" {
  description = "Account that administers the key and whose log groups may use it."
  type        = string
}

variable "region" {
  description = "Region of the CloudWatch Logs service and log groups that may use the key."
  type        = string
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.this.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "AccountAdministersTheKey"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.aws_account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsEncryptsOurLogGroups"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:aws:logs:${var.region}:${var.aws_account_id}:log-group:*"]
    }
  }
}

output "arn" {
  description = "ARN of the key."
  value       = aws_kms_key.this.arn
}
