# The VPC endpoints of a cluster: AWS APIs without the internet. Gateway endpoints (S3) go on
# route tables; interface endpoints (STS, ECR, Secrets Manager, CloudWatch Logs, …) get one ENI
# per endpoint subnet, private DNS (the public service name resolves to those ENIs inside the
# VPC, so SDKs need no endpoint setting) and a security group open on 443 to the VPC only.
# NetworkPolicies name the endpoint subnets (`'endpoint-subnets'` in config) and the S3 prefix list.

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

variable "name" {
  description = "Name prefix of the security group and the endpoints' Name tags."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the endpoints."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's range: the only clients of the interface endpoints."
  type        = string
}

variable "region" {
  description = "Region of the service names (com.amazonaws.<region>.<service>)."
  type        = string
}

variable "gateway_services" {
  description = "Services with a gateway endpoint (s3, dynamodb)."
  type        = list(string)
}

variable "interface_services" {
  description = "Services with an interface endpoint (sts, ecr.api, …)."
  type        = list(string)
}

variable "subnet_ids" {
  description = "Subnets that hold the interface endpoints' ENIs, one per zone."
  type        = list(string)
}

variable "route_table_ids" {
  description = "Route tables that get a route to each gateway endpoint."
  type        = list(string)
}

resource "aws_security_group" "this" {
  name        = "${var.name}-vpc-endpoints"
  description = "Interface VPC endpoints: HTTPS from the VPC only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS from the VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr
}

resource "aws_vpc_endpoint" "gateway" {
  for_each          = toset(var.gateway_services)
  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.${var.region}.${each.value}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.route_table_ids
  tags              = { Name = "${var.name}-${each.value}" }
}

resource "aws_vpc_endpoint" "interface" {
  for_each            = toset(var.interface_services)
  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.${var.region}.${each.value}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.this.id]
  tags                = { Name = "${var.name}-${each.value}" }
}

output "security_group_id" {
  description = "Security group of the interface endpoints (443 from the VPC CIDR only)."
  value       = aws_security_group.this.id
}
