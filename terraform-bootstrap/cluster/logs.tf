# Container logs (issue 23; docs/observability.md "Logs"). The log collector DaemonSet
# (dist/cluster/logging) ships every pod's stdout/stderr to one group per environment this cluster
# hosts plus one for the platform's own pods; retention per group comes from config
# (observability.logs.groups, via generated.auto.tfvars.json). Groups marked `archive` are copied
# to S3 as they arrive (logs-archive.tf).
locals {
  # The groups of the environments on this cluster, and the platform's.
  container_log_groups = {
    for key, group in var.container_logs.groups : key => group
    if key == "platform" || contains(keys(local.hosted), key)
  }
  archived_log_groups = { for key, group in local.container_log_groups : key => group if group.archive }
}

resource "aws_cloudwatch_log_group" "containers" {
  for_each          = local.container_log_groups
  name              = each.value.name
  retention_in_days = each.value.retention_days
  kms_key_id        = module.kms.arn
}

# The collector writes events into streams (one per node) of these groups and nothing else. It
# cannot create groups: a name config and Terraform disagree on fails loudly (the shipping alert)
# instead of creating a group without retention, encryption or archive.
data "aws_iam_policy_document" "log_collector" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [for group in aws_cloudwatch_log_group.containers : "${group.arn}:*"]
  }
}

# Grafana's CloudWatch data source (kube-prometheus-stack, config/addons-monitoring.ts): reads and
# runs Logs Insights queries on the container groups only. Who may use it is Grafana's SSO login
# (roles by SSO group, config/observability.ts); the query API calls below take no resource.
data "aws_iam_policy_document" "grafana_logs" {
  statement {
    actions = [
      "logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents",
      "logs:StartQuery", "logs:GetLogGroupFields",
    ]
    resources = [for group in aws_cloudwatch_log_group.containers : "${group.arn}:*"]
  }
  statement {
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:aws:logs:${var.region}:${var.aws_account_id}:log-group:*"]
  }
  statement {
    actions   = ["logs:GetQueryResults", "logs:StopQuery", "logs:DescribeQueries"]
    resources = ["*"]
  }
}
