/**
 * Kubernetes recommended labels. Selectors use only `name` + `instance`: both are fixed for the
 * life of a workload, so a selector never has to change (Deployment selectors are immutable).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */

export interface AppIdentity {
  /** `app.kubernetes.io/name`: what the thing is, e.g. the service name. */
  readonly name: string;
  /** `app.kubernetes.io/instance`: which copy of it, unique per namespace. */
  readonly instance: string;
  /** `app.kubernetes.io/component`: its role in the architecture. */
  readonly component: string;
  /** `app.kubernetes.io/part-of`: the application it belongs to. */
  readonly partOf: string;
  /**
   * `app.kubernetes.io/version`.
   * @default - no version label (objects that are not versioned releases)
   */
  readonly version?: string;
  /** Further labels every object of this identity carries (e.g. the environment). */
  readonly extraLabels?: Readonly<Record<string, string>>;
}

export const MANAGED_BY = 'cdk8s';

/** Labels stamped on every object of the identity. */
export function recommendedLabels(id: AppIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance,
    'app.kubernetes.io/component': id.component,
    'app.kubernetes.io/part-of': id.partOf,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    ...(id.version ? { 'app.kubernetes.io/version': id.version } : {}),
    ...id.extraLabels,
  };
}

/** The immutable subset used in selectors. */
export function selectorLabels(id: Pick<AppIdentity, 'name' | 'instance'>): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance,
  };
}
