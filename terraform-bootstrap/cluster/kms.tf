# One customer-managed key per cluster for EKS secrets, the cluster's log groups and the shared
# EFS model data. Environment data (RDS, Redis, backups) has keys of its own (../environment/kms.tf).
module "kms" {
  source = "../modules/kms-key"

  alias          = "${local.name}-cluster"
  description    = "${local.name}: EKS secrets, EFS model data, cluster logs"
  aws_account_id = var.aws_account_id
  region         = var.region
}
