locals {
  # Everything that differs between clusters is a row of this table; resources read local.tier
  # and never compare names. A cluster takes the production row as soon as it hosts production
  # (config `environments[].cluster`, via generated.auto.tfvars.json), whatever else it hosts.
  # Node groups are per tier in config/node-groups.ts (var.node_groups, generated).
  tiers = {
    non-production = {
      nat_gateways       = 1 # one shared NAT gateway
      log_retention_days = 90
    }
    production = {
      nat_gateways       = 3 # one NAT gateway per AZ: an AZ outage keeps the others online
      log_retention_days = 365
    }
  }
  hosted    = var.clusters[var.cluster].environments
  tier_name = contains(keys(local.hosted), "production") ? "production" : "non-production"
  tier      = local.tiers[local.tier_name]

  name         = var.cluster
  cluster_name = var.cluster

  tags = {
    "app.kubernetes.io/part-of"    = "flextime"
    "app.kubernetes.io/managed-by" = "terraform"
    "flextime.io/cluster"          = var.cluster
  }
}

data "aws_caller_identity" "current" {}

# Only to check the zones config names (vpc.tf); config picks them, not this list.
data "aws_availability_zones" "available" {
  state = "available"
}
