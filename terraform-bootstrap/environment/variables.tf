# Two kinds of input:
#   generated.auto.tfvars.json     written by `npm run synth` from config/ (names Kubernetes and
#                                  AWS must agree on); never edited by hand.
#   environments/<env>.tfvars      written by `npm run synth` from config/site.ts: account and
#                                  region (those of the environment's cluster).
# No variable holds a secret, and none has a secret default.

# --- from environments/<env>.tfvars ------------------------------------------------------------

variable "environment" {
  description = "Which environment this state describes: a key of local.tiers and of var.environments."
  type        = string

  validation {
    condition     = contains(["development", "staging", "production"], var.environment)
    error_message = "environment must be development, staging or production."
  }
}

variable "aws_account_id" {
  description = "The only AWS account this state may touch: the account of the environment's cluster."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "region" {
  description = "AWS region of the environment's cluster."
  type        = string
}

# --- from generated.auto.tfvars.json (config/) ------------------------------------------------

variable "environments" {
  description = "Per environment: its namespace, the EKS cluster it runs in, the backup job's service account, its Secrets Manager prefix and its data subnets in the cluster's VPC (one per zone)."
  type = map(object({
    namespace              = string
    cluster                = string
    backup_service_account = string
    secrets_prefix         = string
    data_subnets = list(object({
      zone = string
      cidr = string
    }))
  }))
}
