# Plan-level checks of the cluster root module against mocked AWS and Helm providers: no
# credentials, no AWS, but the real providers' schemas, so `terraform init` must have installed
# hashicorp/aws and hashicorp/helm. Run by `terraform test` in the GitHub workflow
# (.github/workflows/ci.yml, job terraform). Offline (npm test) this file is formatted by
# `terraform fmt -check` and parsed by test/terraform-tests.test.ts; it cannot run here (the
# providers come only from their registry).
#
# The inputs are literals of this file (not the generated tfvars), so every expected value below
# is a fact of the requirement, not something read back from config.

mock_provider "aws" {
  # vpc.tf checks that the zones config names exist in the region.
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["us-east-2a", "us-east-2b", "us-east-2c"]
    }
  }
  # Policy documents read at plan time feed arguments the provider validates as JSON.
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

mock_provider "helm" {}

variables {
  cluster            = "flextime"
  aws_account_id     = "123456789012"
  region             = "us-east-2"
  sso_admin_role_arn = "arn:aws:iam::123456789012:role/AWSReservedSSO_PlatformAdmin_0123456789abcdef"
  sso_client_id      = "flextime-eks"
  dns_zone_ids       = ["Z0123456789ABCDEFGHIJ"]
  eks_version        = "1.32"
  clusters = {
    flextime = {
      environments = {
        staging    = { namespace = "flextime-staging", secrets_prefix = "flextime/staging/" }
        production = { namespace = "flextime-production", secrets_prefix = "flextime/production/" }
      }
      network = {
        vpc_cidr = "10.10.0.0/16"
        zones = [
          { name = "us-east-2a", public = "10.10.0.0/20", private = "10.10.64.0/18", endpoints = "10.10.60.0/24" },
          { name = "us-east-2b", public = "10.10.16.0/20", private = "10.10.128.0/18", endpoints = "10.10.61.0/24" },
          { name = "us-east-2c", public = "10.10.32.0/20", private = "10.10.192.0/18", endpoints = "10.10.62.0/24" },
        ]
        gateway_endpoints   = ["s3"]
        interface_endpoints = ["sts"]
      }
    }
  }
  platform_secrets = ["flextime/monitoring/alertmanager"]
  argocd_cluster   = "flextime"
  service_accounts = {
    external_secrets             = { namespace = "external-secrets", name = "external-secrets" }
    cert_manager                 = { namespace = "cert-manager", name = "cert-manager" }
    cluster_autoscaler           = { namespace = "cluster-autoscaler", name = "cluster-autoscaler" }
    efs_csi_driver               = { namespace = "kube-system", name = "efs-csi-controller-sa" }
    ebs_csi_driver               = { namespace = "kube-system", name = "ebs-csi-controller-sa" }
    vpc_cni                      = { namespace = "kube-system", name = "aws-node" }
    aws_load_balancer_controller = { namespace = "aws-load-balancer-controller", name = "aws-load-balancer-controller" }
    log_collector                = { namespace = "logging", name = "log-collector" }
    grafana                      = { namespace = "observability", name = "kube-prometheus-stack-grafana" }
  }
  container_logs = {
    groups = {
      development = { name = "/flextime/containers/development", retention_days = 7, archive = false }
      staging     = { name = "/flextime/containers/staging", retention_days = 14, archive = false }
      production  = { name = "/flextime/containers/production", retention_days = 90, archive = true }
      platform    = { name = "/flextime/containers/platform", retention_days = 30, archive = false }
    }
    archive = { storage_class = "DEEP_ARCHIVE", transition_days = 30, expire_days = 2557 }
  }
  ebs_kms_key_alias = "flextime-ebs"
  sso_issuer_url    = "https://sso.example.com/realms/big12"
  sso_groups_prefix = "oidc:"
  node_groups = {
    flextime = {
      on-demand = {
        capacity_type  = "ON_DEMAND"
        instance_types = ["m6i.xlarge"]
        min_size       = 3
        max_size       = 15
        labels         = {}
        taints         = []
      }
    }
  }
}

