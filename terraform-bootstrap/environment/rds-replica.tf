# Read scaling (issue 23): a read replica of the database where the tier asks for one
# (production). Same engine, parameter group (rds.force_ssl), subnets and security group as the
# primary, encrypted with the environment's key; enhanced monitoring (OS metrics every 60 s, the
# role in rds.tf) on both. The apps reach it only through the read-only PgBouncer pool
# `pgbouncer-ro` (charts/database.ts), which also makes every transaction read-only.
resource "aws_db_instance" "replica" {
  count = local.tier.db_read_replicas

  identifier          = local.db_replica_identifiers[count.index]
  replicate_source_db = aws_db_instance.main.identifier
  instance_class      = local.tier.db_instance_class

  storage_type          = "gp3"
  max_allocated_storage = local.tier.db_max_allocated_storage
  storage_encrypted     = true
  kms_key_id            = module.kms.arn

  vpc_security_group_ids = [module.db_security_group.id]
  parameter_group_name   = aws_db_parameter_group.main.name
  publicly_accessible    = false

  # A replica that survives a zone, is not deleted by a mistaken destroy and keeps its own backups
  # (promotable to a primary with point-in-time recovery).
  multi_az                  = local.tier.multi_az
  deletion_protection       = local.tier.deletion_protection
  backup_retention_period   = local.tier.backup_retention_days
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.db_identifier}-replica-${count.index + 1}-final"
  copy_tags_to_snapshot     = true

  monitoring_interval = 60
  monitoring_role_arn = aws_iam_role.rds_monitoring.arn

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = module.kms.arn
  performance_insights_retention_period = 7

  iam_database_authentication_enabled = true
  auto_minor_version_upgrade          = true
  enabled_cloudwatch_logs_exports     = local.db_log_exports

  # Our groups (retention, KMS) before RDS would create them itself without either.
  depends_on = [aws_cloudwatch_log_group.db_replica]
}

# Replica lag, read from RDS's own CloudWatch metric (AWS/RDS ReplicaLag, seconds): no exporter in
# the cluster reports RDS metrics, and this one exists for every replica without one. The alarm
# notifies the SNS topic the on-call subscribes to; docs/runbooks/FlextimeDatabaseReplicaLag.md.
resource "aws_sns_topic" "database_alarms" {
  count             = local.tier.db_read_replicas > 0 ? 1 : 0
  name              = "${local.name}-database-alarms"
  kms_master_key_id = module.kms.arn
}

resource "aws_cloudwatch_metric_alarm" "replica_lag" {
  count = local.tier.db_read_replicas

  alarm_name          = "FlextimeDatabaseReplicaLag-${aws_db_instance.replica[count.index].identifier}"
  alarm_description   = "Read replica ${aws_db_instance.replica[count.index].identifier} is more than ${local.tier.replica_lag_alarm_secs} s behind the primary: reads through pgbouncer-ro see stale data. Runbook: https://github.com/flextime/platform/blob/main/docs/runbooks/FlextimeDatabaseReplicaLag.md"
  namespace           = "AWS/RDS"
  metric_name         = "ReplicaLag"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.replica[count.index].identifier }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  threshold           = local.tier.replica_lag_alarm_secs
  comparison_operator = "GreaterThanThreshold"
  # No data: the replica stopped reporting (replication broken or instance down), as bad as lag.
  treat_missing_data = "breaching"
  alarm_actions      = [aws_sns_topic.database_alarms[0].arn]
  ok_actions         = [aws_sns_topic.database_alarms[0].arn]
}
