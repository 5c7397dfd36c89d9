/**
 * A Sigstore policy-controller ClusterImagePolicy (policy.sigstore.dev/v1beta1): the images it
 * covers, who must have signed them, and whether a failure rejects the object or only warns.
 *
 * The webhook evaluates every policy whose `images` glob matches a container image and whose
 * `match` selects the object (kind and labels); an image must satisfy each of them. A policy with
 * `match` looks at those kinds only, so it lists every kind the webhook checks
 * (`POD_SPEC_RESOURCES`): a kind left out would fall to the webhook's no-match policy.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

export const CLUSTER_IMAGE_POLICY_API_VERSION = 'policy.sigstore.dev/v1beta1';

/** Keyless: a Fulcio certificate issued to one of these OIDC identities (regular expressions, RE2). */
export interface KeylessAuthority {
  readonly name: string;
  readonly keyless: { readonly identities: ReadonlyArray<{ readonly issuer: string; readonly subjectRegExp: string }> };
}
/** A fixed public key (PEM). */
export interface KeyAuthority {
  readonly name: string;
  readonly key: { readonly data: string };
}
export type ImageAuthority = KeylessAuthority | KeyAuthority;

export interface LabelRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn';
  readonly values: readonly string[];
}

export interface ResourceKind {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/**
 * The kinds policy-controller v0.13's webhook checks (cmd/webhook/main.go `types`): pods and the
 * workload kinds whose pod template it checks before any pod exists.
 */
export const POD_SPEC_RESOURCES: readonly ResourceKind[] = [
  { group: '', version: 'v1', resource: 'pods' },
  ...['replicasets', 'deployments', 'statefulsets', 'daemonsets'].map((resource) => ({ group: 'apps', version: 'v1', resource })),
  ...['jobs', 'cronjobs'].map((resource) => ({ group: 'batch', version: 'v1', resource })),
];

export interface ClusterImagePolicyProps {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** policy-controller globs: `*` within one path segment, `**` across segments. */
  readonly images: readonly string[];
  /** Any one authority satisfies the policy. */
  readonly authorities: readonly ImageAuthority[];
  /** `enforce`: a failure rejects the object; `warn`: it is admitted with a warning. */
  readonly mode: 'enforce' | 'warn';
  /**
   * Only objects whose labels meet these requirements (each kind of POD_SPEC_RESOURCES).
   * @default - every object of every kind
   */
  readonly selector?: readonly LabelRequirement[];
}

export class ClusterImagePolicy extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: ClusterImagePolicyProps) {
    super(scope, id);
    validate(props);
    const match = props.selector?.length
      ? POD_SPEC_RESOURCES.map((r) => ({ ...r, selector: { matchExpressions: props.selector!.map((req) => ({ ...req, values: [...req.values] })) } }))
      : undefined;
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: CLUSTER_IMAGE_POLICY_API_VERSION,
      kind: 'ClusterImagePolicy',
      metadata: { name: props.name, labels: { ...props.labels }, annotations: props.annotations ? { ...props.annotations } : undefined },
      spec: {
        images: props.images.map((glob) => ({ glob })),
        authorities: props.authorities.map((a) => ('key' in a
          ? { name: a.name, key: { data: a.key.data } }
          : { name: a.name, keyless: { identities: a.keyless.identities.map((i) => ({ issuer: i.issuer, subjectRegExp: i.subjectRegExp })) } })),
        mode: props.mode,
        ...(match ? { match } : {}),
      },
    });
  }
}

function validate(props: ClusterImagePolicyProps): void {
  const where = `ClusterImagePolicy '${props.name}'`;
  if (props.images.length === 0) throw new Error(`${where}: 'images' must name at least one glob`);
  if (props.authorities.length === 0) throw new Error(`${where}: 'authorities' must name at least one authority`);
  for (const a of props.authorities) {
    if ('keyless' in a) {
      if (a.keyless.identities.length === 0) throw new Error(`${where}: authority '${a.name}' must name at least one identity`);
      for (const id of a.keyless.identities) {
        // Unanchored, "service-release\.yml" would also match a workflow of any other repository.
        if (!id.subjectRegExp.startsWith('^') || !id.subjectRegExp.endsWith('$')) {
          throw new Error(`${where}: authority '${a.name}' subjectRegExp '${id.subjectRegExp}' must be anchored with ^…$`);
        }
      }
    }
  }
  for (const req of props.selector ?? []) {
    if (req.values.length === 0) throw new Error(`${where}: selector on '${req.key}' must list at least one value`);
  }
}
