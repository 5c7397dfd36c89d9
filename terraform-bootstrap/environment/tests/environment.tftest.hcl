# Plan-level checks of the environment root module against a mocked AWS provider: no credentials,
# no AWS, but the real provider's schema, so `terraform init` must have installed hashicorp/aws.
# Run by `terraform test` in the GitHub workflow (.github/workflows/ci.yml, job terraform).
# Offline (npm test) this file is formatted by `terraform fmt -check` and parsed by
# test/terraform-tests.test.ts; it cannot run here (the provider comes only from its registry).
#
# The inputs are literals of this file (not the generated tfvars), so every expected value below
# is a fact of the requirement, not something read back from config.

mock_provider "aws" {
  # The environment finds its cluster by name (cluster.tf): a VPC, the cluster security group and
  # the OIDC issuer of IRSA.
  mock_data "aws_eks_cluster" {
    defaults = {
      vpc_config = [{
        vpc_id                    = "vpc-0a1b2c3d4e5f60718"
        cluster_security_group_id = "sg-0a1b2c3d4e5f60718"
      }]
      identity = [{ oidc = [{ issuer = "https://oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF" }] }]
    }
  }
  # Policy documents read at plan time feed arguments the provider validates as JSON.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
  # The provider checks an AUTH token's length (16-128); this is a mock, not a secret.
  mock_data "aws_secretsmanager_secret_version" {
    defaults = {
      secret_string = "mock-value-for-terraform-test-only"
    }
  }
}

variables {
  aws_account_id = "123456789012"
  region         = "us-east-2"
  environments = {
    development = {
      namespace              = "flextime-development"
      cluster                = "flextime"
      backup_service_account = "flextime-backup"
      secrets_prefix         = "flextime/development/"
      data_subnets           = [{ zone = "us-east-2a", cidr = "10.10.56.0/26" }, { zone = "us-east-2b", cidr = "10.10.56.64/26" }]
    }
    production = {
      namespace              = "flextime-production"
      cluster                = "flextime"
      backup_service_account = "flextime-backup"
      secrets_prefix         = "flextime/production/"
      data_subnets           = [{ zone = "us-east-2a", cidr = "10.10.58.0/26" }, { zone = "us-east-2b", cidr = "10.10.58.64/26" }, { zone = "us-east-2c", cidr = "10.10.58.128/26" }]
    }
  }
}

run "production" {
  command = plan

  variables {
    environment = "production"
  }

  # Encryption at rest and in transit.
  assert {
    condition     = aws_db_instance.main.storage_encrypted == true
    error_message = "RDS storage must be encrypted."
  }
  # Every log RDS exports lands in a group of ours (retention, KMS), the read replica's included;
  # a group RDS made itself would keep its logs forever and unencrypted.
  assert {
    condition = toset(concat([for g in aws_cloudwatch_log_group.db : g.name], [for g in aws_cloudwatch_log_group.db_replica : g.name])) == toset([
      "/aws/rds/instance/flextime-production-postgres/postgresql",
      "/aws/rds/instance/flextime-production-postgres/upgrade",
      "/aws/rds/instance/flextime-production-postgres-replica-1/postgresql",
      "/aws/rds/instance/flextime-production-postgres-replica-1/upgrade",
    ])
    error_message = "The primary's and the replica's exported logs each need their own log group."
  }
  assert {
    condition     = [for r in aws_db_instance.replica : r.identifier] == ["flextime-production-postgres-replica-1"]
    error_message = "Production has one read replica, flextime-production-postgres-replica-1."
  }
  assert {
    condition     = tobool(aws_elasticache_replication_group.main.at_rest_encryption_enabled) == true && aws_elasticache_replication_group.main.transit_encryption_enabled == true
    error_message = "Redis must be encrypted at rest and in transit."
  }

  # Multi-AZ and deletion protection in production.
  assert {
    condition     = aws_db_instance.main.multi_az == true && aws_db_instance.main.deletion_protection == true
    error_message = "Production RDS must be Multi-AZ and protected from deletion."
  }
  assert {
    condition     = aws_db_instance.main.skip_final_snapshot == false
    error_message = "RDS must take a final snapshot."
  }
  assert {
    condition     = aws_elasticache_replication_group.main.multi_az_enabled == true && aws_elasticache_replication_group.main.automatic_failover_enabled == true
    error_message = "Production Redis must be Multi-AZ with automatic failover."
  }

  # Private subnets: the data stores sit in the environment's data subnets, never reachable from the internet.
  assert {
    condition     = aws_db_instance.main.publicly_accessible == false
    error_message = "RDS must not be publicly accessible."
  }
  assert {
    condition     = length(aws_subnet.data) == 3 && alltrue([for s in aws_subnet.data : s.map_public_ip_on_launch != true && s.vpc_id == "vpc-0a1b2c3d4e5f60718"])
    error_message = "One data subnet per zone, in the cluster's VPC, with no public addresses."
  }

  # IRSA: one role, trusting exactly the backup job's service account of this environment.
  assert {
    condition     = jsonencode(local.irsa_subjects) == jsonencode({ backup = "system:serviceaccount:flextime-production:flextime-backup" })
    error_message = "The backup role must trust exactly system:serviceaccount:flextime-production:flextime-backup."
  }
  assert {
    condition     = jsonencode(keys(module.irsa.names)) == jsonencode(["backup"])
    error_message = "The environment must have exactly one IRSA role."
  }
}

