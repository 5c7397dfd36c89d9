/**
 * A small model of Kubernetes RBAC for tests: what one rendered binding grants, evaluated from the
 * rendered Roles/ClusterRoles plus the built-in ClusterRoles we bind (admin, edit, view,
 * cluster-admin), as far as these tests probe them.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles
 */
import type { KubeObject } from '../lib/synth/object-json.ts';

export interface Rule { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }
export interface Subject { kind: string; name: string; namespace?: string }
export interface Binding extends KubeObject { subjects?: Subject[]; roleRef: { kind: string; name: string } }

/** Cluster-scoped resources among those the tests probe (admin, edit and view grant none of them). */
const CLUSTER_SCOPED = new Set(['nodes', 'namespaces', 'persistentvolumes', 'clusterroles', 'clusterrolebindings', 'priorityclasses', 'storageclasses', 'customresourcedefinitions']);

/** admin and edit grant every namespaced resource including Secrets and exec (edit minus RBAC); view reads without Secrets. */
export function builtin(name: string, verb: string, resource: string): boolean | undefined {
  const read = ['get', 'list', 'watch'].includes(verb);
  if (name === 'cluster-admin') return true;
  if (CLUSTER_SCOPED.has(resource) && ['admin', 'edit', 'view'].includes(name)) return false;
  switch (name) {
    case 'admin':
      return true;
    case 'edit':
      return !resource.startsWith('roles') && !resource.startsWith('rolebindings');
    case 'view':
      return read && resource !== 'secrets' && !resource.startsWith('pods/exec');
    default:
      return undefined;
  }
}

export const isBinding = (o: KubeObject): o is Binding => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding';

export function roleRules(all: readonly KubeObject[], kind: string, name: string, namespace?: string): Rule[] | undefined {
  const role = all.find((o) => o.kind === kind && o.metadata.name === name && (kind === 'ClusterRole' || o.metadata.namespace === namespace));
  return role ? ((role as { rules?: Rule[] }).rules ?? []) : undefined;
}

/** Does binding `b` grant `verb` on `apiGroup`/`resource` in `namespace` ('' = cluster scope)? */
export function grants(all: readonly KubeObject[], b: Binding, verb: string, apiGroup: string, resource: string, namespace: string): boolean {
  if (b.kind === 'RoleBinding' && b.metadata.namespace !== namespace) return false;
  // A RoleBinding never grants cluster-scoped resources; a ClusterRoleBinding grants them at '' only.
  if (CLUSTER_SCOPED.has(resource) !== (namespace === '')) return false;
  const rules = roleRules(all, b.roleRef.kind, b.roleRef.name, b.metadata.namespace);
  if (!rules) {
    const known = builtin(b.roleRef.name, verb, resource);
    if (known === undefined) throw new Error(`${b.kind} ${b.metadata.name} binds unknown role ${b.roleRef.name}`);
    return known;
  }
  return rules.some((r) => r.apiGroups.includes(apiGroup) && r.resources.includes(resource) && r.verbs.includes(verb));
}
