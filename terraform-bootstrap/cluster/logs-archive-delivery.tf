# Delivery into the container log archive (logs-archive.tf): the subscription filter of each
# archived group, Kinesis Data Firehose, and the two service roles between them.
resource "aws_kinesis_firehose_delivery_stream" "log_archive" {
  name        = "${local.name}-container-log-archive"
  destination = "extended_s3"

  server_side_encryption {
    enabled  = true
    key_type = "CUSTOMER_MANAGED_CMK"
    key_arn  = module.kms.arn
  }

  extended_s3_configuration {
    role_arn            = aws_iam_role.log_archive_firehose.arn
    bucket_arn          = module.log_archive.arn
    kms_key_arn         = module.kms.arn
    prefix              = "containers/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
    error_output_prefix = "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
    buffering_interval  = 300
    buffering_size      = 64
    compression_format  = "UNCOMPRESSED"
  }
}

# Every event of every archived group, as it arrives.
resource "aws_cloudwatch_log_subscription_filter" "log_archive" {
  for_each        = local.archived_log_groups
  name            = "archive-to-s3"
  log_group_name  = aws_cloudwatch_log_group.containers[each.key].name
  filter_pattern  = ""
  destination_arn = aws_kinesis_firehose_delivery_stream.log_archive.arn
  role_arn        = aws_iam_role.log_archive_subscription.arn
}

# CloudWatch Logs puts records into the stream, for this account's archived groups only.
resource "aws_iam_role" "log_archive_subscription" {
  name               = "${local.name}-log-archive-subscription"
  assume_role_policy = data.aws_iam_policy_document.log_archive_subscription_trust.json
}

data "aws_iam_policy_document" "log_archive_subscription_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.aws_account_id]
    }
  }
}

resource "aws_iam_role_policy" "log_archive_subscription" {
  name   = "put-records"
  role   = aws_iam_role.log_archive_subscription.name
  policy = data.aws_iam_policy_document.log_archive_subscription.json
}

data "aws_iam_policy_document" "log_archive_subscription" {
  statement {
    actions   = ["firehose:PutRecord", "firehose:PutRecordBatch"]
    resources = [aws_kinesis_firehose_delivery_stream.log_archive.arn]
  }
}

# Firehose writes objects into the archive bucket and nothing else.
resource "aws_iam_role" "log_archive_firehose" {
  name               = "${local.name}-log-archive-firehose"
  assume_role_policy = data.aws_iam_policy_document.log_archive_firehose_trust.json
}

data "aws_iam_policy_document" "log_archive_firehose_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.aws_account_id]
    }
  }
}

resource "aws_iam_role_policy" "log_archive_firehose" {
  name   = "write-archive"
  role   = aws_iam_role.log_archive_firehose.name
  policy = data.aws_iam_policy_document.log_archive_firehose.json
}

data "aws_iam_policy_document" "log_archive_firehose" {
  statement {
    actions   = ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:PutObject"]
    resources = [module.log_archive.arn, "${module.log_archive.arn}/*"]
  }
  statement {
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [module.kms.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com", "firehose.${var.region}.amazonaws.com"]
    }
  }
}
