# IAM roles for Kubernetes service accounts (IRSA): one role per entry of `subjects`, named
# `<name_prefix>-<key>` (underscores become dashes), each trusting exactly one service account
# (StringEquals on the token's sub and aud, never a wildcard) of one cluster's OIDC provider.
# Permissions are attached by the caller (`names[key]`).

# Lower bounds only: the root module that calls this one pins the exact versions (versions.tf).
terraform {
  required_version = ">= 1.8.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0"
    }
  }
}

variable "name_prefix" {
  description = "Prefix of every role name."
  type        = string
}

variable "subjects" {
  description = "Role key → the one service account it trusts: `system:serviceaccount:<namespace>:<name>`."
  type        = map(string)

  validation {
    condition     = alltrue([for s in values(var.subjects) : can(regex("^system:serviceaccount:[a-z0-9][-a-z0-9]*:[a-z0-9][-.a-z0-9]*$", s))])
    error_message = "Each subject must be system:serviceaccount:<namespace>:<name>, without wildcards."
  }
}

variable "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster whose tokens the roles accept."
  type        = string
}

variable "oidc_issuer_url" {
  description = "Issuer URL of that provider (https://oidc.eks.<region>.amazonaws.com/id/<id>)."
  type        = string
}

locals {
  oidc_issuer = replace(var.oidc_issuer_url, "https://", "")
}

data "aws_iam_policy_document" "trust" {
  for_each = var.subjects

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
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

resource "aws_iam_role" "this" {
  for_each           = var.subjects
  name               = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  assume_role_policy = data.aws_iam_policy_document.trust[each.key].json
}

output "arns" {
  description = "Role key → role ARN (for ServiceAccount annotations and add-ons)."
  value       = { for key, role in aws_iam_role.this : key => role.arn }
}

output "names" {
  description = "Role key → role name (the caller attaches permissions by name)."
  value       = { for key, role in aws_iam_role.this : key => role.name }
}
