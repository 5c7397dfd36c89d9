# Non-secret values config/ needs, copied into config/terraform-outputs.json (`clusters.<cluster>`)
# after an apply: node scripts/terraform-outputs.mjs cluster <cluster> (../README.md).

output "account_id" {
  value = data.aws_caller_identity.current.account_id
}

output "region" {
  value = var.region
}

output "cluster_name" {
  value = aws_eks_cluster.main.name
}

output "cluster_endpoint" {
  value = aws_eks_cluster.main.endpoint
}

output "oidc_provider_arn" {
  value = aws_iam_openid_connect_provider.eks.arn
}

output "efs_file_system_id" {
  value = aws_efs_file_system.models.id
}

output "external_secrets_role_arn" {
  value = module.irsa.arns["external_secrets"]
}

output "cert_manager_role_arn" {
  value = module.irsa.arns["cert_manager"]
}

output "cluster_autoscaler_role_arn" {
  value = module.irsa.arns["cluster_autoscaler"]
}

output "aws_load_balancer_controller_role_arn" {
  value = module.irsa.arns["aws_load_balancer_controller"]
}

output "vpc_id" {
  value = aws_vpc.main.id
}
