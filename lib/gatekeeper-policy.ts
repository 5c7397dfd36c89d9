/**
 * An OPA Gatekeeper policy: one ConstraintTemplate (Rego) and the Constraints that instantiate it.
 *
 * The template's kind becomes a cluster-scoped constraint kind in `constraints.gatekeeper.sh`;
 * each Constraint chooses what it matches and what happens to a violation (enforcementAction),
 * so the same Rego can deny in one set of namespaces and only warn in another.
 * @see https://open-policy-agent.github.io/gatekeeper/website/docs/howto
 * @see https://open-policy-agent.github.io/gatekeeper/website/docs/violations
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

export const TEMPLATE_API_VERSION = 'templates.gatekeeper.sh/v1';
export const CONSTRAINT_API_VERSION = 'constraints.gatekeeper.sh/v1beta1';
export const ADMISSION_TARGET = 'admission.k8s.gatekeeper.sh';

/** What Gatekeeper does with a violation. `scoped` (per enforcement point) is not used here. */
export type EnforcementAction = 'deny' | 'warn' | 'dryrun';

export interface KindMatch {
  /** API groups; `''` is the core group. */
  readonly apiGroups: readonly string[];
  readonly kinds: readonly string[];
}

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/**
 * Which objects a Constraint reviews.
 * Note: Gatekeeper applies `namespaceSelector` to namespaced objects only; cluster-scoped objects
 * (other than Namespaces) pass it, so narrow them with `labelSelector` and `scope`.
 */
export interface ConstraintMatch {
  readonly kinds: readonly KindMatch[];
  /**
   * @default '*' (namespaced and cluster-scoped objects)
   */
  readonly scope?: 'Namespaced' | 'Cluster' | '*';
  /** @default - any namespace */
  readonly namespaceSelector?: LabelSelector;
  /** @default - any labels */
  readonly labelSelector?: LabelSelector;
  /** @default - none excluded */
  readonly excludedNamespaces?: readonly string[];
}

