/**
 * Event-driven scaling on the length of a Redis list (a job queue) with KEDA: a ScaledObject
 * that scales a Deployment, or a ScaledJob that starts one Job per queued item, plus the
 * TriggerAuthentication that reads the Redis password from a Secret (never inline).
 * @see https://keda.sh/docs/latest/scalers/redis-lists/
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { ScaledJob } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledJob';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { SYNC_WAVE_ANNOTATION } from './argocd-application.ts';
import { modelObject } from './model-object.ts';

/**
 * ArgoCD sync wave of the ScaledObject/ScaledJob inside its Application: one after the default
 * wave 0 of its TriggerAuthentication, the ExternalSecret that writes the password Secret and the
 * scale target, which ArgoCD then has applied and found Healthy. Applied in the same wave, KEDA
 * can reconcile the scaler before its TriggerAuthentication exists (the kinds have no fixed
 * order): the first reconcile fails (NOAUTH), the ScaledObject reads Ready=False — Degraded to
 * ArgoCD — and the root Application's wave fails and waits for its retry (found by the e2e's
 * bootstrap with KEDA running, scenario 1).
 */
export const SCALER_SYNC_WAVE = 1;
const scalerAnnotations = { [SYNC_WAVE_ANNOTATION]: String(SCALER_SYNC_WAVE) };

export interface RedisListTrigger {
  /** `host:port` of Redis. */
  readonly address: string;
  /** Name of the Redis list holding the jobs. */
  readonly listName: string;
  /** Target number of queued jobs per replica (> 0). */
  readonly listLength: number;
  /**
   * Queue length above which the workload wakes from zero replicas.
   * @default 0
   */
  readonly activationListLength?: number;
  /** @default false */
  readonly enableTls?: boolean;
  /** Secret and key holding the Redis password, read by KEDA through a TriggerAuthentication. */
  readonly passwordSecret: { readonly name: string; readonly key: string };
}

interface ScalerCommonProps {
  /** Name of the ScaledObject/ScaledJob and its TriggerAuthentication. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly trigger: RedisListTrigger;
  /** @default 0 */
  readonly minReplicas?: number;
  readonly maxReplicas: number;
  /**
   * How often KEDA reads the queue length.
   * @default 15
   */
  readonly pollingIntervalSeconds?: number;
}

export interface RedisListScalerProps extends ScalerCommonProps {
  /** The Deployment/StatefulSet to scale. */
  readonly target: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  /**
   * Seconds after the last active trigger before scaling to zero; also the HPA scale-down
   * stabilization window, so replicas working on long jobs are not removed early.
   * @default 300
   */
  readonly cooldownPeriodSeconds?: number;
  /**
   * Replicas to run while the queue cannot be read, after `failureThreshold` failed polls.
   * @default - no fallback
   */
  readonly fallback?: { readonly failureThreshold: number; readonly replicas: number };
}

export interface RedisListScaledJobProps extends ScalerCommonProps {
  /** Pod template of each Job (see `hardenedPodTemplate` with restartPolicy 'Never'). */
  readonly podTemplate: k8s.PodTemplateSpec;
  /** Hard limit on one Job's run time. */
  readonly activeDeadlineSeconds: number;
  /** @default 2 */
  readonly backoffLimit?: number;
  /** @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** @default 5 */
  readonly failedJobsHistoryLimit?: number;
}

function validate(props: ScalerCommonProps): void {
  const min = props.minReplicas ?? 0;
  if (min > props.maxReplicas) throw new Error(`'minReplicas' (${min}) must be <= 'maxReplicas' (${props.maxReplicas})`);
  if (props.maxReplicas < 1) throw new Error(`'maxReplicas' (${props.maxReplicas}) must be >= 1`);
  if (!(props.trigger.listLength > 0)) throw new Error(`'listLength' (${props.trigger.listLength}) must be > 0`);
}

/** TriggerAuthentication + the trigger that uses it; shared by both scaler kinds. */
function redisTrigger(scope: Construct, props: ScalerCommonProps) {
  const { trigger } = props;
  modelObject(scope, 'TriggerAuthentication', new TriggerAuthentication({
    metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
    spec: { secretTargetRef: [{ parameter: 'password', name: trigger.passwordSecret.name, key: trigger.passwordSecret.key }] },
  }));
  return {
    type: 'redis',
    metadata: {
      address: trigger.address,
      listName: trigger.listName,
      listLength: String(trigger.listLength),
      activationListLength: String(trigger.activationListLength ?? 0),
      enableTLS: String(trigger.enableTls ?? false),
    },
    authenticationRef: { name: props.name },
  };
}

export class RedisListScaler extends Construct {
  constructor(scope: Construct, id: string, props: RedisListScalerProps) {
    super(scope, id);
    validate(props);
    const cooldown = props.cooldownPeriodSeconds ?? 300;
    if (props.fallback && props.fallback.replicas > props.maxReplicas) {
      throw new Error(`'fallback.replicas' (${props.fallback.replicas}) must be <= 'maxReplicas' (${props.maxReplicas})`);
    }
    const trigger = redisTrigger(this, props);
    modelObject(this, 'ScaledObject', new ScaledObject({
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels }, annotations: { ...scalerAnnotations } },
      spec: {
        scaleTargetRef: { apiVersion: props.target.apiVersion, kind: props.target.kind, name: props.target.name },
        minReplicaCount: props.minReplicas ?? 0,
        maxReplicaCount: props.maxReplicas,
        pollingInterval: props.pollingIntervalSeconds ?? 15,
        cooldownPeriod: cooldown,
        ...(props.fallback ? { fallback: { failureThreshold: props.fallback.failureThreshold, replicas: props.fallback.replicas } } : {}),
        advanced: {
          horizontalPodAutoscalerConfig: {
            name: props.name,
            behavior: { scaleDown: { stabilizationWindowSeconds: cooldown } },
          },
        },
        triggers: [trigger],
      },
    }));
  }
}

export class RedisListScaledJob extends Construct {
  constructor(scope: Construct, id: string, props: RedisListScaledJobProps) {
    super(scope, id);
    validate(props);
    if (props.podTemplate.spec?.restartPolicy === undefined || props.podTemplate.spec.restartPolicy === 'Always') {
      throw new Error(`'podTemplate.spec.restartPolicy' (${props.podTemplate.spec?.restartPolicy ?? 'unset'}) must be 'Never' or 'OnFailure' for Jobs`);
    }
    const trigger = redisTrigger(this, props);
    modelObject(this, 'ScaledJob', new ScaledJob({
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels }, annotations: { ...scalerAnnotations } },
      spec: {
        jobTargetRef: {
          activeDeadlineSeconds: props.activeDeadlineSeconds,
          backoffLimit: props.backoffLimit ?? 2,
          template: k8s.toJson_PodTemplateSpec(props.podTemplate) as never,
        },
        minReplicaCount: props.minReplicas ?? 0,
        maxReplicaCount: props.maxReplicas,
        pollingInterval: props.pollingIntervalSeconds ?? 15,
        successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
        failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 5,
        triggers: [trigger],
      },
    }));
  }
}
