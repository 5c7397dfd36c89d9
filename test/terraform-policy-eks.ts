/**
 * Policy rules for what an EKS cluster needs to run this repository's manifests (part of
 * `rules` in test/terraform-policy.ts, same contract: one `<address>: <what is wrong>` message
 * per violation). A fresh cluster gets the add-ons it cannot work without as pinned EKS managed
 * add-ons; the ones that call AWS run with a role of their own; the VPC CNI enforces NetworkPolicies.
 */
import { blocks, evaluate, locals, type Block, type Hcl } from './terraform-hcl.ts';

type Rule = (stack: Hcl) => string[];

/** An EKS add-on build: "v1.19.2-eksbuild.5". */
const ADDON_BUILD = /^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$/;

/** Add-ons every cluster gets, and why. */
export const REQUIRED_EKS_ADDONS: Record<string, string> = {
  'vpc-cni': 'pod networking and NetworkPolicy enforcement',
  'kube-proxy': 'Service routing',
  coredns: 'cluster DNS',
  'aws-ebs-csi-driver': 'the provisioner of the StorageClasses in dist/cluster/storage',
};

/** Add-ons whose controller calls AWS APIs: each needs its own IRSA role, never the node role. */
export const EKS_ADDONS_WITH_ROLES = ['vpc-cni', 'aws-ebs-csi-driver', 'aws-efs-csi-driver'];

/**
 * The version an add-on block pins, per Kubernetes minor of `locals.eks_addon_versions`
 * (`addon_version = local.eks_addons["<name>"]`, where eks_addons is the row of var.eks_version),
 * or once with the plain locals when the module has no such table.
 */
function pinnedVersions(stack: Hcl, body: Block): Record<string, unknown> {
  const all = locals(stack);
  const table = all.eks_addon_versions as Record<string, Record<string, string>> | undefined;
  if (!table || typeof table !== 'object') return { '': evaluate(body.addon_version, { local: all }) };
  return Object.fromEntries(Object.entries(table).map(([minor, row]) => [minor, evaluate(body.addon_version, { local: { ...all, eks_addons: row } })]));
}

export const eksRules: Record<string, Rule> = {
  eksAddons(stack) {
    const out: string[] = [];
    const addons = blocks(stack, 'resource', 'aws_eks_addon');
    for (const [address, body] of addons) {
      if (body.addon_version === undefined) {
        out.push(`${address}: addon_version must be pinned (without it EKS installs its current default build)`);
        continue;
      }
      for (const [minor, version] of Object.entries(pinnedVersions(stack, body))) {
        if (typeof version !== 'string' || !ADDON_BUILD.test(version)) {
          out.push(`${address}: addon_version must be an exact add-on build such as "v1.19.2-eksbuild.5"${minor ? ` for Kubernetes ${minor}` : ''}, not ${JSON.stringify(version)}`);
        }
      }
      if (EKS_ADDONS_WITH_ROLES.includes(body.addon_name) && !/^\$\{module\.irsa\.arns\["[a-z_]+"\]\}$/.test(String(body.service_account_role_arn))) {
        out.push(`${address}: ${body.addon_name} calls AWS and needs its own IRSA role (service_account_role_arn = module.irsa.arns["<key>"])`);
      }
    }
    const installed = new Set(addons.map(([, body]) => body.addon_name));
    for (const [address] of blocks(stack, 'resource', 'aws_eks_cluster')) {
      for (const [name, why] of Object.entries(REQUIRED_EKS_ADDONS)) {
        if (!installed.has(name)) out.push(`${address}: needs the EKS add-on ${name} (${why})`);
      }
    }
    return out;
  },

  networkPolicyEnforced(stack) {
    const out: string[] = [];
    for (const [address, body] of blocks(stack, 'resource', 'aws_eks_addon').filter(([, b]) => b.addon_name === 'vpc-cni')) {
      const json = evaluate(body.configuration_values, { local: locals(stack) });
      let enabled: unknown;
      try {
        enabled = typeof json === 'string' ? (JSON.parse(json) as { enableNetworkPolicy?: unknown }).enableNetworkPolicy : undefined;
      } catch {
        enabled = undefined;
      }
      if (enabled !== 'true') {
        out.push(`${address}: configuration_values must set enableNetworkPolicy = "true" (else no NetworkPolicy is enforced), not ${JSON.stringify(enabled)}`);
      }
    }
    return out;
  },
};
