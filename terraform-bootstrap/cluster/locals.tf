locals {
  # Everything that differs between environments is a value in this table; resources read
  # local.tier and never compare environment names.
  tiers = {
    development = {
      nat_gateways             = 1 # one shared NAT gateway
      node_capacity_type       = "SPOT"
      node_instance_types      = ["m6i.large", "m6a.large", "m5.large"]
      node_min                 = 2
      node_max                 = 6
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
    }
    staging = {
      nat_gateways             = 1
      node_capacity_type       = "SPOT"
      node_instance_types      = ["m6i.large", "m6a.large", "m5.large"]
      node_min                 = 3
      node_max                 = 9
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
    }
    production = {
      nat_gateways             = 3 # one NAT gateway per AZ: an AZ outage keeps the others online
      node_capacity_type       = "ON_DEMAND"
      node_instance_types      = ["m6i.xlarge", "m6a.xlarge"]
      node_min                 = 3
      node_max                 = 15
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
    }
  }
  tier = local.tiers[var.environment]

  name         = "flextime-${var.environment}"
  secrets_path = "flextime/${var.environment}" # External Secrets keys of this environment live below it
  namespace    = var.environments[var.environment].namespace
  cluster_name = var.environments[var.environment].cluster_name
  azs          = slice(sort(data.aws_availability_zones.available.names), 0, 3)

  tags = {
    "app.kubernetes.io/part-of"    = "flextime"
    "app.kubernetes.io/managed-by" = "terraform"
    "flextime.io/environment"      = var.environment
  }
}

data "aws_caller_identity" "current" {}

data "aws_availability_zones" "available" {
  state = "available"
}
