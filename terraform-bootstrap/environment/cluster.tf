# The cluster this environment runs in (config `environments[].cluster`), read live from AWS by
# its name: its VPC holds the environment's data subnets (data-subnets.tf), its security group
# (shared by nodes and pods) is the only one let in, its OIDC provider signs the backup job's tokens.
#
# Why data sources and not terraform_remote_state of ../cluster: the one input is a name config
# already owns; an environment apply needs no read access to the cluster's state file (nor its
# bucket, key and account in a second backend block); and it sees the cluster as it is, not as the
# last cluster apply left its outputs. If the cluster does not exist yet, the plan stops here.
data "aws_eks_cluster" "this" {
  name = local.cluster_name
}

data "aws_iam_openid_connect_provider" "cluster" {
  url = data.aws_eks_cluster.this.identity[0].oidc[0].issuer
}

locals {
  vpc_id                    = data.aws_eks_cluster.this.vpc_config[0].vpc_id
  cluster_security_group_id = data.aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}
