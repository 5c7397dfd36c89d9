# IAM roles for service accounts. Each role trusts exactly one Kubernetes service account
# (StringEquals on namespace:name, never a wildcard); the names come from config via
# generated.auto.tfvars.json, so a renamed service account cannot silently lose its role.
locals {
  oidc_issuer = replace(aws_eks_cluster.main.identity[0].oidc[0].issuer, "https://", "")

  irsa_subjects = {
    external_secrets   = "system:serviceaccount:${var.service_accounts.external_secrets.namespace}:${var.service_accounts.external_secrets.name}"
    backup             = "system:serviceaccount:${local.namespace}:${var.service_accounts.backup}"
    cert_manager       = "system:serviceaccount:${var.service_accounts.cert_manager.namespace}:${var.service_accounts.cert_manager.name}"
    cluster_autoscaler = "system:serviceaccount:${var.service_accounts.cluster_autoscaler.namespace}:${var.service_accounts.cluster_autoscaler.name}"
    efs_csi_driver     = "system:serviceaccount:${var.service_accounts.efs_csi_driver.namespace}:${var.service_accounts.efs_csi_driver.name}"
  }

  irsa_policies = {
    external_secrets   = data.aws_iam_policy_document.external_secrets.json
    backup             = data.aws_iam_policy_document.backup.json
    cert_manager       = data.aws_iam_policy_document.cert_manager.json
    cluster_autoscaler = data.aws_iam_policy_document.cluster_autoscaler.json
  }
}

data "aws_iam_policy_document" "irsa_trust" {
  for_each = local.irsa_subjects

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.eks.arn]
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

resource "aws_iam_role_policy" "irsa" {
  for_each = local.irsa_policies
  name     = replace(each.key, "_", "-")
  role     = aws_iam_role.irsa[each.key].id
  policy   = each.value
}

resource "aws_iam_role_policy_attachment" "efs_csi_driver" {
  role       = aws_iam_role.irsa["efs_csi_driver"].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"
}

# External Secrets reads this environment's secrets (and the RDS-managed master secret) only.
data "aws_iam_policy_document" "external_secrets" {
  statement {
    actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [
      "arn:aws:secretsmanager:${var.region}:${var.aws_account_id}:secret:${local.secrets_path}/*",
      aws_db_instance.main.master_user_secret[0].secret_arn,
    ]
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
  }
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

# cert-manager answers DNS-01 challenges in the environment's zones only.
data "aws_iam_policy_document" "cert_manager" {
  statement {
    actions   = ["route53:GetChange"]
    resources = ["arn:aws:route53:::change/*"]
  }
  statement {
    actions   = ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"]
    resources = [for id in var.dns_zone_ids : "arn:aws:route53:::hostedzone/${id}"]
  }
  statement {
    actions   = ["route53:ListHostedZonesByName"]
    resources = ["*"]
  }
}

# The cluster autoscaler may resize only node groups tagged as this cluster's.
data "aws_iam_policy_document" "cluster_autoscaler" {
  statement {
    actions   = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/k8s.io/cluster-autoscaler/${local.cluster_name}"
      values   = ["owned"]
    }
  }
  statement {
    actions = [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeScalingActivities",
      "autoscaling:DescribeTags",
      "ec2:DescribeImages",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:GetInstanceTypesFromInstanceRequirements",
      "eks:DescribeNodegroup",
    ]
    resources = ["*"]
  }
}
