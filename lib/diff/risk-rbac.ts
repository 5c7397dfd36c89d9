/** Risk flag: RBAC widened, a permission or subject that was not there before. */
import { finding, show, type RiskFinding, type RiskRule } from './risk-types.ts';
import { deepEqual } from './values.ts';

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** One permission: `apiGroup|resource|verb|resourceName` or `url|verb`. */
function permissions(rules: PolicyRule[] | undefined): string[] {
  const out: string[] = [];
  for (const r of rules ?? []) {
    for (const verb of r.verbs ?? []) {
      for (const url of r.nonResourceURLs ?? []) out.push(`url ${url} ${verb}`);
      for (const group of r.apiGroups ?? []) {
        for (const resource of r.resources ?? []) {
          for (const name of r.resourceNames?.length ? r.resourceNames : ['*']) {
            out.push(`${verb} ${group === '' ? 'core' : group}/${resource}${name === '*' ? '' : `/${name}`}`);
          }
        }
      }
    }
  }
  return out;
}

function covered(permission: string, rules: PolicyRule[] | undefined): boolean {
  const [head, ...rest] = permission.split(' ');
  const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v) || (list ?? []).includes('*');
  return (rules ?? []).some((r) => {
    if (head === 'url') return has(r.verbs, rest[1]!) && has(r.nonResourceURLs, rest[0]!);
    const verb = head!;
    const [group, resource, name] = rest[0]!.split('/') as [string, string, string | undefined];
    const names = r.resourceNames ?? [];
    return has(r.verbs, verb) && has(r.apiGroups, group === 'core' ? '' : group) && has(r.resources, resource) &&
      (names.length === 0 || (name !== undefined && names.includes(name)));
  });
}

/** `get core/pods, list core/pods, get core/nodes` → `get,list core/pods; get core/nodes`, grouped by verb set. */
export function compactPermissions(permissions: readonly string[]): string {
  const verbsOf = new Map<string, string[]>();
  for (const p of permissions) {
    const [verb, ...target] = p.startsWith('url ') ? [p.split(' ')[2]!, 'url', p.split(' ')[1]!] : p.split(' ');
    const key = target.join(' ');
    verbsOf.set(key, [...(verbsOf.get(key) ?? []), verb!]);
  }
  const byVerbs = new Map<string, string[]>();
  for (const [target, verbs] of verbsOf) {
    const key = verbs.join(',');
    byVerbs.set(key, [...(byVerbs.get(key) ?? []), target]);
  }
  return [...byVerbs].map(([verbs, targets]) => `${verbs} ${targets.join(', ')}`).join('; ');
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

export const rbacRule: RiskRule = (diffs) => {
  const out: RiskFinding[] = [];
  for (const d of diffs) {
    if (d.status === 'removed') continue;
    if (d.kind === 'Role' || d.kind === 'ClusterRole') {
      const oldRules = d.old?.rules as PolicyRule[] | undefined;
      const gained = [...new Set(permissions(d.new!.rules as PolicyRule[] | undefined))].filter((p) => !covered(p, oldRules));
      if (gained.length) out.push(finding('rbac-widened', d, `grants ${compactPermissions(gained)}`));
      if (!deepEqual(d.old?.aggregationRule, d.new!.aggregationRule) && d.new!.aggregationRule) {
        out.push(finding('rbac-widened', d, `aggregationRule now ${show(d.new!.aggregationRule)}`));
      }
    }
    if (d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding') {
      const key = (s: Subject) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
      const before = new Set(((d.old?.subjects as Subject[] | undefined) ?? []).map(key));
      const gained = ((d.new!.subjects as Subject[] | undefined) ?? []).map(key).filter((s) => !before.has(s));
      const roleRef = (d.new!.roleRef as { kind: string; name: string } | undefined);
      if (gained.length) out.push(finding('rbac-widened', d, `binds ${roleRef?.kind} ${roleRef?.name} to ${gained.join(', ')}`));
      if (d.old && !deepEqual(d.old.roleRef, d.new!.roleRef)) {
        out.push(finding('rbac-widened', d, `roleRef ${show(d.old.roleRef)} → ${show(d.new!.roleRef)}`));
      }
    }
  }
  return out;
};
