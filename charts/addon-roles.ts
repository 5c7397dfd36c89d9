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
import { SynthError } from '../lib/synth/engine.ts';

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
  const sa = platform.aws.serviceAccounts.clusterAutoscaler;
  if (sa.namespace !== addon.namespace) {
    throw new SynthError([`addons[cluster-autoscaler].namespace = "${addon.namespace}": must be aws.serviceAccounts.clusterAutoscaler.namespace ("${sa.namespace}"), the only namespace its IAM role trusts`]);
  }
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
  const sa = platform.aws.serviceAccounts.awsLoadBalancerController;
  if (sa.namespace !== addon.namespace) {
    throw new SynthError([`addons[aws-load-balancer-controller].namespace = "${addon.namespace}": must be aws.serviceAccounts.awsLoadBalancerController.namespace ("${sa.namespace}"), the only namespace its IAM role trusts`]);
  }
  return {
    ...addon.values,
    clusterName: outputs.cluster_name,
    region: outputs.region,
    vpcId: outputs.vpc_id,
    serviceAccount: { create: true, name: sa.name, annotations: { [ROLE_ARN_ANNOTATION]: outputs.aws_load_balancer_controller_role_arn } },
  };
}

/** The one access to a cluster's Terraform outputs (config/terraform-outputs.json `clusters.<cluster>`) for add-on values. */
function clusterOutputs(platform: Platform, addon: Addon, cluster: string, needed: keyof ClusterTerraformOutputs): ClusterTerraformOutputs {
  const outputs = platform.aws.outputs.clusters[cluster];
  if (!outputs) throw new Error(`add-on '${addon.name}' on cluster '${cluster}' needs aws.outputs.clusters.${cluster}.${needed} (terraform-bootstrap/cluster)`);
  return outputs;
}
