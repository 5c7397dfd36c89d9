/**
 * Pod hygiene everywhere (issue 19 class 9), read from every pod spec in dist/ (Deployments,
 * StatefulSets, CronJobs, Rollouts, k6 TestRun pods) and the add-ons' values and namespaces:
 * - every container requests and limits `ephemeral-storage`, and a pod's disk emptyDirs have a
 *   sizeLimit that fits under its containers' limits (that every namespace where pods can run
 *   defaults `ephemeral-storage` for the add-ons' containers: test/namespace-disk-defaults.test.ts);
 * - liveness and readiness probes of a container differ (or the pod names the exception);
 * - no pod or container runs as a system UID (below 1000: 999 is a common image account).
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { parseMemory } from '../lib/values/quantity.ts';
import { objects, renderPlatform } from './helpers.ts';

type Container = { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> }; livenessProbe?: Record<string, unknown>; readinessProbe?: Record<string, unknown>; securityContext?: { runAsUser?: number } };
type PodSpec = { containers: Container[]; initContainers?: Container[]; volumes?: Array<{ name: string; emptyDir?: { medium?: string; sizeLimit?: string } }>; securityContext?: { runAsUser?: number } };
interface Pod { where: string; spec: PodSpec; annotations: Record<string, string> }

function pods(all: readonly KubeObject[]): Pod[] {
  const out: Pod[] = [];
  const walk = (node: unknown, where: string, annotations: Record<string, string>) => {
    if (Array.isArray(node)) { node.forEach((n, i) => walk(n, `${where}[${i}]`, annotations)); return; }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const meta = (o.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;
    if (o.spec && typeof o.spec === 'object' && Array.isArray((o.spec as PodSpec).containers)) {
      out.push({ where, spec: o.spec as PodSpec, annotations: meta ?? annotations });
      return;
    }
    // k6 TestRun pods: one container described inline.
    if (typeof o.image === 'string' && o.resources && o.containerSecurityContext) {
      out.push({ where, spec: { containers: [{ name: 'k6', resources: o.resources as Container['resources'] }], volumes: o.volumes as PodSpec['volumes'], securityContext: o.securityContext as PodSpec['securityContext'] }, annotations: meta ?? {} });
      return;
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'metadata') walk(v, `${where}.${k}`, meta ?? annotations);
  };
  for (const o of all) if (o.metadata.namespace !== undefined || o.kind !== 'Namespace') walk(o.spec, `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, {});
  return out;
}

const bytes = (q: string | undefined) => (q === undefined ? undefined : parseMemory(String(q)));

/** Containers without ephemeral-storage, emptyDirs without a size or bigger than the limits. */
export function diskProblems(all: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const p of pods(all)) {
    let limits = 0;
    for (const c of [...p.spec.containers, ...(p.spec.initContainers ?? [])]) {
      for (const side of ['requests', 'limits'] as const) {
        if (!c.resources?.[side]?.['ephemeral-storage']) problems.push(`${p.where} container ${c.name}: no ${side}.ephemeral-storage`);
      }
      if (!(p.spec.initContainers ?? []).includes(c)) limits += bytes(c.resources?.limits?.['ephemeral-storage']) ?? 0;
    }
    let dirs = 0;
    for (const v of p.spec.volumes ?? []) {
      if (!v.emptyDir || v.emptyDir.medium === 'Memory') continue;
      const size = bytes(v.emptyDir.sizeLimit);
      if (size === undefined) problems.push(`${p.where} volume ${v.name}: emptyDir without sizeLimit`);
      dirs += size ?? 0;
    }
    if (dirs > limits) problems.push(`${p.where}: emptyDirs (${dirs} bytes) exceed the containers' ephemeral-storage limits (${limits} bytes)`);
  }
  return problems;
}

/** Containers whose liveness and readiness probes are the same check, without the named exception. */
export function sameProbes(all: readonly KubeObject[]): string[] {
  const strip = (p: Record<string, unknown>) => JSON.stringify({ ...p, periodSeconds: 0, failureThreshold: 0, timeoutSeconds: 0, initialDelaySeconds: 0, successThreshold: 0 });
  return pods(all).flatMap((p) => p.spec.containers
    .filter((c) => c.livenessProbe && c.readinessProbe && strip(c.livenessProbe) === strip(c.readinessProbe))
    .filter(() => !p.annotations['exceptions.hardened-workload/same-liveness-and-readiness'])
    .map((c) => `${p.where} container ${c.name}: liveness and readiness probe check the same thing`));
}

/**
 * Every runAsUser below 1000 in pod specs and in add-on values. UID 0 only where the pod template
 * names the exception `runAsRoot` with its reason (the log collector reading root-only log files).
 */
export function systemUids(all: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  const walk = (node: unknown, where: string, rootExcepted: boolean) => {
    if (Array.isArray(node)) { node.forEach((n, i) => walk(n, `${where}[${i}]`, rootExcepted)); return; }
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'runAsUser' || k === 'runAsGroup' || k === 'fsGroup') && typeof v === 'number' && v < 1000 && !(v === 0 && rootExcepted)) problems.push(`${where}.${k} = ${v}`);
      walk(v, `${where}.${k}`, rootExcepted);
    }
  };
  for (const o of all) {
    const annotations = (o.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template?.metadata?.annotations ?? {};
    walk(o.spec, `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, !!annotations['exceptions.hardened-workload/run-as-root']);
  }
  return problems;
}

const all = objects('', renderPlatform());

describe('pod hygiene across dist/ and the add-ons', () => {
  it('finds the pods (sanity)', () => {
    expect(pods(all).length).toBeGreaterThan(25);
  });

  it('every container requests and limits ephemeral-storage', () => {
    expect(diskProblems(all)).toEqual([]);
  });

  it('liveness and readiness differ in every container', () => {
    expect(sameProbes(all)).toEqual([]);
  });

  it('nothing runs as a system UID (999 included)', () => {
    expect(systemUids(all)).toEqual([]);
  });

  it('finds planted instances of each', () => {
    const planted = structuredClone(all);
    const redis = planted.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'redis' && o.metadata.namespace === 'flextime-staging')!;
    const spec = (redis.spec as { template: { spec: PodSpec } }).template.spec;
    delete spec.containers[0]!.resources!.limits!['ephemeral-storage'];
    spec.containers[1]!.readinessProbe = structuredClone(spec.containers[1]!.livenessProbe);
    spec.securityContext!.runAsUser = 999;
    expect(diskProblems(planted)).toEqual(['StatefulSet flextime-staging/redis.template container redis: no limits.ephemeral-storage']);
    expect(sameProbes(planted)).toEqual(['StatefulSet flextime-staging/redis.template container redis-exporter: liveness and readiness probe check the same thing']);
    expect(systemUids(planted)).toEqual(['StatefulSet flextime-staging/redis.template.spec.securityContext.runAsUser = 999']);
    // Root without the named exception: the log collector with its reason annotation removed.
    const collector = planted.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'log-collector')!;
    delete (collector.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['exceptions.hardened-workload/run-as-root'];
    expect(systemUids(planted).sort()).toEqual([
      'DaemonSet logging/log-collector.template.spec.securityContext.runAsGroup = 0',
      'DaemonSet logging/log-collector.template.spec.securityContext.runAsUser = 0',
      'StatefulSet flextime-staging/redis.template.spec.securityContext.runAsUser = 999',
    ]);
  });
});
