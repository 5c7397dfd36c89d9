# The log archive buckets were resources of this root module until they became calls of
# ../modules/secure-bucket (logs-archive.tf). These blocks move each resource's state to its
# address in the module, so the next plan changes nothing instead of destroying the buckets (their
# data, their versions) and creating empty ones with the same names. Production infrastructure:
# keep them until every cluster's state has been applied with them (a plan that shows "has moved
# to" and no destroy), then they may go. The policy document data sources are not moved: they are
# re-read.
moved {
  from = aws_s3_bucket.log_archive
  to   = module.log_archive.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_ownership_controls.log_archive
  to   = module.log_archive.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.log_archive
  to   = module.log_archive.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.log_archive
  to   = module.log_archive.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.log_archive
  to   = module.log_archive.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.log_archive
  to   = module.log_archive.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.log_archive
  to   = module.log_archive.aws_s3_bucket_policy.this
}

# The log archive's logging configuration now belongs to its access-log bucket's call.
moved {
  from = aws_s3_bucket_logging.log_archive
  to   = module.log_archive_access_logs.aws_s3_bucket_logging.source[0]
}

moved {
  from = aws_s3_bucket.log_archive_access_logs
  to   = module.log_archive_access_logs.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_ownership_controls.log_archive_access_logs
  to   = module.log_archive_access_logs.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.log_archive_access_logs
  to   = module.log_archive_access_logs.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.log_archive_access_logs
  to   = module.log_archive_access_logs.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.log_archive_access_logs
  to   = module.log_archive_access_logs.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.log_archive_access_logs
  to   = module.log_archive_access_logs.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.log_archive_access_logs
  to   = module.log_archive_access_logs.aws_s3_bucket_policy.this
}
