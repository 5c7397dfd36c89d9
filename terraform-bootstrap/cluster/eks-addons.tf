# The EKS managed add-ons of the cluster, each pinned to an add-on build for the cluster's
# Kubernetes minor: a new var.eks_version without its row below fails the plan, so versions move
# with the cluster. `aws eks describe-addon-versions --kubernetes-version <minor> --addon-name <name>`
# lists the builds of a region. Terraform owns their configuration (OVERWRITE on create and update).
locals {
  eks_addon_versions = {
    "1.32" = {
      "vpc-cni"            = "v1.19.2-eksbuild.5"
      "kube-proxy"         = "v1.32.0-eksbuild.2"
      "coredns"            = "v1.11.4-eksbuild.10"
      "aws-ebs-csi-driver" = "v1.39.0-eksbuild.1"
      "aws-efs-csi-driver" = "v2.1.4-eksbuild.1"
    }
  }
  eks_addons = local.eks_addon_versions[var.eks_version]

  # The VPC CNI's network policy agent: without it every NetworkPolicy in dist/ (default deny and
  # the allow rules of config/network.ts) is accepted by the API server and enforced by nothing.
  vpc_cni_configuration = {
    enableNetworkPolicy = "true"
  }
}

# Pod networking and NetworkPolicy enforcement, with its own role (AmazonEKS_CNI_Policy, iam-irsa.tf).
# Before the nodes (eks.tf): a node is Ready only once the CNI runs on it.
resource "aws_eks_addon" "vpc_cni" {
  cluster_name                = aws_eks_cluster.main.name
  addon_name                  = "vpc-cni"
  addon_version               = local.eks_addons["vpc-cni"]
  service_account_role_arn    = module.irsa.arns["vpc_cni"]
  configuration_values        = jsonencode(local.vpc_cni_configuration)
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  # Its role's permissions in place before the first aws-node asks for them.
  depends_on = [aws_iam_role_policy_attachment.irsa_managed]
}

resource "aws_eks_addon" "kube_proxy" {
  cluster_name                = aws_eks_cluster.main.name
  addon_name                  = "kube-proxy"
  addon_version               = local.eks_addons["kube-proxy"]
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
}

# A Deployment: it needs nodes to become active.
resource "aws_eks_addon" "coredns" {
  cluster_name                = aws_eks_cluster.main.name
  addon_name                  = "coredns"
  addon_version               = local.eks_addons["coredns"]
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  depends_on                  = [aws_eks_node_group.main]
}

# Provisions the EBS volumes of the StorageClasses in dist/cluster/storage (provisioner
# ebs.csi.aws.com), encrypted with the cluster's EBS key (kms.tf): AmazonEBSCSIDriverPolicy plus
# that key (iam-irsa.tf).
resource "aws_eks_addon" "ebs_csi" {
  cluster_name                = aws_eks_cluster.main.name
  addon_name                  = "aws-ebs-csi-driver"
  addon_version               = local.eks_addons["aws-ebs-csi-driver"]
  service_account_role_arn    = module.irsa.arns["ebs_csi_driver"]
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  depends_on                  = [aws_eks_node_group.main, aws_iam_role_policy_attachment.irsa_managed, aws_iam_role_policy.irsa]
}

# EFS CSI driver, so pods can mount the shared model volume (efs.tf).
resource "aws_eks_addon" "efs_csi" {
  cluster_name                = aws_eks_cluster.main.name
  addon_name                  = "aws-efs-csi-driver"
  addon_version               = local.eks_addons["aws-efs-csi-driver"]
  service_account_role_arn    = module.irsa.arns["efs_csi_driver"]
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  depends_on                  = [aws_eks_node_group.main, aws_iam_role_policy_attachment.irsa_managed]
}
