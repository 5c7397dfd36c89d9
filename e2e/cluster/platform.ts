/**
 * Bringing the cluster to "platform running" for the scenarios, and what an operator would look
 * at while they run: nodes, workloads, PodDisruptionBudgets.
 */
import { loadConfig } from '../../config/index.ts';
import { namespaceOf } from '../../charts/context.ts';
import { applyRendered, applyStandIns, readObjects, walk } from './apply.ts';
import type { Cluster } from './control-plane.ts';
import { condition, Kube, podReady, type KubeObject } from './kube.ts';
import { join } from 'node:path';
import { inject } from 'vitest';
import { rootApplication } from '../controllers/argocd.ts';
import { renderedApplications, ROOT_APP, waitApplications } from '../controllers/applications.ts';
import { Kube as ArgoKube } from '../controllers/kube.ts';
import { ROOT } from '../../test/tools.ts';

/** Registers the simulated nodes (kwok then runs them) and waits until all are Ready. */
export async function registerNodes(kube: Kube, nodes: KubeObject[], timeoutMs = 60_000): Promise<void> {
  for (const n of nodes) await kube.create('/api/v1/nodes', n);
  const names = new Set(nodes.map((n) => n.metadata.name));
  await kube.waitFor('/api/v1/nodes', {
    what: 'simulated nodes', expected: `${names.size} nodes Ready (kwok running them)`, timeoutMs,
    check: (objs) => objs.filter((o) => names.has(o.metadata.name) && condition(o, 'Ready') === 'True').length === names.size,
    describe: (objs) => objs.filter((o) => names.has(o.metadata.name)).map((o) => `${o.metadata.name}=${condition(o, 'Ready') ?? 'no status'}`).join(', '),
  });
}

export const environmentNamespace = (env: 'development' | 'staging' | 'production'): string => {
  const platform = loadConfig();
  return namespaceOf(platform, platform.environments.find((e) => e.name === env)!);
};

/**
 * Makes sure the platform is in the cluster. When an earlier scenario (ArgoCD bootstrap) synced
 * it, only the stand-ins for controllers that do not run here are added. Otherwise, with ArgoCD
 * running (every `npm run e2e`), the platform is bootstrapped as scenario 1 does it — the root
 * Application, every Application Synced and Healthy — so a scenario run alone meets the same
 * ordering (Gatekeeper refuses a constraint before its template, a direct apply of dist/ has no
 * sync waves). Only without ArgoCD is dist/ applied directly (./apply.ts).
 */
export async function ensurePlatform(cluster: Pick<Cluster, 'kube' | 'kubeconfig'>): Promise<'argocd' | 'bootstrapped by ArgoCD for this scenario' | 'applied by the e2e (no ArgoCD in this run)'> {
  const prod = environmentNamespace('production');
  let present = true;
  try { await cluster.kube.get(`/api/v1/namespaces/${prod}`); } catch { present = false; }
  const gitops = inject('gitops');
  if (!present && gitops) {
    const kube = new ArgoKube({ kubeconfig: gitops.kubeconfig, server: gitops.server });
    const excludedFiles = gitops.excluded.map((x) => x.file);
    await kube.apply(rootApplication(gitops.root, excludedFiles), 'applications');
    await waitApplications(kube, { names: [ROOT_APP, ...renderedApplications(gitops.root, excludedFiles)], what: 'the platform bootstrapped (every Application Synced and Healthy)', timeoutMs: 360_000 });
  } else if (!present) {
    await applyRendered(cluster as Cluster);
    return 'applied by the e2e (no ArgoCD in this run)';
  }
  const files = walk(join(ROOT, 'dist'));
  await applyStandIns(cluster as Cluster, readObjects(files).map((o) => o.obj), { kedaRuns: Boolean(gitops?.controllers?.keda) });
  return present ? 'argocd' : 'bootstrapped by ArgoCD for this scenario';
}

export interface Workload { kind: string; namespace: string; name: string; replicas: number; ready: number; selector: Record<string, string> }

