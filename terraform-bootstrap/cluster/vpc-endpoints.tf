# VPC endpoints (../modules/vpc-endpoints), services from config (clusters[].network.endpoints):
# pods reach STS (IRSA), ECR, Secrets Manager and CloudWatch Logs through ENIs in the endpoint
# subnets, and S3 through the gateway on the private route tables, without NAT. The
# NetworkPolicies allow exactly those subnets and the S3 prefix list (docs/network.md).
module "vpc_endpoints" {
  source = "../modules/vpc-endpoints"

  name               = local.name
  vpc_id             = aws_vpc.main.id
  vpc_cidr           = local.network.vpc_cidr
  region             = var.region
  gateway_services   = local.network.gateway_endpoints
  interface_services = local.network.interface_endpoints
  subnet_ids         = aws_subnet.endpoints[*].id
  route_table_ids    = aws_route_table.private[*].id
}
