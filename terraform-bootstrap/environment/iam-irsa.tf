# The backup job's IAM role: trusts exactly `system:serviceaccount:<namespace>:<backup SA>` of
# this environment (names from config via generated.auto.tfvars.json) on its cluster's OIDC
# provider. Cluster-wide roles (External Secrets, cert-manager, …) are in ../cluster/iam-irsa.tf.
locals {
  irsa_subjects = {
    backup = "system:serviceaccount:${local.namespace}:${local.backup_service_account}"
  }
}

data "aws_iam_policy_document" "irsa_trust" {
  for_each = local.irsa_subjects

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [data.aws_iam_openid_connect_provider.cluster.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = [each.value]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "irsa" {
  for_each           = local.irsa_subjects
  name               = "${local.name}-${replace(each.key, "_", "-")}"
  assume_role_policy = data.aws_iam_policy_document.irsa_trust[each.key].json
}

resource "aws_iam_role_policy" "backup" {
  name   = "backup"
  role   = aws_iam_role.irsa["backup"].id
  policy = data.aws_iam_policy_document.backup.json
}

# The backup job writes and reads dumps; it cannot delete them (versioning keeps old ones).
data "aws_iam_policy_document" "backup" {
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.backups.arn]
  }
  statement {
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${aws_s3_bucket.backups.arn}/*"]
  }
  statement {
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
  }
}
