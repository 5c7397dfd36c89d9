# Backups of the database (pg_dump by the flextime-backup job) and anything else worth keeping:
# SSE-KMS with the environment's key, Glacier after the tier's days, expiry per tier
# (../modules/secure-bucket: private, versioned, TLS only). Both buckets of this file were
# resources of this module before; moved.tf carries their state over, so none is replaced.
module "backups" {
  source = "../modules/secure-bucket"

  name                                   = "${local.name}-backups-${var.aws_account_id}"
  kms_key_arn                            = module.kms.arn
  transition                             = { days = local.tier.backup_glacier_days, storage_class = "GLACIER" }
  expiration_days                        = local.tier.backup_expiry_days
  noncurrent_version_expiration_days     = 30
  abort_incomplete_multipart_upload_days = 7
}

# Server access logs of the backups bucket: who listed, read or deleted a dump, and from where.
module "access_logs" {
  source = "../modules/secure-bucket"

  name                               = "${local.name}-backup-access-logs-${var.aws_account_id}"
  server_access_logs_of              = { bucket_id = module.backups.id, bucket_arn = module.backups.arn, account_id = var.aws_account_id, prefix = "backups/" }
  expiration_days                    = local.tier.log_retention_days
  noncurrent_version_expiration_days = 7
}
