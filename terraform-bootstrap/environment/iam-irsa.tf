# The backup job's IAM role (../modules/irsa-roles): trusts exactly `system:serviceaccount:<namespace>:<backup SA>` of
# this environment (names from config via generated.auto.tfvars.json) on its cluster's OIDC
# provider. Cluster-wide roles (External Secrets, cert-manager, …) are in ../cluster/iam-irsa.tf.
locals {
  irsa_subjects = {
    backup = "system:serviceaccount:${local.namespace}:${local.backup_service_account}"
  }
}

module "irsa" {
  source = "../modules/irsa-roles"

  name_prefix       = local.name
  subjects          = local.irsa_subjects
  oidc_provider_arn = data.aws_iam_openid_connect_provider.cluster.arn
  oidc_issuer_url   = data.aws_eks_cluster.this.identity[0].oidc[0].issuer
}

resource "aws_iam_role_policy" "backup" {
  name   = "backup"
  role   = module.irsa.names["backup"]
  policy = data.aws_iam_policy_document.backup.json
}

# The backup job writes and reads dumps; it cannot delete them (versioning keeps old ones).
data "aws_iam_policy_document" "backup" {
  statement {
    actions   = ["s3:ListBucket"]
    resources = [module.backups.arn]
  }
  statement {
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${module.backups.arn}/*"]
  }
  statement {
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [module.kms.arn]
  }
}
