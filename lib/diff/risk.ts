/**
 * Risk flags: changes a reviewer must look at before approving, each with the objects involved.
 *
 * Every flag is one small rule function `(diffs, context) => findings` (lib/diff/risk-*.ts). A
 * rule reads the before/after objects of an ObjectDiff (not the rendered text), so key order,
 * formatting and list order never raise a flag.
 */
import { groupOf } from '../synth/layout.ts';
import type { DiffObject, ObjectDiff } from './objects.ts';
import { networkRule } from './risk-network.ts';
import { rbacRule } from './risk-rbac.ts';
import { policyRule, securityRule } from './risk-security.ts';
import { finding, type RiskContext, type RiskFinding, type RiskId, type RiskRule } from './risk-types.ts';
import { capacityRule, imageRule, resourcesRule } from './risk-workloads.ts';

// ---------------------------------------------------------------------------------------------
// Objects deleted: ArgoCD prunes them from the cluster on sync.

export const pruneRule: RiskRule = (diffs) =>
  diffs.filter((d) => d.status === 'removed').map((d) => finding('prune', d, `deleted; ArgoCD prunes it (${d.path})`));

// ---------------------------------------------------------------------------------------------
// Anything in a protected environment (production).

export const protectedRule: RiskRule = (diffs, { before, after, options }) => {
  const groups = new Set(options.protectedGroups ?? []);
  // A namespace any protected-group object lives in is protected too (e.g. an Application in
  // argocd/ that deploys into it).
  const namespaces = new Set([
    ...(options.protectedNamespaces ?? []),
    ...[...before, ...after].filter((o) => groups.has(groupOf(o.path))).flatMap((o) => o.object.metadata?.namespace ?? []),
  ]);
  return diffs
    .filter((d) => {
      const destination = (o?: DiffObject) => (o?.spec as { destination?: { namespace?: string } } | undefined)?.destination?.namespace;
      return groups.has(d.group) || namespaces.has(d.namespace ?? '') ||
        [destination(d.old), destination(d.new)].some((ns) => ns !== undefined && namespaces.has(ns));
    })
    .map((d) => finding('protected', d, d.status === 'changed' ? `${d.changes.length} field(s) changed` : d.status));
};

// ---------------------------------------------------------------------------------------------

export interface RiskRuleInfo {
  readonly id: RiskId;
  readonly title: string;
  readonly check: RiskRule;
}

/** Every rule, in the order the report lists them. */
export const RISK_RULES: readonly RiskRuleInfo[] = [
  { id: 'prune', title: 'Objects deleted (pruned on sync)', check: pruneRule },
  { id: 'rbac-widened', title: 'RBAC widened', check: rbacRule },
  { id: 'network-widened', title: 'NetworkPolicy reachability widened', check: networkRule },
  { id: 'security-weakened', title: 'Security context weakened or exception added', check: securityRule },
  { id: 'policy-disabled', title: 'Admission/runtime policy disabled', check: policyRule },
  { id: 'capacity-lowered', title: 'Replicas, autoscaling floor or disruption budget lowered', check: capacityRule },
  { id: 'resources-changed', title: 'Requests/limits changed by more than the threshold (50 %)', check: resourcesRule },
  { id: 'image-changed', title: 'Image changed', check: imageRule },
  { id: 'protected', title: 'Changes in protected environments', check: protectedRule },
];

/** Every finding of every rule, in RISK_RULES order. */
export function assessRisks(diffs: readonly ObjectDiff[], context: RiskContext): RiskFinding[] {
  return RISK_RULES.flatMap((rule) => rule.check(diffs, context));
}
