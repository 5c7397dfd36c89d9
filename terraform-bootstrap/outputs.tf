# Non-secret values config/ needs, copied into config/terraform-outputs.json after an apply
# (README.md "Outputs back into config"). Secrets are referenced by ARN or name, never by value.

output "account_id" {
  value = data.aws_caller_identity.current.account_id
}

output "region" {
  value = var.region
}

output "cluster_name" {
  value = aws_eks_cluster.main.name
}

output "cluster_endpoint" {
  value = aws_eks_cluster.main.endpoint
}

output "oidc_provider_arn" {
  value = aws_iam_openid_connect_provider.eks.arn
}

output "db_endpoint" {
  value = aws_db_instance.main.address
}

output "db_port" {
  value = aws_db_instance.main.port
}

output "db_master_user_secret_arn" {
  description = "Secrets Manager secret RDS keeps the master password in (ARN only)."
  value       = aws_db_instance.main.master_user_secret[0].secret_arn
}

output "redis_endpoint" {
  value = aws_elasticache_replication_group.main.primary_endpoint_address
}

output "redis_port" {
  value = aws_elasticache_replication_group.main.port
}

output "redis_auth_secret_name" {
  description = "Secrets Manager secret holding the Redis AUTH token (name only)."
  value       = local.redis_auth_secret_name
}

output "backup_bucket" {
  value = aws_s3_bucket.backups.bucket
}

output "efs_file_system_id" {
  value = aws_efs_file_system.models.id
}

output "external_secrets_role_arn" {
  value = aws_iam_role.irsa["external_secrets"].arn
}

output "backup_role_arn" {
  value = aws_iam_role.irsa["backup"].arn
}

output "cert_manager_role_arn" {
  value = aws_iam_role.irsa["cert_manager"].arn
}

output "cluster_autoscaler_role_arn" {
  value = aws_iam_role.irsa["cluster_autoscaler"].arn
}
