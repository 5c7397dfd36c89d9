/**
 * An autoscaling/v2 HorizontalPodAutoscaler on CPU and memory utilization, with explicit
 * scaling behaviour: fast up, slow and stabilized down.
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#configurable-scaling-behavior
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';

export interface HorizontalAutoscalerProps {
  /** Name of the HPA (usually the workload's name). */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The Deployment/StatefulSet to scale. */
  readonly target: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  /** >= 1: an HPA cannot scale to zero. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Target average CPU utilization in percent of requests (1–100). */
  readonly cpuUtilization: number;
  /**
   * Target average memory utilization in percent of requests (1–100).
   * @default - no memory metric
   */
  readonly memoryUtilization?: number;
  /**
   * Window the HPA waits for load to stay low before removing pods.
   * @default 300
   */
  readonly scaleDownStabilizationSeconds?: number;
  /**
   * Pods may grow by this percent per `scaleUpPeriodSeconds`.
   * @default 100
   */
  readonly scaleUpPercent?: number;
  /** @default 15 */
  readonly scaleUpPeriodSeconds?: number;
}

export class HorizontalAutoscaler extends Construct {
  constructor(scope: Construct, id: string, props: HorizontalAutoscalerProps) {
    super(scope, id);
    if (props.minReplicas < 1) throw new Error(`'minReplicas' (${props.minReplicas}) must be >= 1; an HPA cannot scale to zero`);
    if (props.minReplicas > props.maxReplicas) {
      throw new Error(`'minReplicas' (${props.minReplicas}) must be <= 'maxReplicas' (${props.maxReplicas})`);
    }
    const utilization = (prop: string, value: number | undefined) => {
      if (value !== undefined && !(value >= 1 && value <= 100)) throw new Error(`'${prop}' (${value}) must be between 1 and 100`);
    };
    utilization('cpuUtilization', props.cpuUtilization);
    utilization('memoryUtilization', props.memoryUtilization);

    const metric = (name: string, averageUtilization: number): k8s.MetricSpecV2 => ({
      type: 'Resource',
      resource: { name, target: { type: 'Utilization', averageUtilization } },
    });
    new k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        scaleTargetRef: { apiVersion: props.target.apiVersion, kind: props.target.kind, name: props.target.name },
        minReplicas: props.minReplicas,
        maxReplicas: props.maxReplicas,
        metrics: [
          metric('cpu', props.cpuUtilization),
          ...(props.memoryUtilization !== undefined ? [metric('memory', props.memoryUtilization)] : []),
        ],
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            // Whichever adds more: doubling, or 4 pods (doubling 1 pod is slow).
            policies: [
              { type: 'Percent', value: props.scaleUpPercent ?? 100, periodSeconds: props.scaleUpPeriodSeconds ?? 15 },
              { type: 'Pods', value: 4, periodSeconds: props.scaleUpPeriodSeconds ?? 15 },
            ],
          },
          scaleDown: {
            stabilizationWindowSeconds: props.scaleDownStabilizationSeconds ?? 300,
            policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
          },
        },
      },
    });
  }
}
