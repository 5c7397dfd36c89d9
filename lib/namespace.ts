/**
 * A namespace that starts guarded: Pod Security Admission labels, a ResourceQuota and a
 * LimitRange are created with it, so no workload can land in a namespace without them.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';

/** Pod Security Standards level. @see https://kubernetes.io/docs/concepts/security/pod-security-standards/ */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export interface CpuMemory {
  readonly cpu: string;
  readonly memory: string;
}

export interface GuardedNamespaceProps {
  /** Namespace name; also the name of its ResourceQuota and LimitRange. */
  readonly name: string;
  /** Labels for all three objects (PSA labels are added on the Namespace). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Annotations of the Namespace (e.g. an opt-in read by a controller).
   * @default {}
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * Labels of the Namespace only, such as an admission webhook's opt-in selector.
   * @default {}
   */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /**
   * Level enforced, audited and warned by Pod Security Admission.
   * @default 'restricted'
   */
  readonly podSecurityLevel?: PodSecurityLevel;
  /**
   * Pinned policy version, so a cluster upgrade cannot silently change what is enforced.
   * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces
   */
  readonly podSecurityVersion: string;
  /** Hard limits of the ResourceQuota. */
  readonly quota: {
    readonly requests: CpuMemory;
    readonly limits: CpuMemory;
    readonly pods: number;
    readonly services: number;
    readonly persistentVolumeClaims: number;
    readonly loadBalancers: number;
    readonly nodePorts: number;
  };
  /** Per-container defaults (for containers that set none) and ceiling of the LimitRange. */
  readonly containerLimits: {
    readonly defaultRequest: CpuMemoryDisk;
    readonly default: CpuMemoryDisk;
    readonly max: CpuMemoryDisk;
  };
}

/** Pod Security Admission labels that enforce, audit and warn at `level`, pinned to `version`. */
export function podSecurityLabels(level: PodSecurityLevel, version: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return labels;
}

/** Container requests/limits with local disk (`ephemeral-storage`). */
export interface CpuMemoryDisk extends CpuMemory {
  readonly ephemeralStorage: string;
}

/**
 * A LimitRange that only defaults `ephemeral-storage` for containers that set none: for add-on
 * namespaces, whose charts set CPU and memory but rarely disk.
 */
export function ephemeralStorageDefaults(scope: Construct, id: string, props: { namespace: string; labels: Readonly<Record<string, string>>; defaultRequest: string; default: string }): void {
  new k8s.KubeLimitRange(scope, id, {
    metadata: { name: `ephemeral-storage-${props.namespace}`, namespace: props.namespace, labels: { ...props.labels } },
    spec: {
      limits: [{
        type: 'Container',
        defaultRequest: { 'ephemeral-storage': k8s.Quantity.fromString(props.defaultRequest) },
        default: { 'ephemeral-storage': k8s.Quantity.fromString(props.default) },
      }],
    },
  });
}

export class GuardedNamespace extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: GuardedNamespaceProps) {
    super(scope, id);
    this.name = props.name;
    const psa = podSecurityLabels(props.podSecurityLevel ?? 'restricted', props.podSecurityVersion);

    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: props.name,
        labels: { ...props.labels, ...props.namespaceLabels, ...psa },
        ...(props.annotations && Object.keys(props.annotations).length ? { annotations: { ...props.annotations } } : {}),
      },
    });

    const { quota } = props;
    new k8s.KubeResourceQuota(this, 'Quota', {
      metadata: { name: props.name, namespace: props.name, labels: props.labels },
      spec: {
        hard: {
          'requests.cpu': k8s.Quantity.fromString(quota.requests.cpu),
          'requests.memory': k8s.Quantity.fromString(quota.requests.memory),
          'limits.cpu': k8s.Quantity.fromString(quota.limits.cpu),
          'limits.memory': k8s.Quantity.fromString(quota.limits.memory),
          pods: k8s.Quantity.fromNumber(quota.pods),
          services: k8s.Quantity.fromNumber(quota.services),
          persistentvolumeclaims: k8s.Quantity.fromNumber(quota.persistentVolumeClaims),
          'services.loadbalancers': k8s.Quantity.fromNumber(quota.loadBalancers),
          'services.nodeports': k8s.Quantity.fromNumber(quota.nodePorts),
        },
      },
    });

    const limits = props.containerLimits;
    const quantities = (v: CpuMemoryDisk) => ({ 'cpu': k8s.Quantity.fromString(v.cpu), 'memory': k8s.Quantity.fromString(v.memory), 'ephemeral-storage': k8s.Quantity.fromString(v.ephemeralStorage) });
    new k8s.KubeLimitRange(this, 'Limits', {
      metadata: { name: props.name, namespace: props.name, labels: props.labels },
      spec: {
        limits: [{
          type: 'Container',
          defaultRequest: quantities(limits.defaultRequest),
          default: quantities(limits.default),
          max: quantities(limits.max),
        }],
      },
    });
  }
}