export interface ConstraintProps {
  /** metadata.name of the Constraint (DNS-1123 subdomain). */
  readonly name: string;
  readonly enforcementAction: EnforcementAction;
  readonly match: ConstraintMatch;
  /**
   * Values for the template's parameters; every key must be declared in `parameters` of the policy.
   * @default - no parameters
   */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** An OpenAPI v3 schema (the subset a ConstraintTemplate accepts). */
export interface JsonSchema {
  readonly type?: 'object' | 'array' | 'string' | 'boolean' | 'integer' | 'number';
  readonly description?: string;
  readonly items?: JsonSchema;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
}

export interface GatekeeperPolicyProps {
  /**
   * Kind of the constraints (CamelCase). The template is named after it in lower case, as
   * Gatekeeper requires.
   */
  readonly kind: string;
  /** One sentence: what the policy forbids and why; the template's `description` annotation. */
  readonly description: string;
  /**
   * The Rego module. It must declare a package and define `violation contains {"msg": msg} if …`
   * (or the older `violation[{"msg": msg}] { … }`).
   * @see https://open-policy-agent.github.io/gatekeeper/website/docs/howto#constraint-templates
   */
  readonly rego: string;
  /**
   * Rego modules the policy imports; each must declare a package below `lib.`.
   * @default []
   */
  readonly libs?: readonly string[];
  /**
   * Schema of the constraint parameters, by parameter name.
   * @default {} (the constraints take no parameters)
   */
  readonly parameters?: Readonly<Record<string, JsonSchema>>;
  /** Compliance control ids the policy implements (at least one); written as an annotation. */
  readonly controls: readonly string[];
  /**
   * Annotation key that carries `controls` (comma-separated) on the template and its constraints.
   * @default 'policy.controls'
   */
  readonly controlsAnnotation?: string;
  /**
   * Labels of the template and constraints.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Extra annotations of the constraints only (e.g. for the GitOps tool: constraint kinds exist
   * only once Gatekeeper has processed the template).
   * @default {}
   */
  readonly constraintAnnotations?: Readonly<Record<string, string>>;
  /** The constraints; at least one, names unique. */
  readonly constraints: readonly ConstraintProps[];
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class GatekeeperPolicy extends Construct {
  /** metadata.name of the ConstraintTemplate. */
  public readonly templateName: string;
  public readonly kind: string;
  public readonly controls: readonly string[];
  public readonly description: string;
  public readonly constraints: readonly ConstraintProps[];

  constructor(scope: Construct, id: string, props: GatekeeperPolicyProps) {
    super(scope, id);
    validate(props);
    this.kind = props.kind;
    this.templateName = props.kind.toLowerCase();
    this.controls = [...props.controls];
    this.description = props.description;
    this.constraints = props.constraints;

    const controlsAnnotation = props.controlsAnnotation ?? 'policy.controls';
    const labels = { ...props.labels };
    const annotations = { [controlsAnnotation]: props.controls.join(', ') };

    new ApiObject(this, 'Template', {
      apiVersion: TEMPLATE_API_VERSION,
      kind: 'ConstraintTemplate',
      metadata: { name: this.templateName, labels, annotations: { description: props.description, ...annotations } },
      spec: {
        crd: {
          spec: {
            names: { kind: props.kind },
            validation: {
              openAPIV3Schema: { type: 'object', properties: { ...props.parameters } },
            },
          },
        },
        targets: [{
          target: ADMISSION_TARGET,
          rego: props.rego,
          ...(props.libs?.length ? { libs: [...props.libs] } : {}),
        }],
      },
    });

    for (const constraint of props.constraints) {
      const match = constraint.match;
      new ApiObject(this, `Constraint-${constraint.name}`, {
        apiVersion: CONSTRAINT_API_VERSION,
        kind: props.kind,
        metadata: { name: constraint.name, labels, annotations: { ...annotations, ...props.constraintAnnotations } },
        spec: {
          enforcementAction: constraint.enforcementAction,
          match: {
            kinds: match.kinds.map((k) => ({ apiGroups: [...k.apiGroups], kinds: [...k.kinds] })),
            scope: match.scope ?? '*',
            ...(match.excludedNamespaces?.length ? { excludedNamespaces: [...match.excludedNamespaces] } : {}),
            ...(match.namespaceSelector ? { namespaceSelector: match.namespaceSelector } : {}),
            ...(match.labelSelector ? { labelSelector: match.labelSelector } : {}),
          },
          ...(constraint.parameters ? { parameters: constraint.parameters } : {}),
        },
      });
    }
  }
}

function validate(props: GatekeeperPolicyProps): void {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(props.kind)) {
    throw new Error(`'kind' (${props.kind}) must be CamelCase letters and digits, starting upper-case`);
  }
  if (props.controls.length === 0) {
    throw new Error(`'controls' of ${props.kind} must name at least one control id; every policy maps to a control`);
  }
  if (!/^\s*package\s+[A-Za-z_][\w.]*/m.test(props.rego)) throw new Error(`'rego' of ${props.kind} must declare a package`);
  if (!/^\s*violation(\s*\[|\s+contains\s)/m.test(props.rego)) {
    throw new Error(`'rego' of ${props.kind} must define violation[{"msg": msg}]`);
  }
  (props.libs ?? []).forEach((lib, i) => {
    if (!/^\s*package\s+lib\.[A-Za-z_][\w.]*/m.test(lib)) throw new Error(`'libs[${i}]' of ${props.kind} must declare a package below 'lib.'`);
  });
  if (props.constraints.length === 0) throw new Error(`'constraints' of ${props.kind} must hold at least one constraint`);
  const declared = new Set(Object.keys(props.parameters ?? {}));
  const seen = new Set<string>();
  for (const c of props.constraints) {
    if (!DNS_SUBDOMAIN.test(c.name)) throw new Error(`constraint name '${c.name}' of ${props.kind} must be a DNS-1123 subdomain`);
    if (seen.has(c.name)) throw new Error(`constraint name '${c.name}' of ${props.kind} is used twice`);
    seen.add(c.name);
    if (c.match.kinds.length === 0) throw new Error(`constraint '${c.name}': 'match.kinds' must name at least one kind`);
    for (const key of Object.keys(c.parameters ?? {})) {
      if (!declared.has(key)) {
        throw new Error(`constraint '${c.name}': parameter '${key}' is not declared in 'parameters' of ${props.kind} (declared: ${[...declared].join(', ') || 'none'})`);
      }
    }
  }
}
