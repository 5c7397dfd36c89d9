# PostgreSQL for api-svc and scheduler-svc (through PgBouncer in the cluster).
locals {
  db_identifier = "${local.name}-postgres"
  # The logs the instances export, and the log groups made for them (retention, KMS) before RDS
  # would make them itself without either: one list, so they cannot disagree.
  db_log_exports = ["postgresql", "upgrade"]
  # The read replicas' identifiers (rds-replica.tf), known at plan time so their log groups can be made first too.
  db_replica_identifiers = [for i in range(local.tier.db_read_replicas) : "${local.db_identifier}-replica-${i + 1}"]
}

resource "aws_db_subnet_group" "main" {
  name       = local.db_identifier
  subnet_ids = aws_subnet.data[*].id
}

# Reachable only from the cluster (nodes and pods share the EKS cluster security group).
module "db_security_group" {
  source = "../modules/data-store-security-group"

  name                     = "${local.name}-postgres"
  description              = "PostgreSQL: only from the EKS cluster"
  vpc_id                   = local.vpc_id
  port                     = 5432
  client_security_group_id = local.cluster_security_group_id
  rule_description         = "PostgreSQL from EKS nodes and pods"
}

resource "aws_db_parameter_group" "main" {
  name   = local.db_identifier
  family = "postgres16"

  # Clients that do not speak TLS are refused.
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  # Query statistics for the Database dashboard's recommendations view (postgres_exporter,
  # docs/database.md "Health and query insight"). The library loads at server start only: a change
  # waits for the next reboot (maintenance window).
  parameter {
    name         = "shared_preload_libraries"
    value        = "pg_stat_statements"
    apply_method = "pending-reboot"
  }

  # Top-level statements only: a function's inner statements would crowd the top-100 the exporter reads.
  parameter {
    name  = "pg_stat_statements.track"
    value = "top"
  }

  # Time spent reading blocks per statement (the dashboard's I/O-bound panel).
  parameter {
    name  = "track_io_timing"
    value = "1"
  }

  # Lock waits longer than deadlock_timeout are logged: the evidence behind a deadlock alert.
  parameter {
    name  = "log_lock_waits"
    value = "1"
  }
}

resource "aws_cloudwatch_log_group" "db" {
  for_each          = toset(local.db_log_exports)
  name              = "/aws/rds/instance/${local.db_identifier}/${each.key}"
  retention_in_days = local.tier.log_retention_days
  kms_key_id        = module.kms.arn
}

# The same for each read replica: RDS names a replica's groups after the replica's own identifier.
resource "aws_cloudwatch_log_group" "db_replica" {
  for_each          = toset([for pair in setproduct(local.db_replica_identifiers, local.db_log_exports) : join("/", pair)])
  name              = "/aws/rds/instance/${each.key}"
  retention_in_days = local.tier.log_retention_days
  kms_key_id        = module.kms.arn
}

resource "aws_db_instance" "main" {
  identifier     = local.db_identifier
  engine         = "postgres"
  engine_version = "16" # major pinned; RDS applies minor (security) releases in the maintenance window
  instance_class = local.tier.db_instance_class
  db_name        = "flextime"
  username       = "flextime_admin"

  # RDS creates the password and keeps it in Secrets Manager (rotated); Terraform never sees it.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = module.kms.arn

  allocated_storage     = local.tier.db_allocated_storage
  max_allocated_storage = local.tier.db_max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = module.kms.arn

  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [module.db_security_group.id]
  parameter_group_name   = aws_db_parameter_group.main.name
  publicly_accessible    = false

  multi_az            = local.tier.multi_az
  deletion_protection = local.tier.deletion_protection

  # Automated backups give point-in-time recovery inside the retention window.
  backup_retention_period   = local.tier.backup_retention_days
  backup_window             = "03:00-04:00"
  maintenance_window        = "sun:04:30-sun:05:30"
  copy_tags_to_snapshot     = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.db_identifier}-final"

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = module.kms.arn
  performance_insights_retention_period = 7

  # Enhanced monitoring (OS metrics every 60 s), as on the read replica (rds-replica.tf).
  monitoring_interval = 60
  monitoring_role_arn = aws_iam_role.rds_monitoring.arn

  iam_database_authentication_enabled = true
  auto_minor_version_upgrade          = true
  enabled_cloudwatch_logs_exports     = local.db_log_exports

  depends_on = [aws_cloudwatch_log_group.db]
}

# Enhanced monitoring: RDS publishes OS metrics to CloudWatch Logs (RDSOSMetrics) as this role.
resource "aws_iam_role" "rds_monitoring" {
  name               = "${local.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.rds_monitoring_trust.json
}

data "aws_iam_policy_document" "rds_monitoring_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.aws_account_id]
    }
  }
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}
