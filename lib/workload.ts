/**
 * HardenedWorkload: the one construct behind every long-running workload. It renders a
 * Deployment, StatefulSet or Argo Rollout from the hardened pod template (lib/pod.ts) plus its
 * dedicated ServiceAccount, Service, PodDisruptionBudget and, optionally, a recommendation-only VPA.
 *
 * Core kinds come from cdk8s' generated `k8s` bindings rather than cdk8s-plus' Deployment,
 * so the output carries only the caller's names, labels and selectors.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import { modelObject } from './model-object.ts';
import { hardenedPodTemplate } from './pod.ts';
import { KUBE_LINTER_IGNORE_PREFIX, type HardenedPodProps } from './pod-props.ts';
import type { RolloutStrategy } from './rollout.ts';
import { RecommendationOnlyVpa } from './vertical-autoscaler.ts';

/** `Rollout` is Argo Rollouts' (argoproj.io/v1alpha1): a Deployment with canary or blue-green steps. */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'Rollout';

const API_VERSION: Record<WorkloadKind, string> = { Deployment: 'apps/v1', StatefulSet: 'apps/v1', Rollout: 'argoproj.io/v1alpha1' };
/** Label each controller puts on the pods of one revision (topology spread keys on it). */
const REVISION_LABEL: Partial<Record<WorkloadKind, string>> = { Deployment: 'pod-template-hash', Rollout: 'rollouts-pod-template-hash' };

/** Who owns the replica count. */
export class Replicas {
  /** A fixed count written to `spec.replicas`. */
  public static fixed(count: number): Replicas {
    if (!Number.isInteger(count) || count < 0) throw new Error(`'replicas' (${count}) must be a whole number >= 0`);
    return new Replicas(count, count, false);
  }
  /**
   * An autoscaler (HPA, KEDA) owns the count between `min` and `max`: `spec.replicas` is left
   * out so GitOps sync and the autoscaler never fight over it.
   */
  public static autoscaled(min: number, max: number): Replicas {
    if (min > max) throw new Error(`'minReplicas' (${min}) must be <= 'maxReplicas' (${max})`);
    if (max < 1) throw new Error(`'maxReplicas' (${max}) must be >= 1`);
    return new Replicas(min, max, true);
  }
  private constructor(public readonly min: number, public readonly max: number, public readonly autoscaled: boolean) {}
}

/**
 * How many pods voluntary disruptions (node drains, upgrades) may take down.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
 */
export class Disruption {
  /** Keep at least `count` pods up; must be below the minimum replica count or drains block. */
  public static minAvailable(count: number): Disruption {
    return new Disruption({ minAvailable: count });
  }
  /** Take down at most `count` pods at a time (> 0, or drains block forever). */
  public static maxUnavailable(count: number): Disruption {
    if (count < 1) throw new Error(`'maxUnavailable' (${count}) must be >= 1; 0 blocks every node drain`);
    return new Disruption({ maxUnavailable: count });
  }
  private constructor(public readonly budget: { readonly minAvailable?: number; readonly maxUnavailable?: number }) {}
}

export interface WorkloadServicePort {
  /** Service port name, e.g. `http` or `metrics` (Prometheus selects the port by name). */
  readonly name: string;
  readonly port: number;
  /** Named container port the traffic goes to. */
  readonly targetPort: string;
}

export interface VolumeClaim {
  /** Claim template name; mount it from a container with a volumeMount of the same name. */
  readonly name: string;
  readonly storage: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
}

