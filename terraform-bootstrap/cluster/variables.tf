# Two kinds of input:
#   generated.auto.tfvars.json  written by `npm run synth` from config/ (names Kubernetes and AWS
#                               must agree on); never edited by hand.
#   clusters/<cluster>.tfvars   written by `npm run synth` from config/site.ts (what the adopter
#                               fills in): account, region, API access, SSO settings, DNS zones.
# No variable holds a secret, and none has a secret default.

# --- from clusters/<cluster>.tfvars ------------------------------------------------------------

variable "cluster" {
  description = "Which cluster this state describes: a key of var.clusters (config `clusters`), also the EKS cluster name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.cluster))
    error_message = "cluster must be a DNS label, as in config `clusters[].name`."
  }
}

variable "aws_account_id" {
  description = "The only AWS account this state may touch (guards against applying with the wrong profile)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "region" {
  description = "AWS region of the cluster (and of the environments it hosts)."
  type        = string
}

variable "public_api_cidrs" {
  description = "Empty (the default): the EKS API endpoint is private, reachable from inside the VPC only. Listing networks (office and VPN egress; config/site.ts publicApiCidrs) is the explicit choice of a public endpoint open to them only."
  type        = list(string)
  default     = []

  validation {
    condition     = !anytrue([for c in var.public_api_cidrs : endswith(c, "/0")])
    error_message = "public_api_cidrs must list specific networks; 0.0.0.0/0 and ::/0 are not allowed."
  }
}

variable "sso_admin_role_arn" {
  description = "IAM role of the SSO permission set that administers the cluster (EKS access entry)."
  type        = string
}

variable "sso_client_id" {
  description = "OIDC client the cluster is registered as at the Big 12 SSO (issuer: var.sso_issuer_url)."
  type        = string
}

variable "dns_zone_ids" {
  description = "Route 53 hosted zones cert-manager may answer DNS-01 challenges in."
  type        = list(string)
}

# --- from generated.auto.tfvars.json (config/) ------------------------------------------------

variable "eks_version" {
  description = "Kubernetes minor of the cluster; the same minor as the PSA version and the verify API server."
  type        = string
}

variable "clusters" {
  description = "Per cluster of config: the environments it hosts (namespace, Secrets Manager prefix) and its network (VPC, subnets per zone, VPC endpoints; null while it hosts nothing)."
  type = map(object({
    environments = map(object({
      namespace      = string
      secrets_prefix = string
    }))
    network = object({
      vpc_cidr = string
      zones = list(object({
        name      = string
        public    = string
        private   = string
        endpoints = string
      }))
      gateway_endpoints   = list(string)
      interface_endpoints = list(string)
    })
  }))
}

variable "platform_secrets" {
  description = "Secrets Manager names the platform ClusterSecretStore reads for add-ons (Alertmanager, Grafana, Falco)."
  type        = list(string)
}

variable "argocd_cluster" {
  description = "The cluster ArgoCD runs in (config gitops.controlCluster); only its state installs ArgoCD."
  type        = string
}

variable "service_accounts" {
  description = "Cluster-wide service accounts that get an IAM role; trust policies are bound to exactly these."
  type = object({
    external_secrets   = object({ namespace = string, name = string })
    cert_manager       = object({ namespace = string, name = string })
    cluster_autoscaler = object({ namespace = string, name = string })
    efs_csi_driver     = object({ namespace = string, name = string })
    ebs_csi_driver     = object({ namespace = string, name = string })
    vpc_cni            = object({ namespace = string, name = string })

    # The AWS Load Balancer Controller add-on (config/addons-aws.ts) runs as exactly this account.
    aws_load_balancer_controller = object({ namespace = string, name = string })

    # The log collector DaemonSet (dist/cluster/logging) and Grafana's CloudWatch data source (logs.tf).
    log_collector = object({ namespace = string, name = string })
    grafana       = object({ namespace = string, name = string })
  })
}

variable "container_logs" {
  description = "Container log groups (config observability.logs): per environment and `platform`, the group name, retention in days and whether its events are archived to S3; the archive's storage class and lifetime."
  type = object({
    groups = map(object({
      name           = string
      retention_days = number
      archive        = bool
    }))
    archive = object({
      storage_class   = string
      transition_days = number
      expire_days     = number
    })
  })
}

variable "ebs_kms_key_alias" {
  description = "Alias (without alias/) of the EBS volume key: the StorageClasses in dist/cluster/storage name it, so every cluster's key carries the same alias."
  type        = string
}

variable "sso_issuer_url" {
  description = "Big 12 SSO (OIDC issuer) users log in to the cluster with; RBAC binds its groups."
  type        = string
}

variable "sso_groups_prefix" {
  description = "Prefix EKS puts before SSO group names (RBAC binds e.g. \"sso:platform-admins\")."
  type        = string
}

variable "node_groups" {
  description = "Per cluster: its EKS managed node groups by name (config/node-groups.ts, the tier of the cluster)."
  type = map(map(object({
    capacity_type  = string
    instance_types = list(string)
    min_size       = number
    max_size       = number
    labels         = map(string)
    taints         = list(object({ key = string, value = optional(string), effect = string }))
  })))

  validation {
    condition     = alltrue(flatten([for c in values(var.node_groups) : [for g in values(c) : contains(["ON_DEMAND", "SPOT"], g.capacity_type) && g.min_size <= g.max_size]]))
    error_message = "node_groups: capacity_type must be ON_DEMAND or SPOT and min_size <= max_size."
  }
}