run "development" {
  command = plan

  variables {
    environment = "development"
  }

  # Encryption does not depend on the tier; Multi-AZ and deletion protection do.
  assert {
    condition     = aws_db_instance.main.storage_encrypted == true && aws_elasticache_replication_group.main.transit_encryption_enabled == true
    error_message = "Development data must be encrypted too."
  }
  assert {
    condition     = aws_db_instance.main.multi_az == false && aws_db_instance.main.deletion_protection == false
    error_message = "Development RDS is single-AZ and may be deleted (the tier table's development row)."
  }
  assert {
    condition     = jsonencode(local.irsa_subjects) == jsonencode({ backup = "system:serviceaccount:flextime-development:flextime-backup" })
    error_message = "The development backup role must trust the development namespace's service account only."
  }
}

# The IRSA module itself: each role's trust pins the token's subject to exactly one service account.
run "irsa_trust" {
  command = plan

  module {
    source = "../modules/irsa-roles"
  }

  variables {
    name_prefix       = "flextime-production"
    subjects          = { backup = "system:serviceaccount:flextime-production:flextime-backup" }
    oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
    oidc_issuer_url   = "https://oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
  }

  assert {
    condition     = jsonencode([for c in data.aws_iam_policy_document.trust["backup"].statement[0].condition : c.values if c.test == "StringEquals" && c.variable == "oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF:sub"]) == jsonencode([["system:serviceaccount:flextime-production:flextime-backup"]])
    error_message = "The trust must pin :sub with StringEquals to exactly the one service account."
  }
  assert {
    condition     = jsonencode([for c in data.aws_iam_policy_document.trust["backup"].statement[0].condition : c.values if c.test == "StringEquals" && c.variable == "oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF:aud"]) == jsonencode([["sts.amazonaws.com"]])
    error_message = "The trust must pin :aud to sts.amazonaws.com."
  }
}

# A wildcard subject is refused before anything is planned.
run "irsa_refuses_a_wildcard" {
  command = plan

  module {
    source = "../modules/irsa-roles"
  }

  variables {
    name_prefix       = "flextime-production"
    subjects          = { backup = "system:serviceaccount:flextime-production:*" }
    oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
    oidc_issuer_url   = "https://oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
  }

  expect_failures = [var.subjects]
}

