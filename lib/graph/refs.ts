/**
 * The vocabulary of the dependency graph: what one synced unit (an ArgoCD Application's content)
 * provides and what it needs, as references to Kubernetes API kinds and named objects.
 *
 * A need names a resource (kind, namespace, name), never the component expected to provide it:
 * who provides it is found by the graph (lib/graph/graph.ts), so moving an object between
 * components re-orders the sync instead of silently breaking it.
 */

/** An API kind being served (its CRD and controller), or one named object. */
export interface Ref {
  /** API group, '' for the core group. */
  readonly group: string;
  readonly kind: string;
  /**
   * Namespace of a namespaced object.
   * @default - cluster-scoped, or the kind itself
   */
  readonly namespace?: string;
  /**
   * Name of the object; see DEFAULT_NAME for "the default one of its kind".
   * @default - the kind itself (needs its CRD and controller, not an object)
   */
  readonly name?: string;
}

/** Name used for "the cluster's default object of this kind" (default StorageClass, IngressClass). */
export const DEFAULT_NAME = '(default)';

/** A reference made by one field of one object. */
export interface Need {
  readonly ref: Ref;
  /** Object and field that refer, e.g. `deployment-api-svc.spec.template.spec.serviceAccountName`. */
  readonly field: string;
}

/** The API kind `group/kind`. */
export function kindRef(group: string, kind: string): Ref {
  return { group, kind };
}

/** A named object; `namespace` only for namespaced kinds. */
export function objectRef(group: string, kind: string, name: string, namespace?: string): Ref {
  return namespace === undefined ? { group, kind, name } : { group, kind, namespace, name };
}

/** Stable identity of a ref, for maps. */
export function refKey(ref: Ref): string {
  return ref.name === undefined ? `${ref.group}/${ref.kind}` : `${ref.group}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** How a message names a ref: `Secret flextime-staging/api-svc-secrets`, `kind monitoring.coreos.com/ServiceMonitor`. */
export function describeRef(ref: Ref): string {
  if (ref.name === undefined) return `kind ${ref.group ? `${ref.group}/` : ''}${ref.kind}`;
  const name = ref.name === DEFAULT_NAME ? 'the default' : ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
  return ref.name === DEFAULT_NAME ? `${name} ${ref.kind}` : `${ref.kind} ${name}`;
}

/** `apps/v1` → `apps`; `v1` → ''. */
export function groupOfApiVersion(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}
