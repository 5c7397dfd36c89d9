# Secrets Manager: references only. Apps read their secrets through External Secrets (the
# cluster's role may read everything below secrets_prefix); Terraform reads one of them.
#
# Redis AUTH token: created by Secrets Manager itself (../README.md step 0), never typed, never a
# variable or output. Terraform 1.8 has no ephemeral values and `auth_token` is no write-only
# argument, so the value passes through the plan and sits in the encrypted, access-restricted
# state as a sensitive attribute; nowhere else.
locals {
  secrets_prefix         = var.environments[var.environment].secrets_prefix # e.g. "flextime/production/"
  redis_auth_secret_name = "${local.secrets_prefix}redis-auth-token"
}

data "aws_secretsmanager_secret_version" "redis_auth" {
  secret_id = local.redis_auth_secret_name
}
