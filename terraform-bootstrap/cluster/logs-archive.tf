# The archive of the container log groups marked `archive` (production): a subscription filter
# sends every event to Kinesis Data Firehose, which writes it to S3; a lifecycle rule moves it to
# an archive storage class and deletes it after config's lifetime.
#
# Why a subscription and Firehose, not CreateExportTask: an export task copies a time range once,
# must be started by something on a schedule, and an account runs one at a time; a subscription
# delivers continuously, within minutes of the event, with nothing to schedule or to miss, and
# outlives the group's retention by construction. CloudWatch Logs already gzips what it sends, so
# Firehose writes the records as they come (compression_format UNCOMPRESSED: no double gzip).
resource "aws_s3_bucket" "log_archive" {
  bucket = "${local.name}-container-log-archive-${var.aws_account_id}"
}

resource "aws_s3_bucket_ownership_controls" "log_archive" {
  bucket = aws_s3_bucket.log_archive.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "log_archive" {
  bucket                  = aws_s3_bucket.log_archive.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "log_archive" {
  bucket = aws_s3_bucket.log_archive.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "log_archive" {
  bucket = aws_s3_bucket.log_archive.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.kms.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "log_archive" {
  bucket = aws_s3_bucket.log_archive.id

  rule {
    id     = "archive-then-expire"
    status = "Enabled"
    filter {}

    transition {
      days          = var.container_logs.archive.transition_days
      storage_class = var.container_logs.archive.storage_class
    }

    expiration {
      days = var.container_logs.archive.expire_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.log_archive]
}

resource "aws_s3_bucket_policy" "log_archive" {
  bucket     = aws_s3_bucket.log_archive.id
  policy     = data.aws_iam_policy_document.log_archive_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.log_archive]
}

data "aws_iam_policy_document" "log_archive_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.log_archive.arn, "${aws_s3_bucket.log_archive.arn}/*"]
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
}

# Who read or fetched archived logs, and from where. S3 delivers access logs only to SSE-S3 buckets.
resource "aws_s3_bucket" "log_archive_access_logs" {
  bucket = "${local.name}-log-archive-access-logs-${var.aws_account_id}"
}

resource "aws_s3_bucket_logging" "log_archive" {
  bucket        = aws_s3_bucket.log_archive.id
  target_bucket = aws_s3_bucket.log_archive_access_logs.id
  target_prefix = "log-archive/"
}

resource "aws_s3_bucket_ownership_controls" "log_archive_access_logs" {
  bucket = aws_s3_bucket.log_archive_access_logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "log_archive_access_logs" {
  bucket                  = aws_s3_bucket.log_archive_access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "log_archive_access_logs" {
  bucket = aws_s3_bucket.log_archive_access_logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "log_archive_access_logs" {
  bucket = aws_s3_bucket.log_archive_access_logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "log_archive_access_logs" {
  bucket = aws_s3_bucket.log_archive_access_logs.id
  rule {
    id     = "expire"
    status = "Enabled"
    filter {}
    expiration {
      days = 365
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }
  depends_on = [aws_s3_bucket_versioning.log_archive_access_logs]
}

resource "aws_s3_bucket_policy" "log_archive_access_logs" {
  bucket     = aws_s3_bucket.log_archive_access_logs.id
  policy     = data.aws_iam_policy_document.log_archive_access_logs_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.log_archive_access_logs]
}

data "aws_iam_policy_document" "log_archive_access_logs_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.log_archive_access_logs.arn, "${aws_s3_bucket.log_archive_access_logs.arn}/*"]
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
  statement {
    sid       = "S3ServerAccessLogs"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.log_archive_access_logs.arn}/log-archive/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.log_archive.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.aws_account_id]
    }
  }
}
