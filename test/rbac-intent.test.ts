/**
 * Every RoleBinding and ClusterRoleBinding in the rendered output grants exactly what its
 * `description` annotation promises (issue 19 class 5). The promise is written here by hand, per
 * binding: the annotation text (a literal) and what that text means as a predicate over
 * (namespace, API group, resource, verb). The rendered bindings are then evaluated (test/rbac-model.ts)
 * over a grid of namespaces, resources and verbs that includes kube-system, argocd and an add-on
 * namespace: a grant the annotation does not state fails, and so does a stated one that is missing.
 * A binding without a row fails too.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { objects, renderPlatform } from './helpers.ts';
import { grants, isBinding, type Binding } from './rbac-model.ts';

type Probe = { ns: string; group: string; resource: string; verb: string };
type Intent = { annotation: string | RegExp; allows: (p: Probe) => boolean };

const ENV_NS = ['flextime-development', 'flextime-staging', 'flextime-production'];
const NAMESPACES = [...ENV_NS, 'kube-system', 'argocd', 'observability', ''];
const RESOURCES: Array<[string, string]> = [
  ['', 'secrets'], ['', 'pods'], ['', 'pods/exec'], ['', 'pods/log'], ['', 'configmaps'],
  ['apps', 'deployments'], ['apps', 'statefulsets'], ['argoproj.io', 'rollouts'], ['argoproj.io', 'analysisruns'],
  ['chaos-mesh.org', 'schedules'], ['rbac.authorization.k8s.io', 'rolebindings'],
  ['', 'nodes'], ['', 'namespaces'], ['rbac.authorization.k8s.io', 'clusterrolebindings'],
];
const VERBS = ['get', 'list', 'create', 'patch', 'delete'];
const CLUSTER_SCOPED = new Set(['nodes', 'namespaces', 'clusterrolebindings']);

const read = (p: Probe) => p.verb === 'get' || p.verb === 'list';
const namespaced = (p: Probe) => p.ns !== '' && !CLUSTER_SCOPED.has(p.resource.split('/')[0]!);
/** "read-only, never Secrets" (exec is a create, so no read grants it). */
const view = (ns: string) => (p: Probe) => p.ns === ns && namespaced(p) && read(p) && p.resource !== 'secrets' && p.resource !== 'pods/exec';
const restart = (ns: string) => (p: Probe) => view(ns)(p) || (p.ns === ns && p.verb === 'patch' && ['deployments', 'statefulsets', 'rollouts'].includes(p.resource));
const everything = (ns: string) => (p: Probe) => p.ns === ns && namespaced(p);

/** `<namespace or cluster>/<binding>` → what its annotation says. */
const INTENT: Record<string, Intent> = {
  'cluster/sso-break-glass': { annotation: /^BREAK-GLASS: the only cluster-admin binding/, allows: () => true },
  'cluster/sso-platform-admins-view': {
    annotation: 'platform-admins: read every namespace, never Secrets; writes only per environment (dist/<env>/rbac) and through git.',
    allows: (p) => namespaced(p) && read(p) && p.resource !== 'secrets' && p.resource !== 'pods/exec',
  },
  'cluster/sso-platform-admins-cluster-read': {
    annotation: 'platform-admins: read cluster-scoped objects.',
    allows: (p) => p.ns === '' && read(p),
  },
  'flextime-development/sso-developers': { annotation: 'developers: edit in development (environments[].access.developers)', allows: (p) => everything('flextime-development')(p) && p.resource !== 'rolebindings' },
  'flextime-staging/sso-developers': { annotation: 'developers: flextime-view in staging (environments[].access.developers)', allows: view('flextime-staging') },
  'flextime-production/sso-developers': { annotation: 'developers: flextime-view in production (environments[].access.developers)', allows: view('flextime-production') },
  'flextime-development/sso-platform-admins': { annotation: 'platform-admins: admin in development, Secrets included (environments[].access.platformAdmins)', allows: everything('flextime-development') },
  'flextime-staging/sso-platform-admins': { annotation: 'platform-admins: admin in staging, Secrets included (environments[].access.platformAdmins)', allows: everything('flextime-staging') },
  'flextime-production/sso-platform-admins': {
    annotation: 'platform-admins: read and restart in production, never Secrets or exec; changes go through git (environments[].access.platformAdmins)',
    allows: restart('flextime-production'),
  },
  'flextime-production/sso-on-call': {
    annotation: 'on-call: read, logs and restart of Deployments, StatefulSets and Rollouts in production, never Secrets or exec (environments[].access.onCall)',
    allows: restart('flextime-production'),
  },
  'flextime-production/sso-on-call-exec': {
    annotation: 'on-call-exec: kubectl exec in production only; group membership is granted per incident, expires and is audited (docs/network.md#exec-in-production)',
    allows: (p) => p.ns === 'flextime-production' && ((p.resource === 'pods' && p.verb === 'get') || (p.resource === 'pods/exec' && p.verb === 'create')),
  },
  ...Object.fromEntries(ENV_NS.map((ns) => [`${ns}/sso-viewers`, { annotation: 'viewers: read-only, never Secrets', allows: view(ns) }])),
};

