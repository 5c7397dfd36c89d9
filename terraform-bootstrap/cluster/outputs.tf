# Non-secret values config/ needs, copied into config/terraform-outputs.json (`clusters.<cluster>`)
# after an apply: node scripts/terraform-outputs.mjs cluster <cluster> (../README.md).

output "account_id" {
  description = "AWS account the cluster runs in (config checks every role ARN against it)."
  value       = data.aws_caller_identity.current.account_id
}

output "region" {
  description = "AWS region of the cluster."
  value       = var.region
}

output "cluster_name" {
  description = "EKS cluster name."
  value       = aws_eks_cluster.main.name
}

output "cluster_endpoint" {
  description = "EKS API endpoint URL (private unless public_api_cidrs lists networks)."
  value       = aws_eks_cluster.main.endpoint
}

output "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster, the issuer IRSA roles trust."
  value       = aws_iam_openid_connect_provider.eks.arn
}

output "efs_file_system_id" {
  description = "EFS file system of the shared model data (the EFS StorageClass)."
  value       = aws_efs_file_system.models.id
}

output "external_secrets_role_arn" {
  description = "IRSA role of External Secrets (one per cluster; every ClusterSecretStore authenticates as it)."
  value       = module.irsa.arns["external_secrets"]
}

output "cert_manager_role_arn" {
  description = "IRSA role of cert-manager (DNS-01 TXT records in the cluster's zones)."
  value       = module.irsa.arns["cert_manager"]
}

output "cluster_autoscaler_role_arn" {
  description = "IRSA role of the cluster autoscaler (its own node groups only)."
  value       = module.irsa.arns["cluster_autoscaler"]
}

output "aws_load_balancer_controller_role_arn" {
  description = "IRSA role of the AWS Load Balancer Controller."
  value       = module.irsa.arns["aws_load_balancer_controller"]
}

output "vpc_id" {
  description = "VPC of the cluster (the AWS Load Balancer Controller manages load balancers in it)."
  value       = aws_vpc.main.id
}

output "log_collector_role_arn" {
  description = "IRSA role of the log collector (writes to this cluster's container log groups only; logs.tf)."
  value       = module.irsa.arns["log_collector"]
}

output "grafana_logs_role_arn" {
  description = "IRSA role of Grafana's CloudWatch data source (reads and queries the container log groups only; logs.tf)."
  value       = module.irsa.arns["grafana_logs"]
}
