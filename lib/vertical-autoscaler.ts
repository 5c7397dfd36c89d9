/**
 * A VerticalPodAutoscaler that only recommends (updateMode Off): the recommender publishes
 * request suggestions in the VPA status, and nothing is ever evicted or resized, so it can sit
 * beside an HPA that scales on the same CPU/memory without the two fighting.
 * @see https://github.com/kubernetes/autoscaler/tree/master/vertical-pod-autoscaler#quick-start
 */
import { Construct } from 'constructs';
import { VerticalPodAutoscaler } from '@kubernetes-models/autoscaler/autoscaling.k8s.io/v1/VerticalPodAutoscaler';
import { modelObject } from './model-object.ts';

export interface RecommendationOnlyVpaProps {
  /** Name of the VPA (usually the workload's name). */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The Deployment/StatefulSet the recommendations are for. */
  readonly target: { readonly apiVersion: string; readonly kind: string; readonly name: string };
}

export class RecommendationOnlyVpa extends Construct {
  constructor(scope: Construct, id: string, props: RecommendationOnlyVpaProps) {
    super(scope, id);
    modelObject(this, 'Resource', new VerticalPodAutoscaler({
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        targetRef: { apiVersion: props.target.apiVersion, kind: props.target.kind, name: props.target.name },
        updatePolicy: { updateMode: 'Off' },
      },
    }));
  }
}
