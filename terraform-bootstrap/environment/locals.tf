locals {
  # Everything that differs between environments is a value in this table; resources read
  # local.tier and never compare environment names.
  tiers = {
    development = {
      db_instance_class        = "db.t4g.medium"
      db_allocated_storage     = 20
      db_max_allocated_storage = 100
      multi_az                 = false
      deletion_protection      = false
      backup_retention_days    = 7
      redis_node_type          = "cache.t4g.small"
      redis_nodes              = 1
      log_retention_days       = 30
      backup_glacier_days      = 30
      backup_expiry_days       = 90
      db_read_replicas         = 0
      replica_lag_alarm_secs   = 300
    }
    staging = {
      db_instance_class        = "db.t4g.large"
      db_allocated_storage     = 50
      db_max_allocated_storage = 200
      multi_az                 = false
      deletion_protection      = false
      backup_retention_days    = 7
      redis_node_type          = "cache.t4g.medium"
      redis_nodes              = 2
      log_retention_days       = 90
      backup_glacier_days      = 30
      backup_expiry_days       = 180
      db_read_replicas         = 0
      replica_lag_alarm_secs   = 300
    }
    production = {
      db_instance_class        = "db.r6g.large"
      db_allocated_storage     = 100
      db_max_allocated_storage = 1000
      multi_az                 = true
      deletion_protection      = true
      backup_retention_days    = 30
      redis_node_type          = "cache.r6g.large"
      redis_nodes              = 2
      log_retention_days       = 365
      backup_glacier_days      = 30
      backup_expiry_days       = 400
      # Read scaling (issue 23): api-svc's read traffic through the pgbouncer-ro pool.
      db_read_replicas       = 1
      replica_lag_alarm_secs = 60
    }
  }
  tier = local.tiers[var.environment]

  name                   = "flextime-${var.environment}"
  namespace              = var.environments[var.environment].namespace
  cluster_name           = var.environments[var.environment].cluster
  backup_service_account = var.environments[var.environment].backup_service_account

  tags = {
    "app.kubernetes.io/part-of"    = "flextime"
    "app.kubernetes.io/managed-by" = "terraform"
    "flextime.io/environment"      = var.environment
    "flextime.io/cluster"          = local.cluster_name
  }
}

data "aws_caller_identity" "current" {}