/**
 * The kinds that run the platform's pods. A Rollout is a workload once the Argo Rollouts
 * controller runs (e2e/controllers/argo-rollouts.ts); without its CRD the list is empty.
 */
export const WORKLOAD_KINDS = [
  { kind: 'Deployment', api: '/apis/apps/v1', plural: 'deployments' },
  { kind: 'StatefulSet', api: '/apis/apps/v1', plural: 'statefulsets' },
  { kind: 'Rollout', api: '/apis/argoproj.io/v1alpha1', plural: 'rollouts' },
] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number]['kind'];

export const workloadPath = (kind: WorkloadKind, ns: string, name?: string): string => {
  const k = WORKLOAD_KINDS.find((x) => x.kind === kind)!;
  return `${k.api}/namespaces/${ns}/${k.plural}${name ? `/${name}` : ''}`;
};

/** Objects of a workload kind; a kind the API server does not serve (no CRD) has none. */
async function listKind(kube: Kube, kind: WorkloadKind, ns: string): Promise<KubeObject[]> {
  try {
    return (await kube.list(workloadPath(kind, ns))).items;
  } catch (e) {
    if (kind === 'Rollout' && (e as { status?: number }).status === 404) return [];
    throw e;
  }
}

/** The Deployment or Rollout (whichever exists) named `name`. */
export async function findWorkload(kube: Kube, ns: string, name: string): Promise<{ kind: WorkloadKind; obj: KubeObject }> {
  for (const { kind } of WORKLOAD_KINDS) {
    const obj = (await listKind(kube, kind, ns)).find((o) => o.metadata.name === name);
    if (obj) return { kind, obj };
  }
  throw new Error(`no workload ${ns}/${name} (looked for ${WORKLOAD_KINDS.map((k) => k.kind).join(', ')})`);
}

/** Deployments, StatefulSets and Rollouts of the given namespaces. */
export async function workloads(kube: Kube, namespaces: string[]): Promise<Workload[]> {
  const out: Workload[] = [];
  for (const ns of namespaces) {
    for (const { kind } of WORKLOAD_KINDS) {
      for (const w of await listKind(kube, kind, ns)) {
        out.push({ kind, namespace: ns, name: w.metadata.name, replicas: w.spec.replicas ?? 1, ready: w.status?.readyReplicas ?? 0, selector: w.spec.selector.matchLabels ?? {} });
      }
    }
  }
  return out;
}

/** Ready replicas per workload (`Kind ns/name`), to compare "after" with "before". */
export async function readySnapshot(kube: Kube, namespaces: string[]): Promise<Map<string, number>> {
  return new Map((await workloads(kube, namespaces)).map((w) => [`${w.kind} ${w.namespace}/${w.name}`, w.ready]));
}

/**
 * Waits until every workload of the namespaces has `want(workload)` replicas Ready (default: all
 * of spec.replicas), observed by its controller; fails naming the ones short. (A Rollout's
 * observedGeneration is a string; the comparison reads it as a number.)
 */
export async function waitWorkloadsReady(kube: Kube, namespaces: string[], timeoutMs: number, want?: (key: string, replicas: number) => number): Promise<void> {
  for (const ns of namespaces) {
    for (const { kind } of WORKLOAD_KINDS) {
      if (kind === 'Rollout' && !(await listKind(kube, kind, ns)).length) continue;
      const need = (w: KubeObject): number => (want ? want(`${kind} ${ns}/${w.metadata.name}`, w.spec.replicas ?? 1) : (w.spec.replicas ?? 1));
      await kube.waitFor(workloadPath(kind, ns), {
        what: `${kind}s in ${ns}`, expected: 'their replicas Ready', timeoutMs,
        check: (objs) => objs.every((w) => (w.status?.readyReplicas ?? 0) >= need(w) && Number(w.status?.observedGeneration ?? 0) >= ((w.metadata as { generation?: number }).generation ?? 0)),
        describe: (objs) => objs.filter((w) => (w.status?.readyReplicas ?? 0) < need(w)).map((w) => `${kind} ${w.metadata.name} ${w.status?.readyReplicas ?? 0}/${need(w)} ready`).join(', '),
      });
    }
  }
}