export interface HardenedWorkloadProps {
  /** Name of the workload, its ServiceAccount, Service, PDB and VPA. */
  readonly name: string;
  readonly namespace: string;
  /** Labels of every object and of the pods. */
  readonly labels: Readonly<Record<string, string>>;
  /** Immutable subset of `labels` used in selectors (name + instance). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** @default 'Deployment' */
  readonly kind?: WorkloadKind;
  readonly replicas: Replicas;
  /** The pod: containers, volumes, UID, priority, grace period, exceptions. */
  readonly pod: Omit<HardenedPodProps, 'labels' | 'serviceAccountName' | 'spread'>;
  /**
   * Spread replicas over zones (hard rule or preference).
   * @default 'ScheduleAnyway'
   */
  readonly zoneSpread?: 'DoNotSchedule' | 'ScheduleAnyway';
  /**
   * IAM role the ServiceAccount assumes through IRSA (`eks.amazonaws.com/role-arn`).
   * @default - no AWS role
   */
  readonly roleArn?: string;
  /**
   * Ports of the Service named like the workload. The Service is only created when ports are given.
   * @default []
   */
  readonly servicePorts?: readonly WorkloadServicePort[];
  /** @default Disruption.maxUnavailable(1) */
  readonly disruption?: Disruption;
  /**
   * Extra pods a Deployment rollout may add (new pods come up before old ones go:
   * maxUnavailable is always 0).
   * @default '25%'
   */
  readonly maxSurge?: string;
  /**
   * Canary or blue-green steps of a `Rollout` (required for that kind, refused for the others).
   * Blue-green adds the Service `<name>-preview` for the new pods before promotion.
   * @default - none
   */
  readonly rolloutStrategy?: RolloutStrategy;
  /** PersistentVolumeClaim templates (StatefulSet only). @default [] */
  readonly volumeClaims?: readonly VolumeClaim[];
  /**
   * Add a VerticalPodAutoscaler in recommendation mode (updateMode Off), which never evicts
   * pods and so cannot fight an HPA.
   * @default false
   */
  readonly verticalRecommendations?: boolean;
}

