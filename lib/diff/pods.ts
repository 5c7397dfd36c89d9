/**
 * Where the pod template sits in each workload kind, so risk rules can read containers,
 * security contexts and labels without caring which controller runs the pods.
 */
import type { DiffObject } from './objects.ts';

export interface PodTemplate {
  /** Labels the pods get (what NetworkPolicies select on). */
  readonly labels: Record<string, string>;
  readonly spec: PodSpec;
}

export interface Container {
  name: string;
  image?: string;
  ports?: Array<{ containerPort?: number; hostPort?: number; name?: string; protocol?: string }>;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: SecurityContext;
  [key: string]: unknown;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  [key: string]: unknown;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  automountServiceAccountToken?: boolean;
  volumes?: Array<{ name: string; hostPath?: unknown; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** Path (as field names) from the object root to its pod template, per kind. */
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  Rollout: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  ScaledJob: ['spec', 'jobTargetRef', 'template'],
};

/** The pod template of a workload object, or undefined for other kinds. */
export function podTemplateOf(object: DiffObject | undefined): PodTemplate | undefined {
  if (!object) return undefined;
  if (object.kind === 'Pod') {
    return { labels: object.metadata?.labels ?? {}, spec: (object.spec ?? {}) as PodSpec };
  }
  const path = TEMPLATE_PATHS[object.kind];
  if (!path) return undefined;
  const template = path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], object) as
    | { metadata?: { labels?: Record<string, string> }; spec?: PodSpec }
    | undefined;
  if (!template?.spec) return undefined;
  return { labels: template.metadata?.labels ?? {}, spec: template.spec };
}

/** Regular and init containers, each with its kind for messages. */
export function containersOf(spec: PodSpec): Array<{ container: Container; init: boolean }> {
  return [
    ...(spec.initContainers ?? []).map((container) => ({ container, init: true })),
    ...(spec.containers ?? []).map((container) => ({ container, init: false })),
  ];
}