/**
 * The platform settled: every Deployment and Rollout of the namespaces fully Ready; StatefulSets whose pods
 * cannot start for a reason the scenario does not change (a PersistentVolumeClaim no
 * StorageClass can bind) are returned with that reason instead of failing the scenario.
 */
export async function waitPlatformSettled(kube: Kube, namespaces: string[], timeoutMs: number): Promise<string[]> {
  const notes: string[] = [];
  for (const ns of namespaces) {
    for (const kind of ['Deployment', 'Rollout'] as const) {
      if (kind === 'Rollout' && !(await listKind(kube, kind, ns)).length) continue;
      await kube.waitFor(workloadPath(kind, ns), {
        what: `${kind}s in ${ns}`, expected: 'every replica Ready', timeoutMs,
        check: (objs) => objs.every((w) => (w.status?.readyReplicas ?? 0) >= (w.spec.replicas ?? 1)),
        describe: (objs) => objs.filter((w) => (w.status?.readyReplicas ?? 0) < (w.spec.replicas ?? 1)).map((w) => `${w.metadata.name} ${w.status?.readyReplicas ?? 0}/${w.spec.replicas ?? 1} ready`).join(', '),
      });
    }
    for (const w of (await kube.list(`/apis/apps/v1/namespaces/${ns}/statefulsets`)).items) {
      if ((w.status?.readyReplicas ?? 0) >= (w.spec.replicas ?? 1)) continue;
      const pvcs = (await kube.list(`/api/v1/namespaces/${ns}/persistentvolumeclaims`)).items.filter((c) => c.metadata.name.endsWith(`-${w.metadata.name}-0`) && c.status?.phase !== 'Bound');
      if (!pvcs.length) {
        await waitWorkloadsReady(kube, [ns], timeoutMs);
        continue;
      }
      notes.push(`StatefulSet ${ns}/${w.metadata.name} not running: PVC ${pvcs.map((c) => `${c.metadata.name} ${c.status?.phase} (storageClassName ${c.spec.storageClassName ?? 'none: no default StorageClass'})`).join(', ')}`);
    }
  }
  return notes;
}

/** Why the pods of a selector are not running (pending reasons), for messages. */
export async function podProblems(kube: Kube, namespace: string, selector: Record<string, string>): Promise<string> {
  const sel = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const { items } = await kube.list(`/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(sel)}`);
  return items.filter((p) => !podReady(p)).map((p) => {
    const c = (p.status?.conditions as Array<{ type: string; status: string; reason?: string; message?: string }> | undefined)?.find((x) => x.status !== 'True');
    return `${p.metadata.name}: ${p.status?.phase}${c ? ` (${c.type}: ${c.reason ?? ''} ${c.message ?? ''})` : ''}`;
  }).join('; ') || 'none';
}

/** Label selector (matchLabels only, as every rendered PDB uses) → query string. */
export const selectorQuery = (matchLabels: Record<string, string>): string =>
  encodeURIComponent(Object.entries(matchLabels).map(([k, v]) => `${k}=${v}`).join(','));

/** One-line PDB state as `kubectl get pdb` shows it. */
export function pdbLine(p: KubeObject): string {
  const spec = p.spec.minAvailable !== undefined ? `minAvailable ${p.spec.minAvailable}` : `maxUnavailable ${p.spec.maxUnavailable}`;
  const s = p.status ?? {};
  return `PDB ${p.metadata.namespace}/${p.metadata.name} (${spec}): ${s.currentHealthy ?? '?'} healthy, ${s.desiredHealthy ?? '?'} desired, ${s.expectedPods ?? '?'} expected, ${s.disruptionsAllowed ?? '?'} disruptions allowed`;
}
