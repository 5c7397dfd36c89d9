# The backup buckets were resources of this root module until they became calls of
# ../modules/secure-bucket (s3.tf). These blocks move each resource's state to its address in the
# module, so the next plan changes nothing instead of destroying the buckets (their data, their
# versions) and creating empty ones with the same names. Production infrastructure: keep them until
# every environment's state has been applied with them (a plan that shows "has moved to" and no
# destroy), then they may go. The policy document data sources are not moved: they are re-read.
moved {
  from = aws_s3_bucket.backups
  to   = module.backups.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_ownership_controls.backups
  to   = module.backups.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.backups
  to   = module.backups.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.backups
  to   = module.backups.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.backups
  to   = module.backups.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.backups
  to   = module.backups.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.backups
  to   = module.backups.aws_s3_bucket_policy.this
}

# The backups bucket's logging configuration now belongs to its access-log bucket's call.
moved {
  from = aws_s3_bucket_logging.backups
  to   = module.access_logs.aws_s3_bucket_logging.source[0]
}

moved {
  from = aws_s3_bucket.access_logs
  to   = module.access_logs.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_ownership_controls.access_logs
  to   = module.access_logs.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.access_logs
  to   = module.access_logs.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.access_logs
  to   = module.access_logs.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.access_logs
  to   = module.access_logs.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.access_logs
  to   = module.access_logs.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.access_logs
  to   = module.access_logs.aws_s3_bucket_policy.this
}
