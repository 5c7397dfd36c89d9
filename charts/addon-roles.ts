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

export const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** Which cluster output holds the role; both charts take `serviceAccount.annotations`. */
const ADDON_ROLES: Partial<Record<AddonName, keyof ClusterTerraformOutputs & `${string}_role_arn`>> = {
  'external-secrets': 'external_secrets_role_arn',
  'cert-manager': 'cert_manager_role_arn',
};

/** The add-on's values on `cluster`: config's values plus, for ADDON_ROLES, the cluster's role on its ServiceAccount. */
export function addonValuesOn(platform: Platform, addon: Addon, cluster: string): object {
  const output = ADDON_ROLES[addon.name];
  if (!output) return addon.values;
  const outputs = platform.aws.outputs.clusters[cluster];
  if (!outputs) throw new Error(`add-on '${addon.name}' on cluster '${cluster}' needs aws.outputs.clusters.${cluster}.${output} (terraform-bootstrap/cluster)`);
  const values = addon.values as { serviceAccount?: { annotations?: Record<string, string> } };
  return {
    ...values,
    serviceAccount: { ...values.serviceAccount, annotations: { ...values.serviceAccount?.annotations, [ROLE_ARN_ANNOTATION]: outputs[output] } },
  };
}