/** Every difference between what each binding grants and what its annotation says. */
export function bindingsBeyondIntent(all: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const b of all.filter(isBinding) as Binding[]) {
    const key = `${b.metadata.namespace ?? 'cluster'}/${b.metadata.name}`;
    const intent = INTENT[key];
    if (!intent) { problems.push(`${key}: no stated intent in INTENT (what does it promise?)`); continue; }
    const annotation = b.metadata.annotations?.description ?? '';
    const same = typeof intent.annotation === 'string' ? annotation === intent.annotation : intent.annotation.test(annotation);
    if (!same) problems.push(`${key}: annotation '${annotation}' is not the stated intent`);
    for (const ns of NAMESPACES) for (const [group, resource] of RESOURCES) for (const verb of VERBS) {
      const p = { ns, group, resource, verb };
      if (CLUSTER_SCOPED.has(resource) !== (ns === '')) continue; // no such request
      const granted = grants(all, b, verb, group, resource, ns);
      if (granted !== intent.allows(p)) problems.push(`${key}: ${granted ? 'grants' : 'lacks'} ${verb} ${group ? `${group}/` : ''}${resource} in ${ns || 'cluster scope'}`);
    }
  }
  return problems;
}

const all = objects('', renderPlatform());

describe('RBAC: every binding grants exactly what its annotation says', () => {
  it('has a stated intent for every binding and no difference', () => {
    expect(all.filter(isBinding).length).toBe(Object.keys(INTENT).length);
    expect(bindingsBeyondIntent(all)).toEqual([]);
  });

  it('finds planted instances: admin bound cluster-wide, exec back in the on-call role, Rollouts gone from view', () => {
    const planted = structuredClone(all);
    const admins = planted.find((o) => o.metadata.name === 'sso-platform-admins-view') as Binding;
    admins.roleRef = { kind: 'ClusterRole', name: 'admin' };
    const onCall = planted.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'flextime-on-call') as KubeObject & { rules: unknown[] };
    onCall.rules.push({ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] });
    const viewRole = planted.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'flextime-view') as KubeObject & { rules: Array<{ apiGroups: string[] }> };
    viewRole.rules = viewRole.rules.filter((r) => !r.apiGroups.includes('argoproj.io'));
    const found = bindingsBeyondIntent(planted);
    expect(found).toEqual(expect.arrayContaining([
      'cluster/sso-platform-admins-view: grants get secrets in kube-system',
      'cluster/sso-platform-admins-view: grants create pods in argocd',
      'flextime-production/sso-on-call: grants create pods/exec in flextime-production',
      'flextime-production/sso-viewers: lacks get argoproj.io/rollouts in flextime-production',
    ]));
  });
});
