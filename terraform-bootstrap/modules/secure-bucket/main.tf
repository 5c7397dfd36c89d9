# A private S3 bucket: objects owned by the bucket owner (no ACLs), every kind of public access
# blocked, versioning on, a bucket policy that refuses every request without TLS, server-side
# encryption, and one lifecycle rule. None of that is an input: every bucket has it.
#
# Inputs choose the name, the KMS key and the lifecycle days, and whether the bucket is an
# access-log bucket (`server_access_logs_of`): then it receives the S3 server access logs of that
# one bucket, under its prefix. S3 delivers server access logs only to SSE-S3 (AES256) buckets, so
# an access-log bucket is SSE-S3 and takes no key; every other bucket is SSE-KMS with the key it is
# given. The logging configuration of the source bucket is made here too, next to the policy
# statement that lets the S3 logging service write it: prefix and grant cannot disagree.

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

variable "name" {
  description = "Bucket name (global: the callers end it with the account id). Changing it replaces the bucket."
  type        = string

  validation {
    # No dots: a dotted name breaks TLS to the virtual-hosted endpoint (<bucket>.s3.<region>.amazonaws.com).
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.name))
    error_message = "A bucket name is 3-63 lowercase letters, digits and dashes, starting and ending with a letter or digit."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key of the bucket's SSE-KMS encryption. Required, except for an access-log bucket, which takes none (SSE-S3)."
  type        = string
  default     = null
}

variable "server_access_logs_of" {
  description = "Makes this an access-log bucket: the bucket (id, ARN, owning account) whose S3 server access logs it receives under `prefix` (ending in /)."
  type = object({
    bucket_id  = string
    bucket_arn = string
    account_id = string
    prefix     = string
  })
  default = null

  validation {
    condition     = var.server_access_logs_of == null ? true : can(regex("^[a-z0-9][-a-z0-9]*/$", var.server_access_logs_of.prefix))
    error_message = "The prefix is one folder of lowercase letters, digits and dashes, ending in / (backups/)."
  }
}

variable "transition" {
  description = "Move current objects to an archive storage class `days` after creation; null: they stay where they are written."
  type = object({
    days          = number
    storage_class = string
  })
  default = null

  validation {
    condition     = var.transition == null ? true : contains(["GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING"], var.transition.storage_class)
    error_message = "storage_class must be one of GLACIER, DEEP_ARCHIVE, GLACIER_IR, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING."
  }
}

variable "expiration_days" {
  description = "Delete current objects this many days after creation (after the transition, if any)."
  type        = number

  validation {
    condition     = var.expiration_days >= 1
    error_message = "expiration_days must be at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Delete overwritten or deleted versions this many days after they stop being current."
  type        = number

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Abort multipart uploads not completed after this many days; null: no such rule."
  type        = number
  default     = null
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.server_access_logs_of == null ? "aws:kms" : "AES256"
      kms_master_key_id = var.server_access_logs_of == null ? var.kms_key_arn : null
    }
    bucket_key_enabled = var.server_access_logs_of == null ? true : null
  }

  lifecycle {
    precondition {
      condition     = (var.kms_key_arn != null) == (var.server_access_logs_of == null)
      error_message = "A bucket takes a kms_key_arn (SSE-KMS), unless it is an access-log bucket (server_access_logs_of), which is SSE-S3 and takes none."
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = var.transition == null ? "expire" : "archive-then-expire"
    status = "Enabled"
    filter {}

    dynamic "transition" {
      for_each = var.transition == null ? [] : [var.transition]
      content {
        days          = transition.value.days
        storage_class = transition.value.storage_class
      }
    }

    expiration {
      days = var.expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    dynamic "abort_incomplete_multipart_upload" {
      for_each = var.abort_incomplete_multipart_upload_days == null ? [] : [var.abort_incomplete_multipart_upload_days]
      content {
        days_after_initiation = abort_incomplete_multipart_upload.value
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_policy" "this" {
  bucket     = aws_s3_bucket.this.id
  policy     = data.aws_iam_policy_document.this.json
  depends_on = [aws_s3_bucket_public_access_block.this]
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # An access-log bucket: the S3 logging service writes the source bucket's logs, and nothing else's.
  dynamic "statement" {
    for_each = var.server_access_logs_of == null ? [] : [var.server_access_logs_of]
    content {
      sid       = "S3ServerAccessLogs"
      effect    = "Allow"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this.arn}/${statement.value.prefix}*"]
      principals {
        type        = "Service"
        identifiers = ["logging.s3.amazonaws.com"]
      }
      condition {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = [statement.value.bucket_arn]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [statement.value.account_id]
      }
    }
  }
}

# The source bucket's server access logs go here.
resource "aws_s3_bucket_logging" "source" {
  count         = var.server_access_logs_of == null ? 0 : 1
  bucket        = var.server_access_logs_of.bucket_id
  target_bucket = aws_s3_bucket.this.id
  target_prefix = var.server_access_logs_of.prefix
}

output "id" {
  description = "The bucket's name (its id)."
  value       = aws_s3_bucket.this.id
}

output "arn" {
  description = "ARN of the bucket (objects: \"<arn>/*\")."
  value       = aws_s3_bucket.this.arn
}
