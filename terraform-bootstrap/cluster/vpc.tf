# The VPC config plans (clusters[].network in config, via generated.auto.tfvars.json): its range, and
# per zone a public subnet (load balancers, NAT gateways), a private subnet (nodes and pods) and an
# endpoint subnet (interface endpoint ENIs). The same plan renders the NetworkPolicies' ranges, so
# no literal or cidrsubnet() here: a subnet Terraform builds is a subnet the policies know.
# Each environment's data subnets (RDS, ElastiCache) are built by its own state (../environment).
locals {
  network = var.clusters[var.cluster].network
  zones   = local.network.zones
}

resource "aws_vpc" "main" {
  cidr_block           = local.network.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true # private DNS of the interface endpoints needs both
  tags                 = { Name = local.name }

  lifecycle {
    precondition {
      condition     = alltrue([for z in local.zones : contains(data.aws_availability_zones.available.names, z.name)])
      error_message = "clusters[].network.zones in config name an availability zone that is not available in var.region."
    }
  }
}

# Adopt the default security group and leave it without rules: nothing may use it by accident.
resource "aws_default_security_group" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "public" {
  count                   = length(local.zones)
  vpc_id                  = aws_vpc.main.id
  availability_zone       = local.zones[count.index].name
  cidr_block              = local.zones[count.index].public
  map_public_ip_on_launch = false
  tags = {
    Name                     = "${local.name}-public-${local.zones[count.index].name}"
    "kubernetes.io/role/elb" = "1"
  }
}

resource "aws_subnet" "private" {
  count             = length(local.zones)
  vpc_id            = aws_vpc.main.id
  availability_zone = local.zones[count.index].name
  cidr_block        = local.zones[count.index].private
  tags = {
    Name                              = "${local.name}-private-${local.zones[count.index].name}"
    "kubernetes.io/role/internal-elb" = "1"
  }
}

# Only the interface endpoints' network interfaces live here, so a NetworkPolicy that lets a job
# reach STS on 443 does not also let it reach every pod on 443 (pods get private-subnet addresses).
resource "aws_subnet" "endpoints" {
  count             = length(local.zones)
  vpc_id            = aws_vpc.main.id
  availability_zone = local.zones[count.index].name
  cidr_block        = local.zones[count.index].endpoints
  tags              = { Name = "${local.name}-endpoints-${local.zones[count.index].name}" }
}

# Endpoint ENIs only answer: no route leaves the VPC (an explicit table, not the VPC's main one).
resource "aws_route_table" "endpoints" {
  vpc_id = aws_vpc.main.id
  tags   = { Name = "${local.name}-endpoints" }
}

resource "aws_route_table_association" "endpoints" {
  count          = length(local.zones)
  subnet_id      = aws_subnet.endpoints[count.index].id
  route_table_id = aws_route_table.endpoints.id
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = { Name = local.name }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  tags   = { Name = "${local.name}-public" }

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table_association" "public" {
  count          = length(local.zones)
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_eip" "nat" {
  count  = local.tier.nat_gateways
  domain = "vpc"
  tags   = { Name = "${local.name}-nat-${local.zones[count.index].name}" }
}

resource "aws_nat_gateway" "main" {
  count         = local.tier.nat_gateways
  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id
  tags          = { Name = "${local.name}-${local.zones[count.index].name}" }
  depends_on    = [aws_internet_gateway.main]
}

# Each private subnet leaves through the NAT gateway of its own AZ when there is one per AZ,
# otherwise through the shared one.
resource "aws_route_table" "private" {
  count  = length(local.zones)
  vpc_id = aws_vpc.main.id
  tags   = { Name = "${local.name}-private-${local.zones[count.index].name}" }

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.main[count.index % local.tier.nat_gateways].id
  }
}

resource "aws_route_table_association" "private" {
  count          = length(local.zones)
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

# Flow logs: every accepted and rejected connection, for incident response.
resource "aws_cloudwatch_log_group" "flow_logs" {
  name              = "/aws/vpc/${local.name}/flow-logs"
  retention_in_days = local.tier.log_retention_days
  kms_key_id        = module.kms.arn
}

resource "aws_flow_log" "main" {
  vpc_id               = aws_vpc.main.id
  traffic_type         = "ALL"
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn         = aws_iam_role.flow_logs.arn
}

resource "aws_iam_role" "flow_logs" {
  name               = "${local.name}-flow-logs"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_trust.json
}

data "aws_iam_policy_document" "flow_logs_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.aws_account_id]
    }
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name = "write-flow-logs"
  role = aws_iam_role.flow_logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
      Resource = "${aws_cloudwatch_log_group.flow_logs.arn}:*"
    }]
  })
}
