/**
 * RBAC building blocks that refuse wildcards: every role lists its API groups, resources and
 * verbs, so a reviewer reads exactly what it grants; bindings name their subjects explicitly.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';

export interface RbacRule {
  /** "" is the core group. */
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  /**
   * Only these objects.
   * @default - every object of the resources
   */
  readonly resourceNames?: readonly string[];
}

/** Throws when a rule uses `*` anywhere: `'rules[1].verbs' of ClusterRole x contains '*'; …`. */
export function assertNoWildcards(rules: readonly RbacRule[], what: string): void {
  rules.forEach((rule, i) => {
    for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames'] as const) {
      const values = rule[field] ?? [];
      if (values.some((v) => v.includes('*'))) {
        throw new Error(`'rules[${i}].${field}' of ${what} contains '*' (${values.join(', ')}); list exactly what is needed`);
      }
      if (field !== 'resourceNames' && values.length === 0) throw new Error(`'rules[${i}].${field}' of ${what} must not be empty`);
    }
  });
}

const toRule = (r: RbacRule): k8s.PolicyRule => ({
  apiGroups: [...r.apiGroups],
  resources: [...r.resources],
  verbs: [...r.verbs],
  ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
});

export interface ExplicitRoleProps {
  readonly name: string;
  /**
   * Namespace of a Role.
   * @default - a ClusterRole (bind it with a RoleBinding to grant it in one namespace only)
   */
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly rules: readonly RbacRule[];
  /** Why the role exists; lands in the `description` annotation. */
  readonly description: string;
}

/** A Role or ClusterRole without wildcards. */
export class ExplicitRole extends Construct {
  public readonly kind: 'Role' | 'ClusterRole';
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ExplicitRoleProps) {
    super(scope, id);
    this.kind = props.namespace ? 'Role' : 'ClusterRole';
    this.name = props.name;
    assertNoWildcards(props.rules, `${this.kind} ${props.name}`);
    const metadata = {
      name: props.name,
      ...(props.namespace ? { namespace: props.namespace } : {}),
      labels: { ...props.labels },
      annotations: { description: props.description },
    };
    if (props.namespace) new k8s.KubeRole(this, 'Role', { metadata, rules: props.rules.map(toRule) });
    else new k8s.KubeClusterRole(this, 'Role', { metadata, rules: props.rules.map(toRule) });
  }
}

export interface GroupBindingProps {
  readonly name: string;
  /**
   * Namespace of a RoleBinding.
   * @default - a ClusterRoleBinding (every namespace, and cluster-scoped resources)
   */
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Role granted; a RoleBinding may grant a ClusterRole within its namespace. */
  readonly role: { readonly kind: 'Role' | 'ClusterRole'; readonly name: string };
  /** Group names as the API server sees them (prefix included). */
  readonly groups: readonly string[];
  /**
   * Why the binding exists; lands in the `description` annotation.
   * @default - no annotation
   */
  readonly description?: string;
}

/** A RoleBinding or ClusterRoleBinding of groups to a role. */
export class GroupBinding extends Construct {
  constructor(scope: Construct, id: string, props: GroupBindingProps) {
    super(scope, id);
    if (props.groups.length === 0) throw new Error(`'groups' of binding ${props.name} must name at least one group`);
    if (!props.namespace && props.role.kind === 'Role') throw new Error(`'role' (Role ${props.role.name}) needs a 'namespace': a ClusterRoleBinding can only grant a ClusterRole`);
    const metadata = {
      name: props.name,
      ...(props.namespace ? { namespace: props.namespace } : {}),
      labels: { ...props.labels },
      ...(props.description ? { annotations: { description: props.description } } : {}),
    };
    const subjects = props.groups.map((name) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name }));
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: props.role.kind, name: props.role.name };
    if (props.namespace) new k8s.KubeRoleBinding(this, 'Binding', { metadata, subjects, roleRef });
    else new k8s.KubeClusterRoleBinding(this, 'Binding', { metadata, subjects, roleRef });
  }
}