# The cluster hosts production and lists no public API networks: the defaults.
run "production_cluster_defaults" {
  command = plan

  # Private EKS endpoint by default.
  assert {
    condition     = aws_eks_cluster.main.vpc_config[0].endpoint_private_access == true && aws_eks_cluster.main.vpc_config[0].endpoint_public_access == false
    error_message = "Without public_api_cidrs the EKS API endpoint must be private only."
  }

  # Encryption: Kubernetes secrets with the cluster's KMS key, EFS, node volumes.
  assert {
    condition     = contains(aws_eks_cluster.main.encryption_config[0].resources, "secrets")
    error_message = "EKS must encrypt Kubernetes secrets with KMS."
  }
  assert {
    condition     = aws_efs_file_system.models.encrypted == true
    error_message = "EFS must be encrypted."
  }
  assert {
    condition     = alltrue([for m in aws_launch_template.node.block_device_mappings : alltrue([for e in m.ebs : tostring(e.encrypted) == "true"])])
    error_message = "Node volumes must be encrypted."
  }

  # Multi-AZ in production: one NAT gateway per zone, on-demand nodes.
  assert {
    condition     = length(aws_nat_gateway.main) == 3
    error_message = "A cluster hosting production needs one NAT gateway per AZ."
  }
  assert {
    condition     = aws_eks_node_group.main["on-demand"].capacity_type == "ON_DEMAND"
    error_message = "A cluster hosting production runs on-demand nodes."
  }

  # Private subnets: nodes and pods get no public address; only the public subnets face the internet, and hand out no public addresses either.
  assert {
    condition     = jsonencode(aws_subnet.private[*].cidr_block) == jsonencode(["10.10.64.0/18", "10.10.128.0/18", "10.10.192.0/18"]) && alltrue([for s in aws_subnet.private : s.map_public_ip_on_launch != true])
    error_message = "One private subnet per zone, as planned, without public addresses."
  }
  assert {
    condition     = alltrue([for s in aws_subnet.public : s.map_public_ip_on_launch == false])
    error_message = "Public subnets must not give instances public addresses."
  }

  # IRSA: each role trusts exactly one service account.
  assert {
    condition = jsonencode(local.irsa_subjects) == jsonencode({
      aws_load_balancer_controller = "system:serviceaccount:aws-load-balancer-controller:aws-load-balancer-controller"
      cert_manager                 = "system:serviceaccount:cert-manager:cert-manager"
      cluster_autoscaler           = "system:serviceaccount:cluster-autoscaler:cluster-autoscaler"
      ebs_csi_driver               = "system:serviceaccount:kube-system:ebs-csi-controller-sa"
      efs_csi_driver               = "system:serviceaccount:kube-system:efs-csi-controller-sa"
      external_secrets             = "system:serviceaccount:external-secrets:external-secrets"
      grafana_logs                 = "system:serviceaccount:observability:kube-prometheus-stack-grafana"
      log_collector                = "system:serviceaccount:logging:log-collector"
      vpc_cni                      = "system:serviceaccount:kube-system:aws-node"
    })
    error_message = "Each cluster IRSA role must trust exactly the one service account config names."
  }

  # Container logs: a group per hosted environment plus the platform's (development is not on this
  # cluster), retention as given, KMS-encrypted; production's events go to the archive.
  assert {
    condition = jsonencode({ for k, g in aws_cloudwatch_log_group.containers : k => [g.name, g.retention_in_days] }) == jsonencode({
      platform   = ["/flextime/containers/platform", 30]
      production = ["/flextime/containers/production", 90]
      staging    = ["/flextime/containers/staging", 14]
    })
    error_message = "One container log group per hosted environment and one for the platform, with the retention config gives."
  }
  assert {
    condition     = alltrue([for g in aws_cloudwatch_log_group.containers : g.kms_key_id != null])
    error_message = "Container log groups must be encrypted with the cluster's key."
  }
  assert {
    condition     = keys(aws_cloudwatch_log_subscription_filter.log_archive) == ["production"] && aws_cloudwatch_log_subscription_filter.log_archive["production"].filter_pattern == ""
    error_message = "Exactly production's container logs are archived, every event of them."
  }
}

