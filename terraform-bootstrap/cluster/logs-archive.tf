# The archive of the container log groups marked `archive` (production): a subscription filter
# sends every event to Kinesis Data Firehose, which writes it to S3; a lifecycle rule moves it to
# an archive storage class and deletes it after config's lifetime.
#
# Why a subscription and Firehose, not CreateExportTask: an export task copies a time range once,
# must be started by something on a schedule, and an account runs one at a time; a subscription
# delivers continuously, within minutes of the event, with nothing to schedule or to miss, and
# outlives the group's retention by construction. CloudWatch Logs already gzips what it sends, so
# Firehose writes the records as they come (compression_format UNCOMPRESSED: no double gzip).
#
# Both buckets are ../modules/secure-bucket (private, versioned, TLS only). They were resources of
# this module before; moved.tf carries their state over, so none is replaced.
module "log_archive" {
  source = "../modules/secure-bucket"

  name                                   = "${local.name}-container-log-archive-${var.aws_account_id}"
  kms_key_arn                            = module.kms.arn
  transition                             = { days = var.container_logs.archive.transition_days, storage_class = var.container_logs.archive.storage_class }
  expiration_days                        = var.container_logs.archive.expire_days
  noncurrent_version_expiration_days     = 30
  abort_incomplete_multipart_upload_days = 7
}

# Who read or fetched archived logs, and from where.
module "log_archive_access_logs" {
  source = "../modules/secure-bucket"

  name                               = "${local.name}-log-archive-access-logs-${var.aws_account_id}"
  server_access_logs_of              = { bucket_id = module.log_archive.id, bucket_arn = module.log_archive.arn, account_id = var.aws_account_id, prefix = "log-archive/" }
  expiration_days                    = 365
  noncurrent_version_expiration_days = 7
}
