# One customer-managed key per cluster for EKS secrets, the cluster's log groups and the shared
# EFS model data. Environment data (RDS, Redis, backups) has keys of its own (../environment/kms.tf).
module "kms" {
  source = "../modules/kms-key"

  alias          = "${local.name}-cluster"
  description    = "${local.name}: EKS secrets, EFS model data, cluster logs"
  aws_account_id = var.aws_account_id
  region         = var.region
}

# The key of every EBS volume the EBS CSI driver creates (dist/cluster/storage StorageClasses,
# `kmsKeyId: alias/<ebs_kms_key_alias>`). Its own key, so the volumes' grants and audit trail
# stay apart from the secrets and logs; one alias in every cluster's account and region, so one
# StorageClass file fits every cluster (two clusters in one account and region would share it:
# Terraform refuses the second alias).
module "ebs_kms" {
  source = "../modules/kms-key"

  alias          = var.ebs_kms_key_alias
  description    = "${local.name}: EBS volumes of the cluster's StorageClasses"
  aws_account_id = var.aws_account_id
  region         = var.region
}
