/**
 * The pod model the workload tests read rendered objects with: the fields they check, where a
 * pod template sits in each kind, and what PSS `restricted` plus our own rules ask of a pod.
 * Shared by test/workloads.test.ts and test/workloads-config.test.ts.
 */
import { loadConfig } from '../config/index.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';

const platform = loadConfig();

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  ports?: Array<{ name: string; containerPort: number }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] }; seccompProfile?: { type: string } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  args?: string[];
}
export interface PodSpec {
  securityContext?: Record<string, unknown> & { seccompProfile?: { type: string } };
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<{ name: string; emptyDir?: unknown; hostPath?: unknown }>;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  priorityClassName?: string;
  terminationGracePeriodSeconds?: number;
}
export interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

/** Every pod template of a rendered object (Deployment, StatefulSet, ScaledJob), or none. */
export function podTemplate(o: KubeObject): PodTemplate | undefined {
  const spec = o.spec as { template?: PodTemplate; jobTargetRef?: { template: PodTemplate } } | undefined;
  return spec?.template ?? spec?.jobTargetRef?.template;
}


/** Kind of a service's workload in an environment: a Deployment, or an Argo Rollout where `delivery` asks for one. */
export function workloadKind(env: string, service: string): 'Deployment' | 'Rollout' {
  const delivery = platform.environments.find((e) => e.name === env)!.services[service]!.delivery;
  return delivery.kind === 'deployment' ? 'Deployment' : 'Rollout';
}

/**
 * What PSS `restricted` plus our own rules (probes, requests and limits, read-only root,
 * IfNotPresent) demand of a pod, as a list of violations; [] is compliant.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function violations(pod: PodTemplate): string[] {
  const out: string[] = [];
  const spec = pod.spec;
  const exceptions = pod.metadata.annotations ?? {};
  if (spec.securityContext?.runAsNonRoot !== true) out.push('pod runAsNonRoot');
  if (!(Number(spec.securityContext?.runAsUser) > 0)) out.push('pod runAsUser must be a fixed non-root UID');
  if (spec.securityContext?.seccompProfile?.type !== 'RuntimeDefault') out.push('pod seccomp');
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) out.push('host namespaces');
  if (spec.volumes?.some((v) => v.hostPath)) out.push('hostPath volume');
  if (spec.automountServiceAccountToken !== false && !exceptions['exceptions.hardened-workload/service-account-token']) out.push('token mounted');
  if (!spec.serviceAccountName || spec.serviceAccountName === 'default') out.push('dedicated ServiceAccount');
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (sc.allowPrivilegeEscalation !== false) out.push(`${where} allowPrivilegeEscalation`);
    if (sc.privileged === true) out.push(`${where} privileged`);
    if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') out.push(`${where} drop ALL`);
    if (sc.capabilities?.add?.length) out.push(`${where} adds capabilities`);
    if (sc.runAsNonRoot !== true) out.push(`${where} runAsNonRoot`);
    if (sc.seccompProfile?.type !== 'RuntimeDefault') out.push(`${where} seccomp`);
    if (sc.readOnlyRootFilesystem !== true && !exceptions['exceptions.hardened-workload/writable-root-filesystem']) out.push(`${where} readOnlyRootFilesystem`);
    if (!c.volumeMounts?.some((m) => m.mountPath === '/tmp')) out.push(`${where} writable /tmp`);
    for (const kind of ['requests', 'limits'] as const) {
      for (const r of ['cpu', 'memory']) if (!c.resources?.[kind]?.[r]) out.push(`${where} ${kind}.${r}`);
    }
    if (!exceptions['exceptions.hardened-workload/without-probes']) {
      if (!c.livenessProbe) out.push(`${where} livenessProbe`);
      if (!c.readinessProbe) out.push(`${where} readinessProbe`);
    }
    if (c.imagePullPolicy !== 'IfNotPresent') out.push(`${where} imagePullPolicy`);
    if (c.ports?.some((p) => p.containerPort < 1024)) out.push(`${where} privileged port`);
  }
  return out;
}