# The log archive's bucket: ../modules/secure-bucket as logs-archive.tf calls it with this file's
# container_logs.archive (a run of the root module cannot assert on a module's resources).
run "log_archive_bucket" {
  command = plan

  module {
    source = "../modules/secure-bucket"
  }

  variables {
    name                                   = "flextime-container-log-archive-123456789012"
    kms_key_arn                            = "arn:aws:kms:us-east-2:123456789012:key/0123abcd-0123-abcd-0123-0123456789ab"
    transition                             = { days = 30, storage_class = "DEEP_ARCHIVE" }
    expiration_days                        = 2557
    noncurrent_version_expiration_days     = 30
    abort_incomplete_multipart_upload_days = 7
  }

  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : one(r.transition).storage_class]) == "DEEP_ARCHIVE"
    error_message = "The log archive moves to an archive storage class."
  }
  assert {
    condition     = alltrue([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : alltrue([for d in r.apply_server_side_encryption_by_default : d.sse_algorithm == "aws:kms"])])
    error_message = "The log archive must use SSE-KMS."
  }
}

# A public endpoint is an explicit choice, open only to the listed networks.
run "public_endpoint_when_chosen" {
  command = plan

  variables {
    public_api_cidrs = ["192.0.2.0/24"]
  }

  assert {
    condition     = aws_eks_cluster.main.vpc_config[0].endpoint_public_access == true && jsonencode(sort(tolist(aws_eks_cluster.main.vpc_config[0].public_access_cidrs))) == jsonencode(["192.0.2.0/24"])
    error_message = "Listing public_api_cidrs opens the public endpoint to exactly those networks."
  }
  assert {
    condition     = aws_eks_cluster.main.vpc_config[0].endpoint_private_access == true
    error_message = "The private endpoint stays on."
  }
}

run "public_endpoint_never_open_to_the_internet" {
  command = plan

  variables {
    public_api_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.public_api_cidrs]
}

# A cluster without production: one shared NAT gateway; endpoint and encryption unchanged.
run "non_production_cluster" {
  command = plan

  variables {
    clusters = {
      flextime = {
        environments = {
          development = { namespace = "flextime-development", secrets_prefix = "flextime/development/" }
        }
        # The same VPC plan as the file's inputs.
        network = var.clusters.flextime.network
      }
    }
  }

  assert {
    condition     = length(aws_nat_gateway.main) == 1
    error_message = "A cluster without production shares one NAT gateway."
  }
  assert {
    condition     = aws_eks_cluster.main.vpc_config[0].endpoint_public_access == false && aws_efs_file_system.models.encrypted == true
    error_message = "Private endpoint and encryption do not depend on the tier."
  }
}

# The IRSA module as the cluster calls it: the trust pins :sub to exactly one service account.
run "irsa_trust" {
  command = plan

  module {
    source = "../modules/irsa-roles"
  }

  variables {
    name_prefix       = "flextime"
    subjects          = { external_secrets = "system:serviceaccount:external-secrets:external-secrets" }
    oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
    oidc_issuer_url   = "https://oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
  }

  assert {
    condition     = jsonencode([for c in data.aws_iam_policy_document.trust["external_secrets"].statement[0].condition : c.values if c.test == "StringEquals" && c.variable == "oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF:sub"]) == jsonencode([["system:serviceaccount:external-secrets:external-secrets"]])
    error_message = "The trust must pin :sub with StringEquals to exactly the one service account."
  }
  assert {
    condition     = aws_iam_role.this["external_secrets"].name == "flextime-external-secrets"
    error_message = "One role per subject, named after its key."
  }
}
