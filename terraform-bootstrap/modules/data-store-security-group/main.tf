# The security group of a data store (RDS, ElastiCache, EFS): one TCP port, open to one other
# security group (the EKS cluster's, shared by nodes and pods) and nothing else. There is no CIDR
# input on purpose.

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
  description = "Security group name."
  type        = string
}

variable "description" {
  description = "Security group description (changing it replaces the group)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the data store."
  type        = string
}

variable "port" {
  description = "The one TCP port clients connect to."
  type        = number
}

variable "client_security_group_id" {
  description = "The only security group allowed in."
  type        = string
}

variable "rule_description" {
  description = "Description of the ingress rule."
  type        = string
}

resource "aws_security_group" "this" {
  name        = var.name
  description = var.description
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  security_group_id            = aws_security_group.this.id
  description                  = var.rule_description
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = var.client_security_group_id
}

output "id" {
  description = "The security group to attach to the data store."
  value       = aws_security_group.this.id
}