# The bucket module (../modules/secure-bucket) the backups and access-log buckets of both root
# modules are made with, as environment/s3.tf calls it for production's backups (its resources are
# the module's: a run of the root module cannot assert on them). SSE-KMS with the given key, every
# public access blocked, versioning on, no logging configuration of its own.
run "secure_bucket" {
  command = plan

  module {
    source = "../modules/secure-bucket"
  }

  variables {
    name                                   = "flextime-production-backups-123456789012"
    kms_key_arn                            = "arn:aws:kms:us-east-2:123456789012:key/0123abcd-0123-abcd-0123-0123456789ab"
    transition                             = { days = 30, storage_class = "GLACIER" }
    expiration_days                        = 365
    noncurrent_version_expiration_days     = 30
    abort_incomplete_multipart_upload_days = 7
  }

  # Encryption at rest.
  assert {
    condition     = alltrue([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : alltrue([for d in r.apply_server_side_encryption_by_default : d.sse_algorithm == "aws:kms" && d.kms_master_key_id == "arn:aws:kms:us-east-2:123456789012:key/0123abcd-0123-abcd-0123-0123456789ab"])])
    error_message = "The bucket must use SSE-KMS with the key it is given."
  }

  # Public access blocked.
  assert {
    condition = (aws_s3_bucket_public_access_block.this.block_public_acls == true
      && aws_s3_bucket_public_access_block.this.block_public_policy == true
      && aws_s3_bucket_public_access_block.this.ignore_public_acls == true
    && aws_s3_bucket_public_access_block.this.restrict_public_buckets == true)
    error_message = "The bucket must block every kind of public access."
  }

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "The bucket must be versioned."
  }
  assert {
    condition     = jsonencode([for r in aws_s3_bucket_lifecycle_configuration.this.rule : [r.id, [for t in r.transition : [t.days, t.storage_class]], r.expiration[0].days]]) == jsonencode([["archive-then-expire", [[30, "GLACIER"]], 365]])
    error_message = "One lifecycle rule: Glacier after 30 days, deleted after 365."
  }
  assert {
    condition     = length(aws_s3_bucket_logging.source) == 0
    error_message = "A data bucket configures no logging of its own; its access-log bucket's call does."
  }
}

# An access-log bucket: SSE-S3 (S3 delivers server access logs only there), and the logging
# configuration of the one bucket it serves, under that bucket's prefix.
run "secure_bucket_for_access_logs" {
  command = plan

  module {
    source = "../modules/secure-bucket"
  }

  variables {
    name = "flextime-production-backup-access-logs-123456789012"
    server_access_logs_of = {
      bucket_id  = "flextime-production-backups-123456789012"
      bucket_arn = "arn:aws:s3:::flextime-production-backups-123456789012"
      account_id = "123456789012"
      prefix     = "backups/"
    }
    expiration_days                    = 90
    noncurrent_version_expiration_days = 7
  }

  assert {
    condition     = alltrue([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : alltrue([for d in r.apply_server_side_encryption_by_default : d.sse_algorithm == "AES256"])])
    error_message = "An access-log bucket must use SSE-S3."
  }
  assert {
    condition     = aws_s3_bucket_public_access_block.this.restrict_public_buckets == true && aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "An access-log bucket is private and versioned too."
  }
  assert {
    condition     = length(aws_s3_bucket_logging.source) == 1 && aws_s3_bucket_logging.source[0].bucket == "flextime-production-backups-123456789012" && aws_s3_bucket_logging.source[0].target_prefix == "backups/"
    error_message = "The backups bucket's server access logs must come here, under backups/."
  }
}

# A bucket that is not an access-log bucket must be given a key: it is never SSE-S3 by omission.
run "secure_bucket_refuses_a_missing_key" {
  command = plan

  module {
    source = "../modules/secure-bucket"
  }

  variables {
    name                               = "flextime-production-backups-123456789012"
    expiration_days                    = 365
    noncurrent_version_expiration_days = 30
  }

  expect_failures = [aws_s3_bucket_server_side_encryption_configuration.this]
}