export class HardenedWorkload extends Construct {
  public readonly name: string;
  public readonly kind: WorkloadKind;
  /** Reference for autoscalers: `{ apiVersion, kind, name }` of the Deployment/StatefulSet. */
  public readonly scaleTargetRef: { readonly apiVersion: string; readonly kind: WorkloadKind; readonly name: string };
  public readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: HardenedWorkloadProps) {
    super(scope, id);
    const kind = props.kind ?? 'Deployment';
    const { name, namespace, replicas } = props;
    this.name = name;
    this.kind = kind;
    this.serviceAccountName = name;
    this.scaleTargetRef = { apiVersion: API_VERSION[kind], kind, name };
    const metadata = { name, namespace, labels: { ...props.labels } };
    const selector = { matchLabels: { ...props.selectorLabels } };
    for (const [key, value] of Object.entries(props.selectorLabels)) {
      if (props.labels[key] !== value) throw new Error(`'selectorLabels' ${key}=${value} must also be in 'labels', or the selector matches no pod`);
    }
    if (props.volumeClaims?.length && kind !== 'StatefulSet') {
      throw new Error(`'volumeClaims' need kind 'StatefulSet' (got '${kind}')`);
    }
    if (kind === 'Rollout' && !props.rolloutStrategy) throw new Error(`kind 'Rollout' needs a 'rolloutStrategy' (RolloutStrategy.canary or .blueGreen)`);
    if (kind !== 'Rollout' && props.rolloutStrategy) throw new Error(`'rolloutStrategy' needs kind 'Rollout' (got '${kind}')`);
    if (props.rolloutStrategy?.needsPreviewService && !props.servicePorts?.length) {
      throw new Error(`a blue-green Rollout needs 'servicePorts': its active and preview Services switch traffic`);
    }

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: {
        ...metadata,
        ...(props.roleArn ? { annotations: { 'eks.amazonaws.com/role-arn': props.roleArn } } : {}),
      },
      automountServiceAccountToken: false,
    });

    const template = hardenedPodTemplate({
      ...props.pod,
      labels: props.labels,
      serviceAccountName: name,
      spread: {
        selector: props.selectorLabels,
        whenUnsatisfiable: props.zoneSpread,
        // Spread each revision on its own, so a rollout does not pile new pods up.
        matchLabelKeys: REVISION_LABEL[kind] ? [REVISION_LABEL[kind]] : [],
      },
    });
    const count = replicas.autoscaled ? {} : { replicas: replicas.min };

    if (kind === 'Deployment') {
      new k8s.KubeDeployment(this, 'Deployment', {
        metadata,
        spec: {
          ...count,
          selector,
          revisionHistoryLimit: 5,
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString(props.maxSurge ?? '25%') },
          },
          template,
        },
      });
    } else if (kind === 'Rollout') {
      modelObject(this, 'Rollout', new Rollout({
        metadata,
        spec: {
          ...count,
          selector,
          revisionHistoryLimit: 5,
          strategy: props.rolloutStrategy!.render(name),
          template: k8s.toJson_PodTemplateSpec(template) as never,
        },
      }));
    } else {
      const headless = `${name}-headless`;
      new k8s.KubeService(this, 'HeadlessService', {
        metadata: { ...metadata, name: headless },
        spec: {
          clusterIp: 'None',
          publishNotReadyAddresses: true,
          selector: { ...props.selectorLabels },
          // Only the main port: scrapers selecting the `metrics` port must find each pod once, via the regular Service.
          ports: (props.servicePorts ?? []).slice(0, 1).map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.targetPort), protocol: 'TCP' })),
        },
      });
      new k8s.KubeStatefulSet(this, 'StatefulSet', {
        metadata,
        spec: {
          ...count,
          serviceName: headless,
          selector,
          revisionHistoryLimit: 5,
          podManagementPolicy: 'OrderedReady',
          updateStrategy: { type: 'RollingUpdate' },
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          template,
          volumeClaimTemplates: (props.volumeClaims ?? []).map((claim) => ({
            metadata: { name: claim.name, labels: { ...props.labels } },
            spec: {
              accessModes: ['ReadWriteOnce'],
              ...(claim.storageClassName ? { storageClassName: claim.storageClassName } : {}),
              resources: { requests: { storage: k8s.Quantity.fromString(claim.storage) } },
            },
          })),
        },
      });
    }

    if (props.servicePorts?.length) {
      const ports = props.servicePorts.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.targetPort), protocol: 'TCP' }));
      new k8s.KubeService(this, 'Service', {
        metadata,
        spec: { type: 'ClusterIP', selector: { ...props.selectorLabels }, ports },
      });
      // Argo Rollouts adds the revision hash to both selectors: active → stable pods, preview → new pods.
      if (props.rolloutStrategy?.needsPreviewService) {
        new k8s.KubeService(this, 'PreviewService', {
          metadata: { ...metadata, name: `${name}-preview` },
          spec: { type: 'ClusterIP', selector: { ...props.selectorLabels }, ports },
        });
      }
    }

    const budget = (props.disruption ?? Disruption.maxUnavailable(1)).budget;
    if (budget.minAvailable !== undefined && budget.minAvailable >= replicas.min) {
      throw new Error(
        `'minAvailable' (${budget.minAvailable}) must be < 'minReplicas' (${replicas.min}), or the PodDisruptionBudget blocks every node drain`,
      );
    }
    // kube-linter compares minAvailable with spec.replicas and reads a missing count as 1.
    const linterNote = replicas.autoscaled && budget.minAvailable !== undefined
      ? { annotations: { [`${KUBE_LINTER_IGNORE_PREFIX}pdb-min-available`]: 'replicas are owned by an autoscaler, not spec.replicas' } }
      : {};
    new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: { ...metadata, ...linterNote },
      spec: {
        selector,
        ...(budget.minAvailable !== undefined ? { minAvailable: k8s.IntOrString.fromNumber(budget.minAvailable) } : {}),
        ...(budget.maxUnavailable !== undefined ? { maxUnavailable: k8s.IntOrString.fromNumber(budget.maxUnavailable) } : {}),
        // A crash-looping pod must not block node drains.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    if (props.verticalRecommendations) {
      new RecommendationOnlyVpa(this, 'Vpa', { name, namespace, labels: props.labels, target: this.scaleTargetRef });
    }
  }
}
