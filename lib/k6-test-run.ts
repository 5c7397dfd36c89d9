/**
 * A k6-operator TestRun (k6.io/v1alpha1): the operator starts `parallelism` runner Jobs of the
 * script in a ConfigMap (mounted at /test), waits until all are ready, starts them together
 * (starter pod → each runner's REST API on 6565) and collects them.
 *
 * The runner, starter and initializer pods are built from the hardened pod template
 * (lib/pod.ts) and handed to the operator field by field, so they pass PSS `restricted` like
 * every other pod: non-root UID, seccomp RuntimeDefault, drop ALL, read-only root with a
 * writable /tmp, requests and limits, no service-account token.
 * No typed model package exists for k6-operator: the shape below follows its Go API types.
 * @see https://github.com/grafana/k6-operator/blob/main/docs/crd-generated.md
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { hardenedPodTemplate } from './pod.ts';
import { type ContainerResources } from './pod-props.ts';

/** The `Pod` fields of TestRun's runner, starter and initializer that this construct sets. */
export interface K6OperatorPod {
  readonly image: string;
  readonly imagePullPolicy: 'IfNotPresent';
  readonly metadata: { readonly labels: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly serviceAccountName: string;
  /** A string in the CRD ("true"/"false"). */
  readonly automountServiceAccountToken: 'true' | 'false';
  readonly securityContext: object;
  readonly containerSecurityContext: object;
  readonly resources: object;
  readonly env?: object[];
  readonly envFrom?: object[];
  readonly volumes: object[];
  readonly volumeMounts: object[];
  readonly priorityClassName?: string;
}

export interface K6TestRunSpec {
  readonly script: { readonly configMap: { readonly name: string; readonly file: string } };
  readonly parallelism: number;
  readonly separate: boolean;
  readonly arguments?: string;
  readonly runner: K6OperatorPod;
  readonly starter: K6OperatorPod;
  readonly initializer: K6OperatorPod;
}

/** What one kind of k6 pod runs as. */
export interface K6PodProps {
  readonly image: string;
  readonly resources: ContainerResources;
  /** Pod labels (the NetworkPolicies select runner and starter pods by them). */
  readonly labels: Readonly<Record<string, string>>;
  /** @default [] */
  readonly env?: readonly k8s.EnvVar[];
}

export interface K6TestRunProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** ConfigMap (same namespace) holding the script and every file it imports or opens. */
  readonly scriptConfigMap: string;
  /** Key of the script in the ConfigMap, e.g. `read-schedules.js`. */
  readonly scriptFile: string;
  /** Runner pods; the script's VUs and iterations are split between them. @default 1 */
  readonly parallelism?: number;
  /** Extra `k6 run` arguments, e.g. `-e VUS=40`. @default - none */
  readonly arguments?: string;
  /** ServiceAccount of every k6 pod (no token is mounted). */
  readonly serviceAccountName: string;
  readonly runner: K6PodProps;
  /** The starter (curl) pod; `env` is ignored. */
  readonly starter: K6PodProps;
  /** @default - no priority class */
  readonly priorityClassName?: string;
  /** @default 10001 (lib/pod.ts) */
  readonly runAsUser?: number;
}

/** k6-operator probes each runner's REST API itself; starter and initializer run to completion. */
const WITHOUT_PROBES = 'k6-operator probes the runner REST API (/v1/status on 6565) itself; starter and initializer run to completion';

export class K6TestRun extends Construct {
  public readonly name: string;
  public readonly spec: K6TestRunSpec;

  constructor(scope: Construct, id: string, props: K6TestRunProps) {
    super(scope, id);
    const parallelism = props.parallelism ?? 1;
    if (!Number.isInteger(parallelism) || parallelism < 1) throw new Error(`'parallelism' (${parallelism}) must be a whole number >= 1`);
    if (!/^[A-Za-z0-9_.-]+\.(js|tar)$/.test(props.scriptFile)) {
      throw new Error(`'scriptFile' (${props.scriptFile}) must be a ConfigMap key ending in .js or .tar (no path)`);
    }
    this.name = props.name;
    const pod = (p: K6PodProps, container: string): K6OperatorPod => operatorPod(props, p, container);
    this.spec = {
      script: { configMap: { name: props.scriptConfigMap, file: props.scriptFile } },
      parallelism,
      separate: false,
      ...(props.arguments ? { arguments: props.arguments } : {}),
      runner: pod(props.runner, 'k6'),
      starter: pod({ ...props.starter, env: [] }, 'k6-curl'),
      // The initializer (k6 archive + inspect) runs the runner image with the runner's settings.
      initializer: pod({ ...props.runner, env: [] }, 'k6'),
    };
    new ApiObject(this, 'Resource', {
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: this.spec,
    });
  }
}

/** One TestRun pod, field by field from the hardened template of a one-container pod. */
function operatorPod(run: K6TestRunProps, p: K6PodProps, container: string): K6OperatorPod {
  const template = k8s.toJson_PodTemplateSpec(hardenedPodTemplate({
    labels: p.labels,
    serviceAccountName: run.serviceAccountName,
    containers: [{ name: container, image: p.image, resources: p.resources, env: p.env }],
    runAsUser: run.runAsUser,
    priorityClassName: run.priorityClassName,
    preStopSleepSeconds: 0,
    exceptions: { withoutProbes: WITHOUT_PROBES },
  })) as { metadata: K6OperatorPod['metadata']; spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> } };
  const spec = template.spec;
  const c = spec.containers[0]!;
  return {
    image: p.image,
    imagePullPolicy: 'IfNotPresent',
    metadata: template.metadata,
    serviceAccountName: run.serviceAccountName,
    automountServiceAccountToken: spec.automountServiceAccountToken ? 'true' : 'false',
    securityContext: spec.securityContext as object,
    containerSecurityContext: c.securityContext as object,
    resources: c.resources as object,
    ...(c.env ? { env: c.env as object[] } : {}),
    volumes: spec.volumes as object[],
    volumeMounts: c.volumeMounts as object[],
    ...(run.priorityClassName ? { priorityClassName: run.priorityClassName } : {}),
  };
}
