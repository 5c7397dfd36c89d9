# Exact versions only: a plan made today must mean the same thing in a year.
terraform {
  required_version = "1.8.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "2.17.0"
    }
  }

  # Partial configuration: bucket, key, region, lock table and KMS key come from
  # clusters/<cluster>.s3.tfbackend (key flextime/clusters/<cluster>/terraform.tfstate). See ../README.md.
  backend "s3" {}
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = local.tags
  }
}

# Talks to the cluster this stack creates. The token comes from `aws eks get-token` at run time,
# so no credential is stored in state.
provider "helm" {
  kubernetes {
    host                   = aws_eks_cluster.main.endpoint
    cluster_ca_certificate = base64decode(aws_eks_cluster.main.certificate_authority[0].data)

    exec {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", aws_eks_cluster.main.name, "--region", var.region]
    }
  }
}
