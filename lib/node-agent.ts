/**
 * NodeAgent: a DaemonSet of the hardened pod template (lib/pod.ts), one pod on every node, with
 * its dedicated ServiceAccount (IRSA role optional) and a Service for its metrics. For agents
 * that read the node itself (container logs): the host access they need is a named exception of
 * the pod template (`hostPath`, `runAsRoot`, each with its reason in an annotation), never a default.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { hardenedPodTemplate } from './pod.ts';
import { KUBE_LINTER_IGNORE_PREFIX, type HardenedPodProps } from './pod-props.ts';
import type { WorkloadServicePort } from './workload.ts';

export interface NodeAgentProps {
  /** Name of the DaemonSet, its ServiceAccount and Service. */
  readonly name: string;
  readonly namespace: string;
  /** Labels of every object and of the pods. */
  readonly labels: Readonly<Record<string, string>>;
  /** Immutable subset of `labels` used in selectors (name + instance). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** The pod: containers, volumes, priority, exceptions. */
  readonly pod: Omit<HardenedPodProps, 'labels' | 'serviceAccountName' | 'spread'>;
  /**
   * IAM role the ServiceAccount assumes through IRSA (`eks.amazonaws.com/role-arn`).
   * @default - no AWS role
   */
  readonly roleArn?: string;
  /** Ports of the Service named like the agent (metrics). @default [] */
  readonly servicePorts?: readonly WorkloadServicePort[];
  /**
   * Nodes updated at a time during a rollout; an agent per node has no surge.
   * @default 1
   */
  readonly maxUnavailable?: number;
  /**
   * Taints the agent tolerates: every node's logs matter, tainted nodes included.
   * @default [{ operator: 'Exists' }] (all)
   */
  readonly tolerations?: readonly k8s.Toleration[];
}

export class NodeAgent extends Construct {
  constructor(scope: Construct, id: string, props: NodeAgentProps) {
    super(scope, id);
    const { name, namespace, labels } = props;
    for (const [key, value] of Object.entries(props.selectorLabels)) {
      if (labels[key] !== value) throw new Error(`'selectorLabels' ${key}=${value} must also be in 'labels' (the pods would not match their DaemonSet)`);
    }
    const maxUnavailable = props.maxUnavailable ?? 1;
    if (maxUnavailable < 1) throw new Error(`'maxUnavailable' (${maxUnavailable}) must be >= 1; 0 never updates a node`);

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace, labels: { ...labels }, ...(props.roleArn ? { annotations: { 'eks.amazonaws.com/role-arn': props.roleArn } } : {}) },
      automountServiceAccountToken: false,
    });
    const template = hardenedPodTemplate({ ...props.pod, labels, serviceAccountName: name });
    // kube-linter reads its ignore annotations on the object, not on the pod template: the
    // exceptions that silence a check (with their reasons) are repeated there.
    const linterNotes = Object.fromEntries(Object.entries(template.metadata?.annotations ?? {}).filter(([k]) => k.startsWith(KUBE_LINTER_IGNORE_PREFIX)));
    new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name, namespace, labels: { ...labels }, ...(Object.keys(linterNotes).length ? { annotations: linterNotes } : {}) },
      spec: {
        selector: { matchLabels: { ...props.selectorLabels } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable) } },
        template: { ...template, spec: { ...template.spec!, tolerations: [...(props.tolerations ?? [{ operator: 'Exists' }])] } },
      },
    });
    if (props.servicePorts?.length) {
      new k8s.KubeService(this, 'Service', {
        metadata: { name, namespace, labels: { ...labels } },
        spec: {
          // Headless: Prometheus scrapes every pod through the endpoints; nothing load-balances to an agent.
          clusterIp: 'None',
          selector: { ...props.selectorLabels },
          ports: props.servicePorts.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.targetPort), protocol: 'TCP' })),
        },
      });
    }
  }
}
