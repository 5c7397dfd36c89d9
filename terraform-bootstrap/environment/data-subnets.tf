# The environment's data subnets in its cluster's VPC (config clusters[].network.dataSubnets, via
# generated.auto.tfvars.json): RDS and ElastiCache live here and nowhere else. Their own subnets,
# not the cluster's private ones where every pod has an address, so this environment's
# NetworkPolicies can allow its data stores (`'data-subnets'`) and nothing else on those ports,
# and no other environment's policies allow them.
locals {
  data_subnets = var.environments[var.environment].data_subnets
}

resource "aws_subnet" "data" {
  count             = length(local.data_subnets)
  vpc_id            = local.vpc_id
  availability_zone = local.data_subnets[count.index].zone
  cidr_block        = local.data_subnets[count.index].cidr
  tags              = { Name = "${local.name}-data-${local.data_subnets[count.index].zone}" }

  lifecycle {
    precondition {
      condition     = length(local.data_subnets) >= 2
      error_message = "RDS and ElastiCache need data subnets in at least two zones (config clusters[].network.dataSubnets)."
    }
  }
}

# Data stores answer, they never call out: no route leaves the VPC.
resource "aws_route_table" "data" {
  vpc_id = local.vpc_id
  tags   = { Name = "${local.name}-data" }
}

resource "aws_route_table_association" "data" {
  count          = length(local.data_subnets)
  subnet_id      = aws_subnet.data[count.index].id
  route_table_id = aws_route_table.data.id
}
