# IAM roles for the cluster-wide service accounts (../modules/irsa-roles). Each role trusts exactly
# one Kubernetes service account (StringEquals on namespace:name, never a wildcard); the names come
# from config via generated.auto.tfvars.json, so a renamed service account cannot silently lose its
# role.
# The backup job's role belongs to its environment (../environment/iam-irsa.tf).
locals {
  irsa_subjects = {
    external_secrets   = "system:serviceaccount:${var.service_accounts.external_secrets.namespace}:${var.service_accounts.external_secrets.name}"
    cert_manager       = "system:serviceaccount:${var.service_accounts.cert_manager.namespace}:${var.service_accounts.cert_manager.name}"
    cluster_autoscaler = "system:serviceaccount:${var.service_accounts.cluster_autoscaler.namespace}:${var.service_accounts.cluster_autoscaler.name}"
    efs_csi_driver     = "system:serviceaccount:${var.service_accounts.efs_csi_driver.namespace}:${var.service_accounts.efs_csi_driver.name}"
    ebs_csi_driver     = "system:serviceaccount:${var.service_accounts.ebs_csi_driver.namespace}:${var.service_accounts.ebs_csi_driver.name}"
    vpc_cni            = "system:serviceaccount:${var.service_accounts.vpc_cni.namespace}:${var.service_accounts.vpc_cni.name}"

    aws_load_balancer_controller = "system:serviceaccount:${var.service_accounts.aws_load_balancer_controller.namespace}:${var.service_accounts.aws_load_balancer_controller.name}"

    log_collector = "system:serviceaccount:${var.service_accounts.log_collector.namespace}:${var.service_accounts.log_collector.name}"
    grafana_logs  = "system:serviceaccount:${var.service_accounts.grafana.namespace}:${var.service_accounts.grafana.name}"
  }

  # Our own policies, one inline policy per role.
  irsa_policies = {
    external_secrets             = data.aws_iam_policy_document.external_secrets.json
    cert_manager                 = data.aws_iam_policy_document.cert_manager.json
    cluster_autoscaler           = data.aws_iam_policy_document.cluster_autoscaler.json
    ebs_csi_driver               = data.aws_iam_policy_document.ebs_csi_driver_kms.json
    aws_load_balancer_controller = data.aws_iam_policy_document.aws_load_balancer_controller.json
    log_collector                = data.aws_iam_policy_document.log_collector.json
    grafana_logs                 = data.aws_iam_policy_document.grafana_logs.json
  }

  # AWS managed policies the EKS add-ons document for their controllers (eks-addons.tf).
  irsa_managed_policies = {
    efs_csi_driver = "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"
    ebs_csi_driver = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
    vpc_cni        = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"
  }

  # What External Secrets may read: everything below the prefix of each environment on this cluster
  # (the environment ClusterSecretStores' prefixes), and the platform secrets by exact name
  # ("-??????" is the random suffix Secrets Manager adds to every secret ARN).
  secret_arns = concat(
    [for env in values(local.hosted) : "arn:aws:secretsmanager:${var.region}:${var.aws_account_id}:secret:${env.secrets_prefix}*"],
    [for name in var.platform_secrets : "arn:aws:secretsmanager:${var.region}:${var.aws_account_id}:secret:${name}-??????"],
  )
}

module "irsa" {
  source = "../modules/irsa-roles"

  name_prefix       = local.name
  subjects          = local.irsa_subjects
  oidc_provider_arn = aws_iam_openid_connect_provider.eks.arn
  oidc_issuer_url   = aws_eks_cluster.main.identity[0].oidc[0].issuer
}

resource "aws_iam_role_policy" "irsa" {
  for_each = local.irsa_policies
  name     = replace(each.key, "_", "-")
  role     = module.irsa.names[each.key]
  policy   = each.value
}

resource "aws_iam_role_policy_attachment" "irsa_managed" {
  for_each   = local.irsa_managed_policies
  role       = module.irsa.names[each.key]
  policy_arn = each.value
}

moved {
  from = aws_iam_role_policy_attachment.efs_csi_driver
  to   = aws_iam_role_policy_attachment.irsa_managed["efs_csi_driver"]
}

# AmazonEBSCSIDriverPolicy covers EC2 only; volumes of the StorageClasses are encrypted with the
# cluster's EBS key (kms.tf), so the driver may use that key, and hand grants only to AWS
# services (EC2 attaching the volume), as the EBS CSI driver's IAM documentation describes for a
# customer-managed key.
data "aws_iam_policy_document" "ebs_csi_driver_kms" {
  statement {
    actions   = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    resources = [module.ebs_kms.arn]
    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }
  statement {
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = [module.ebs_kms.arn]
  }
}

# External Secrets (one controller, one role per cluster) reads the secrets of the environments
# this cluster hosts and the platform secrets (Alertmanager, Grafana, Falco), nothing else: not
# another cluster's environments, not the RDS master
# passwords (RDS keeps those for administrators; apps log in with their own roles' secrets).
data "aws_iam_policy_document" "external_secrets" {
  statement {
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = local.secret_arns
  }
  # Whatever key a secret is encrypted with (each environment's own), only through Secrets Manager
  # and only for those secrets.
  statement {
    actions   = ["kms:Decrypt"]
    resources = ["arn:aws:kms:${var.region}:${var.aws_account_id}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:SecretARN"
      values   = local.secret_arns
    }
  }
}

# cert-manager answers DNS-01 challenges in the cluster's zones only.
data "aws_iam_policy_document" "cert_manager" {
  statement {
    actions   = ["route53:GetChange"]
    resources = ["arn:aws:route53:::change/*"]
  }
  statement {
    actions   = ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"]
    resources = [for id in var.dns_zone_ids : "arn:aws:route53:::hostedzone/${id}"]
    # Challenge records only: TXT, never an A or CNAME that could redirect traffic.
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "route53:ChangeResourceRecordSetsRecordTypes"
      values   = ["TXT"]
    }
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
