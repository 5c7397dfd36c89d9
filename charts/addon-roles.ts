/**
 * Add-ons whose controller calls AWS with a cluster-level IAM role (terraform-bootstrap/cluster,
 * IRSA): the role ARN of the cluster the add-on is installed on (config/terraform-outputs.json
 * `clusters.<cluster>`) goes onto the chart's ServiceAccount as `eks.amazonaws.com/role-arn`.
 * One Application per add-on and cluster, so each cluster's controller gets its own cluster's
 * role; the ClusterSecretStores (charts/secrets.ts) then authenticate as that ServiceAccount.
 */
import type { Platform } from '../config/index.ts';
import type { ClusterTerraformOutputs } from '../config/schema.ts';
import type { Addon, AddonName } from '../config/schema-addons.ts';
import { BuildError } from '../lib/values/build-error.ts';
import { LOG_GROUP_KEYS } from '../config/schema-logs.ts';
import { logGroupName } from './logging-config.ts';

export const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** Which cluster output holds the role; both charts take `serviceAccount.annotations`. */
const ADDON_ROLES: Partial<Record<AddonName, keyof ClusterTerraformOutputs & `${string}_role_arn`>> = {
  'external-secrets': 'external_secrets_role_arn',
  'cert-manager': 'cert_manager_role_arn',
};

/** The add-on's values on `cluster`: config's values plus, for ADDON_ROLES, the cluster's role on its ServiceAccount. */
export function addonValuesOn(platform: Platform, addon: Addon, cluster: string): object {
  if (addon.name === 'cluster-autoscaler') return clusterAutoscalerValuesOn(platform, addon, cluster);
  if (addon.name === 'aws-load-balancer-controller') return loadBalancerControllerValuesOn(platform, addon, cluster);
  if (addon.name === 'kube-prometheus-stack') return grafanaLogsValuesOn(platform, addon, cluster);
  const output = ADDON_ROLES[addon.name];
  if (!output) return addon.values;
  const outputs = clusterOutputs(platform, addon, cluster, output);
  const values = addon.values as { serviceAccount?: { annotations?: Record<string, string> } };
  return {
    ...values,
    serviceAccount: { ...values.serviceAccount, annotations: { ...values.serviceAccount?.annotations, [ROLE_ARN_ANNOTATION]: outputs[output] } },
  };
}

/**
 * cluster-autoscaler finds its cluster's node groups by the EKS name (ASG auto-discovery tags) in
 * the cluster's region, and scales them as the cluster's role; its ServiceAccount must be the one
 * that role trusts (aws.serviceAccounts.clusterAutoscaler), so the name is set, not generated.
 */
function clusterAutoscalerValuesOn(platform: Platform, addon: Extract<Addon, { name: 'cluster-autoscaler' }>, cluster: string): object {
  const outputs = clusterOutputs(platform, addon, cluster, 'cluster_autoscaler_role_arn');
  const sa = trustedServiceAccount(platform, addon, 'clusterAutoscaler');
  return {
    ...addon.values,
    awsRegion: outputs.region,
    autoDiscovery: { clusterName: outputs.cluster_name },
    rbac: { serviceAccount: { name: sa.name, annotations: { [ROLE_ARN_ANNOTATION]: outputs.cluster_autoscaler_role_arn } } },
  };
}

/**
 * The AWS Load Balancer Controller manages load balancers of its own cluster (tagged with the EKS
 * name) in the cluster's VPC and region. Region and VPC are set, not discovered: nodes answer
 * IMDS only to the host (hop limit 1, terraform-bootstrap/cluster/eks.tf). Its ServiceAccount
 * must be the one its role trusts (aws.serviceAccounts.awsLoadBalancerController).
 */
function loadBalancerControllerValuesOn(platform: Platform, addon: Extract<Addon, { name: 'aws-load-balancer-controller' }>, cluster: string): object {
  const outputs = clusterOutputs(platform, addon, cluster, 'aws_load_balancer_controller_role_arn');
  const sa = trustedServiceAccount(platform, addon, 'awsLoadBalancerController');
  return {
    ...addon.values,
    clusterName: outputs.cluster_name,
    region: outputs.region,
    vpcId: outputs.vpc_id,
    serviceAccount: { create: true, name: sa.name, annotations: { [ROLE_ARN_ANNOTATION]: outputs.aws_load_balancer_controller_role_arn } },
  };
}

/**
 * Grafana's CloudWatch data source for the container log groups (issue 23): Grafana's
 * ServiceAccount assumes the cluster's read-only logs role (IRSA, terraform-bootstrap/cluster/logs.tf);
 * who sees the data source is decided by Grafana's SSO login and roles. The ServiceAccount must be
 * the one the role trusts (aws.serviceAccounts.grafana).
 */
function grafanaLogsValuesOn(platform: Platform, addon: Extract<Addon, { name: 'kube-prometheus-stack' }>, cluster: string): object {
  const outputs = clusterOutputs(platform, addon, cluster, 'grafana_logs_role_arn');
  const sa = trustedServiceAccount(platform, addon, 'grafana');
  const values = addon.values as { grafana?: Record<string, unknown> };
  return {
    ...values,
    grafana: {
      ...values.grafana,
      serviceAccount: { create: true, name: sa.name, annotations: { [ROLE_ARN_ANNOTATION]: outputs.grafana_logs_role_arn } },
      additionalDataSources: [{
        name: 'CloudWatch Logs',
        uid: CLOUDWATCH_LOGS_DATASOURCE,
        type: 'cloudwatch',
        // The AWS SDK's default chain: the IRSA web identity token of the ServiceAccount above.
        jsonData: { authType: 'default', defaultRegion: outputs.region, logGroups: LOG_GROUP_KEYS.map((k) => ({ name: logGroupName(platform, k) })) },
        editable: false,
      }],
    },
  };
}

/** uid of the CloudWatch Logs data source (the Logs Insights panels name it). */
export const CLOUDWATCH_LOGS_DATASOURCE = 'cloudwatch-logs';

/**
 * `aws.serviceAccounts[key]`, the one ServiceAccount the add-on's IAM role trusts: the add-on must
 * be installed in its namespace (the name is then set in the values, not generated by the chart).
 */
function trustedServiceAccount(platform: Platform, addon: Addon, key: 'clusterAutoscaler' | 'awsLoadBalancerController' | 'grafana'): { namespace: string; name: string } {
  const sa = platform.aws.serviceAccounts[key];
  if (sa.namespace !== addon.namespace) {
    throw new BuildError([`addons[${addon.name}].namespace = "${addon.namespace}": must be aws.serviceAccounts.${key}.namespace ("${sa.namespace}"), the only namespace its IAM role trusts`]);
  }
  return sa;
}

/** The one access to a cluster's Terraform outputs (config/terraform-outputs.json `clusters.<cluster>`) for add-on values. */
function clusterOutputs(platform: Platform, addon: Addon, cluster: string, needed: keyof ClusterTerraformOutputs): ClusterTerraformOutputs {
  const outputs = platform.aws.outputs.clusters[cluster];
  if (!outputs) throw new Error(`add-on '${addon.name}' on cluster '${cluster}' needs aws.outputs.clusters.${cluster}.${needed} (terraform-bootstrap/cluster)`);
  return outputs;
}
