# Redis for the scheduler job queue and API caching. AUTH token: secrets.tf.

resource "aws_elasticache_subnet_group" "main" {
  name       = "${local.name}-redis"
  subnet_ids = aws_subnet.data[*].id
}

# Reachable only from the cluster (nodes and pods share the EKS cluster security group).
module "redis_security_group" {
  source = "../modules/data-store-security-group"

  name                     = "${local.name}-redis"
  description              = "Redis: only from the EKS cluster"
  vpc_id                   = local.vpc_id
  port                     = 6379
  client_security_group_id = local.cluster_security_group_id
  rule_description         = "Redis TLS from EKS nodes and pods"
}

resource "aws_cloudwatch_log_group" "redis" {
  name              = "/aws/elasticache/${local.name}-redis/slow-log"
  retention_in_days = local.tier.log_retention_days
  kms_key_id        = module.kms.arn
}

resource "aws_elasticache_replication_group" "main" {
  replication_group_id = "${local.name}-redis"
  description          = "FlexTime ${var.environment} Redis (job queue, cache)"
  engine               = "redis"
  engine_version       = "7.1"
  parameter_group_name = "default.redis7"
  node_type            = local.tier.redis_node_type
  num_cache_clusters   = local.tier.redis_nodes
  port                 = 6379

  subnet_group_name  = aws_elasticache_subnet_group.main.name
  security_group_ids = [module.redis_security_group.id]

  # Failover needs a replica; production and staging have one, development does not.
  automatic_failover_enabled = local.tier.redis_nodes > 1
  multi_az_enabled           = local.tier.multi_az

  at_rest_encryption_enabled = true
  kms_key_id                 = module.kms.arn
  transit_encryption_enabled = true
  auth_token                 = data.aws_secretsmanager_secret_version.redis_auth.secret_string
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit = local.tier.backup_retention_days
  snapshot_window          = "02:00-03:00"
  maintenance_window       = "sun:05:30-sun:06:30"

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.redis.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
}
