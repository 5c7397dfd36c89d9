# Non-secret values config/ needs, copied into config/terraform-outputs.json (`environments.<env>`)
# after an apply: node scripts/terraform-outputs.mjs environment <env> (../README.md).
# Secrets are referenced by ARN or name, never by value.

output "account_id" {
  description = "AWS account of the environment (its cluster's)."
  value       = data.aws_caller_identity.current.account_id
}

output "region" {
  description = "AWS region of the environment (its cluster's)."
  value       = var.region
}

output "cluster_name" {
  description = "The cluster the data stores were built next to (config must still put the environment there)."
  value       = data.aws_eks_cluster.this.name
}

output "db_endpoint" {
  description = "RDS PostgreSQL host name (PgBouncer connects to it)."
  value       = aws_db_instance.main.address
}

output "db_port" {
  description = "RDS PostgreSQL port."
  value       = aws_db_instance.main.port
}

output "db_master_user_secret_arn" {
  description = "Secrets Manager secret RDS keeps the master password in (ARN only)."
  value       = aws_db_instance.main.master_user_secret[0].secret_arn
}

output "redis_endpoint" {
  description = "ElastiCache Redis primary endpoint host name."
  value       = aws_elasticache_replication_group.main.primary_endpoint_address
}

output "redis_port" {
  description = "ElastiCache Redis port (TLS)."
  value       = aws_elasticache_replication_group.main.port
}

output "redis_auth_secret_name" {
  description = "Secrets Manager secret holding the Redis AUTH token (name only)."
  value       = local.redis_auth_secret_name
}

output "backup_bucket" {
  description = "S3 bucket of the database backups."
  value       = module.backups.id
}

output "backup_role_arn" {
  description = "IRSA role of the backup job (trusts only its service account)."
  value       = module.irsa.arns["backup"]
}

output "kms_key_arn" {
  description = "Customer-managed key of the environment; the backup job encrypts dumps with it (SSE-KMS)."
  value       = module.kms.arn
}

output "db_replica_endpoint" {
  description = "Address of the read replica (the read-only PgBouncer pool's server), or null where the tier has none."
  value       = one(aws_db_instance.replica[*].address)
}

output "database_alarms_topic_arn" {
  description = "SNS topic of the database's CloudWatch alarms (replica lag); subscribe the on-call's endpoint. Null without a replica."
  value       = one(aws_sns_topic.database_alarms[*].arn)
}
