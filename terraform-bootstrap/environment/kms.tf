# One customer-managed key per environment encrypts its data stores (RDS, the RDS master secret,
# ElastiCache, S3 backups) and their log groups, so one key policy and one CloudTrail trail show
# who can read an environment's data. The cluster's key (../cluster/kms.tf) never sees it.
module "kms" {
  source = "../modules/kms-key"

  alias          = local.name
  description    = "${local.name}: RDS, ElastiCache, S3 backups, secrets, logs"
  aws_account_id = var.aws_account_id
  region         = var.region
}
