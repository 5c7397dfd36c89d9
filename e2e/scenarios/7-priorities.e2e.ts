/**
 * Scenario 7 — Priorities. The PriorityClasses and ResourceQuotas as rendered, with the real
 * kube-scheduler doing the preemption:
 *   1. Development fills up: a filler Deployment in the development namespace (copies of
 *      development's scheduler-svc pod template, so its priority class) asks for more pods than
 *      the cluster has room for; the development ResourceQuota caps it. No production pod may be
 *      preempted or evicted meanwhile.
 *   2. Production needs room: every autoscaled production workload goes to its maximum (HPA,
 *      KEDA), more than the free room; the scheduler must preempt development pods and every
 *      production pod must run. Still no production pod may be preempted. (The descheduler
 *      add-on may evict one to restore the zone spread meanwhile: reported, see notByDescheduler.)
 *   3. What makes 1 hold beyond the quota: no development pod outranks a production pod — else,
 *      once production fills the cluster (scale-up, lost zone), development pods preempt it.
 * The cluster is put back (filler deleted, api-svc at its HPA minimum) at the end.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { useCluster } from '../cluster/context.ts';
import { podReady, type Informer, type KubeObject } from '../cluster/kube.ts';
import { loadConfig } from '../../config/index.ts';
import { nodeGroupsOf } from '../../charts/terraform.ts';
import { DESCHEDULER_LOG, deschedulerEvictions } from '../controllers/descheduler.ts';
import { cpuMilli, podRequests, podsPerZone, podsThatFit, placement, zoneRoom } from '../cluster/room.ts';
import { ensurePlatform, environmentNamespace, readySnapshot, waitPlatformSettled, waitWorkloadsReady, workloadPath, type WorkloadKind } from '../cluster/platform.ts';

const c = useCluster();
const dev = environmentNamespace('development');
const prod = environmentNamespace('production');
const appNamespaces = (['development', 'staging', 'production'] as const).map(environmentNamespace);
const FILL = 'e2e-fill';

/** Production pods that disappeared or were marked for disruption, and development pods preempted. */
interface Casualties { production: ProductionCasualty[]; developmentPreempted: string[] }
/** A production pod that went away: its `<namespace>/<name>`, the DisruptionTarget reason if any, and a line for the report. */
interface ProductionCasualty { id: string; reason?: string; text: string }

async function watchCasualties(): Promise<{ casualties: Casualties; informer: Informer }> {
  const casualties: Casualties = { production: [], developmentPreempted: [] };
  const seen = new Set<string>();
  const informer = await c.kube.informer('/api/v1/pods', (_objs, ev) => {
    if (!ev) return;
    const p = ev.object;
    const ns = p.metadata.namespace;
    const disruption = (p.status?.conditions ?? []).find((x: { type: string; status: string }) => x.type === 'DisruptionTarget' && x.status === 'True') as { reason: string; message: string } | undefined;
    const id = `${ns}/${p.metadata.name}`;
    if (ns === prod && (ev.type === 'DELETED' || disruption || p.metadata.deletionTimestamp) && !seen.has(id)) {
      seen.add(id);
      casualties.production.push({ id, reason: disruption?.reason, text: `${id} (${p.spec.priorityClassName}): ${disruption ? `${disruption.reason}: ${disruption.message}` : ev.type === 'DELETED' ? 'deleted' : 'terminating'}` });
    }
    if (ns === dev && disruption?.reason === 'PreemptionByScheduler' && !seen.has(id)) {
      seen.add(id);
      casualties.developmentPreempted.push(`${id} (${p.spec.priorityClassName}): ${disruption.message}`);
    }
  });
  return { casualties, informer };
}

/** How long the descheduler may take to log an eviction the API server already shows. */
const EVICTION_LOGGED_WITHIN_MS = 10_000;
const ZONE_SPREAD_PLUGIN = 'RemovePodsViolatingTopologySpreadConstraint';

/**
 * The production casualties the descheduler add-on does not account for. It evicts a production
 * pod that breaks the DoNotSchedule zone spread; while production scales out by preempting, a zone
 * can briefly hold one pod too many (the scheduler counts pods nominated to other zones, the
 * descheduler does not), and the evicted pod is placed again. That is the add-on at work, not a
 * preemption of production: printed, not failed. Every other production casualty is returned.
 */
async function notByDescheduler(production: readonly ProductionCasualty[]): Promise<string[]> {
  const logFile = join(inject('gitops').workDir, 'descheduler', DESCHEDULER_LOG);
  const byApi = (x: ProductionCasualty) => x.reason === 'EvictionByEvictionAPI';
  const deadline = Date.now() + EVICTION_LOGGED_WITHIN_MS;
  for (;;) {
    const evicted = deschedulerEvictions(logFile);
    const rebalanced = production.filter((x) => byApi(x) && evicted.get(x.id) === ZONE_SPREAD_PLUGIN);
    const left = production.filter((x) => !rebalanced.includes(x));
    // An eviction the log does not show yet may still be the descheduler's: wait for its line.
    if (!left.some(byApi) || Date.now() > deadline) {
      if (rebalanced.length) console.log(`evicted by the descheduler to restore production's zone spread (${ZONE_SPREAD_PLUGIN}): ${rebalanced.map((x) => x.text).join('; ')}`);
      return left.map((x) => x.text);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

const PAUSED_REPLICAS = 'autoscaling.keda.sh/paused-replicas';
/** ScaledObjects this scenario paused (KEDA running): their pause is lifted at the end. */
const paused = new Set<string>();

/** Production Deployments and Rollouts (a Rollout once the real Argo Rollouts controller runs), each with its kind. */
async function productionWorkloads(): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const kind of ['Deployment', 'Rollout'] as const) {
    const items = await c.kube.list(workloadPath(kind, prod)).then((l) => l.items, () => [] as KubeObject[]); // no Rollout CRD: none
    out.push(...items.map((o) => ({ ...o, kind })));
  }
  return out;
}
const scalePath = (w: { kind?: string; name: string }) => `${workloadPath(w.kind as WorkloadKind, prod, w.name)}/scale`;

/**
 * Sets a production workload's replica count. Where KEDA runs and a ScaledObject drives it, its
 * HPA would undo a plain /scale within seconds (empty queue), so the count goes through KEDA's own
 * pause annotation (KEDA scales the target to it and stops autoscaling until it is removed).
 */
async function scaleProduction(w: { kind?: string; name: string }, replicas: number): Promise<void> {
  let sos: KubeObject[] = [];
  try { sos = (await c.kube.list(`/apis/keda.sh/v1alpha1/namespaces/${prod}/scaledobjects`)).items; } catch { /* no KEDA CRD */ }
  const so = sos.find((o) => o.spec.scaleTargetRef.name === w.name && o.status?.conditions?.length);
  if (!so) {
    await c.kube.mergePatch(scalePath(w), { spec: { replicas } });
    return;
  }
  paused.add(so.metadata.name);
  await c.kube.mergePatch(`/apis/keda.sh/v1alpha1/namespaces/${prod}/scaledobjects/${so.metadata.name}`, { metadata: { annotations: { [PAUSED_REPLICAS]: String(replicas) } } });
}

/** Autoscaled production workloads and their maxima (HPA maxReplicas, KEDA maxReplicaCount). */
async function productionMaxima(): Promise<{ maxima: Map<string, number>; deps: KubeObject[] }> {
  const hpas = (await c.kube.list(`/apis/autoscaling/v2/namespaces/${prod}/horizontalpodautoscalers`)).items;
  let scaledObjects: KubeObject[] = [];
  try { scaledObjects = (await c.kube.list(`/apis/keda.sh/v1alpha1/namespaces/${prod}/scaledobjects`)).items; } catch { /* no KEDA CRD */ }
  const maxima = new Map<string, number>([
    ...hpas.map((h) => [h.spec.scaleTargetRef.name as string, h.spec.maxReplicas as number] as const),
    ...scaledObjects.map((so) => [so.spec.scaleTargetRef.name as string, so.spec.maxReplicaCount as number] as const),
  ]);
  const deps = (await productionWorkloads()).filter((d) => maxima.has(d.metadata.name));
  expect(deps.map((d) => d.metadata.name).sort(), 'autoscaled production workloads').toEqual([...maxima.keys()].sort());
  return { maxima, deps };
}

describe('7 Priorities: development never preempts production; production preempts development', () => {
  let before = new Map<string, number>();
  let replicasBefore = new Map<string, { kind?: string; replicas: number }>();

  beforeAll(async () => {
    const how = await ensurePlatform(c);
    const notes = await waitPlatformSettled(c.kube, appNamespaces, 120_000);
    console.log(`platform: ${how}${notes.length ? `\nnot running before the scenario (not caused by it): ${notes.join('; ')}` : ''}`);
    before = await readySnapshot(c.kube, appNamespaces);
    replicasBefore = new Map((await productionWorkloads()).map((d) => [d.metadata.name, { kind: d.kind, replicas: d.spec.replicas as number }]));
  });
  afterAll(async () => {
    await c.kube.delete(`/apis/apps/v1/namespaces/${dev}/deployments/${FILL}`).catch(() => undefined);
    for (const so of paused) {
      await c.kube.mergePatch(`/apis/keda.sh/v1alpha1/namespaces/${prod}/scaledobjects/${so}`, { metadata: { annotations: { [PAUSED_REPLICAS]: null } } }).catch(() => undefined);
    }
    for (const [name, { kind, replicas }] of replicasBefore) {
      await c.kube.mergePatch(scalePath({ kind, name }), { spec: { replicas } }).catch(() => undefined);
    }
    await waitWorkloadsReady(c.kube, appNamespaces, 90_000, (k) => before.get(k) ?? 0).catch((e) => console.log(`restore: ${(e as Error).message}`));
    c.kube.close();
  });

  test('1. development fills up to its quota: no production pod is preempted', async () => {
    const { casualties, informer } = await watchCasualties();
    try {
      const tpl = (await c.kube.get(`/apis/apps/v1/namespaces/${dev}/deployments/scheduler-svc`)).spec.template;
      const labels = { 'app.kubernetes.io/name': FILL, 'app.kubernetes.io/instance': `${FILL}-development`, 'app.kubernetes.io/part-of': 'flextime', 'flextime.io/environment': 'development' };
      const fit = await podsThatFit(c.kube, podRequests(tpl.spec));
      const want = fit + 5; // more than the cluster holds
      await c.kube.create(`/apis/apps/v1/namespaces/${dev}/deployments`, {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: FILL, namespace: dev, labels },
        spec: { replicas: want, selector: { matchLabels: labels }, template: { ...tpl, metadata: { labels } } },
      });
      // Settled: the ReplicaSet created every pod or the quota refused the rest (pods are created one
      // admission at a time — with Gatekeeper's webhook in the path, slower than the first pod's
      // scheduling), then every pod it created is Running or Unschedulable.
      const selector = encodeURIComponent(`app.kubernetes.io/name=${FILL}`);
      const [created] = await c.kube.waitFor(`/apis/apps/v1/namespaces/${dev}/replicasets?labelSelector=${selector}`, {
        what: 'development filler ReplicaSet', expected: `all ${want} pods created or a ReplicaFailure (quota), within 60 s`, timeoutMs: 60_000,
        check: (sets) => sets.length === 1 && ((sets[0].status?.replicas ?? 0) >= want || (sets[0].status?.conditions ?? []).some((x: { type: string }) => x.type === 'ReplicaFailure')),
        describe: (sets) => sets.map((r) => `${r.metadata.name}: ${r.status?.replicas ?? 0} of ${want} created`).join(', ') || 'no ReplicaSet',
      });
      const createdCount = created.status?.replicas ?? 0;
      const settled = await c.kube.waitFor(`/api/v1/namespaces/${dev}/pods?labelSelector=${selector}`, {
        what: 'development filler', expected: `the ${createdCount} filler pods each Running or Unschedulable, within 60 s`, timeoutMs: 60_000,
        check: (pods) => pods.length >= createdCount && pods.every((p) => podReady(p) || (p.status?.conditions ?? []).some((x: { reason?: string }) => x.reason === 'Unschedulable')) && pods.length > 0,
        describe: (pods) => `${pods.length} pods: ${pods.filter((p) => !podReady(p)).map((p) => `${p.metadata.name} ${p.status?.phase}`).join(', ') || 'all Ready'}`,
      });
      // Wait for the ReplicaSet to report why it stopped short (quota), if it did.
      const rs = (await c.kube.list(`/apis/apps/v1/namespaces/${dev}/replicasets?labelSelector=${encodeURIComponent(`app.kubernetes.io/name=${FILL}`)}`)).items[0];
      const capped = (rs?.status?.conditions ?? []).find((x: { type: string }) => x.type === 'ReplicaFailure') as { message: string } | undefined;
      const running = settled.filter(podReady).length;
      console.log(`development filler: asked ${want} (the cluster had room for ${fit}), ${settled.length} created, ${running} running; ${capped ? `stopped by quota: ${capped.message.split(':').slice(-2).join(':').trim()}` : 'not capped by quota'}`);
      expect(await notByDescheduler(casualties.production), 'production pods preempted or evicted while development filled up').toEqual([]);
    } finally {
      informer.stop();
    }
  });

  test('2a. production at its autoscaling maxima fits the node group at its maxSize (the cluster autoscaler\'s room)', async () => {
    // On a busy day every autoscaled production workload runs at its maximum (HPA maxReplicas,
    // KEDA maxReplicaCount). minSize nodes cannot hold that; the cluster-autoscaler add-on grows
    // the node group up to maxSize. The autoscaler cannot run here (the Go module proxy serves no
    // version of k8s.io/autoscaler/cluster-autoscaler), so this checks its premise by arithmetic:
    // the maxima's requests, plus what runs now, fit maxSize nodes of the group's instance type.
    const { maxima, deps } = await productionMaxima();
    const extra = deps.reduce((a, d) => a + podRequests(d.spec.template.spec).cpu * (maxima.get(d.metadata.name)! - d.spec.replicas), 0);
    const nodes = (await c.kube.list('/api/v1/nodes')).items;
    const used = (await c.kube.list('/api/v1/pods')).items.filter((p) => p.spec.nodeName && !['Succeeded', 'Failed'].includes(p.status?.phase) && p.metadata.labels?.['app.kubernetes.io/name'] !== FILL)
      .reduce((a, p) => a + podRequests(p.spec).cpu, 0);
    const perNode = cpuMilli(nodes[0].status.allocatable.cpu);
    const platform = loadConfig();
    const group = nodeGroupsOf(platform, platform.gitops.controlCluster).groups[0];
    if (!group) throw new Error(`cluster ${platform.gitops.controlCluster} has no node group`);
    const room = perNode * group.maxSize;
    console.log(`production at its maxima (${deps.map((d) => `${d.metadata.name} → ${maxima.get(d.metadata.name)}`).join(', ')}): ${((used + extra) / 1000).toFixed(2)} CPU requested in all; ` +
      `${nodes.length} nodes hold ${((perNode * nodes.length) / 1000).toFixed(2)}, the group's maxSize ${group.maxSize} holds ${(room / 1000).toFixed(2)}`);
    expect(used + extra, `CPU requests with production at its maxima vs ${group.maxSize} × ${group.instanceTypes[0]} (node group ${group.name} maxSize)`).toBeLessThanOrEqual(room);
  });

  test('2b. production needs more room than is free: it preempts development pods', async () => {
    const { casualties, informer } = await watchCasualties();
    try {
      // Production scales out (its HPA and KEDA would, under load) by more than the free room
      // holds, but by no more than development gives back: the scheduler must preempt
      // development pods. Both workloads spread over zones with DoNotSchedule, so room counts per
      // zone: a pod may only go to a zone where its workload has the fewest pods, and preemption
      // can only free what development holds in that zone (kubernetes#117634). Pods are added one
      // at a time, cheapest workload first, within their maxima, while every zone can hold its
      // worst case (the balanced count rounded up, less the pods it has) in free room plus
      // development's pods there — until the extra requests exceed the free CPU by one pod of the
      // cheapest.
      const { maxima, deps } = await productionMaxima();
      const zones = await zoneRoom(c.kube, dev);
      const freeCpu = [...zones.values()].reduce((a, z) => a + z.free, 0);
      const devCpu = [...zones.values()].reduce((a, z) => a + z.dev, 0);
      const cpuOf = new Map(deps.map((d) => [d.metadata.name as string, podRequests(d.spec.template.spec).cpu]));
      const cheapestFirst = [...deps].sort((a, b) => cpuOf.get(a.metadata.name)! - cpuOf.get(b.metadata.name)!);
      const target = new Map(cheapestFirst.map((d) => [d.metadata.name as string, d.spec.replicas as number]));
      const perZone = new Map(await Promise.all(cheapestFirst.map(async (d) => [d.metadata.name as string, await podsPerZone(c.kube, prod, d.metadata.name, [...zones.keys()])] as const)));
      /** CPU each zone must hold, worst case, for `t` (balanced counts rounded up, less what runs there). */
      const demand = (t: Map<string, number>) => {
        const out = new Map([...zones.keys()].map((z) => [z, 0]));
        for (const [name, n] of t) {
          const share = Math.ceil(n / zones.size);
          for (const [z, have] of perZone.get(name)!) out.set(z, out.get(z)! + Math.max(0, share - have) * cpuOf.get(name)!);
        }
        return out;
      };
      const fits = (t: Map<string, number>) => [...demand(t)].every(([z, cpu]) => cpu <= zones.get(z)!.free + zones.get(z)!.dev);
      const threshold = freeCpu + Math.min(...cpuOf.values());
      let extra = 0;
      for (const [name] of target) {
        while (extra <= threshold && target.get(name)! < maxima.get(name)!) {
          const next = new Map(target).set(name, target.get(name)! + 1);
          if (!fits(next)) break;
          target.set(name, next.get(name)!);
          extra += cpuOf.get(name)!;
        }
      }
      const room = [...zones].map(([z, r]) => `${z} ${(r.free / 1000).toFixed(2)} free + ${(r.dev / 1000).toFixed(2)} development, needs ≤ ${(demand(target).get(z)! / 1000).toFixed(2)}`).join('; ');
      console.log(`production ${[...target].map(([n, r]) => `${n} → ${r}`).join(', ')}: +${(extra / 1000).toFixed(2)} CPU requested, ${(freeCpu / 1000).toFixed(2)} CPU free, development holds ${(devCpu / 1000).toFixed(2)} CPU; by zone: ${room}`);
      expect(extra, `production within its maxima, placeable zone by zone, needs more than the free room (else nothing has to be preempted); by zone: ${room}`).toBeGreaterThan(freeCpu);
      const kindOf = new Map(deps.map((d) => [d.metadata.name as string, d.kind]));
      for (const [name, r] of target) await scaleProduction({ kind: kindOf.get(name), name }, r);
      const readyOf = (pods: KubeObject[], name: string) => pods.filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === name && podReady(p)).length;
      try {
        await c.kube.waitFor(`/api/v1/namespaces/${prod}/pods`, {
          what: 'production scaled out', expected: `every pod Running within 90 s, development pods preempted to make room (${[...target].map(([n, r]) => `${n} ${r}`).join(', ')})`, timeoutMs: 90_000,
          check: (pods) => [...target].every(([n, r]) => readyOf(pods, n) >= r),
          describe: (pods) => {
            const pending = pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Pending');
            const why = pending[0]?.status?.conditions?.find((x: { type: string }) => x.type === 'PodScheduled')?.message ?? '';
            return `${[...target].map(([n, r]) => `${n} ${readyOf(pods, n)}/${r} Ready`).join(', ')}; ` +
              `${pending.length} Pending (${pending.map((p) => `${p.metadata.name} ${p.spec.priorityClassName}`).slice(0, 3).join(', ')}${pending.length > 3 ? ', …' : ''}: ${why}); ` +
              `development pods preempted: ${casualties.developmentPreempted.length}`;
          },
        });
      } catch (e) {
        // Name what stands in the way: running development pods a pending production pod may not preempt.
        const pcs = new Map((await c.kube.list('/apis/scheduling.k8s.io/v1/priorityclasses')).items.map((p) => [p.metadata.name, (p as unknown as { value: number }).value]));
        const byClass = new Map<string, number>();
        for (const p of (await c.kube.list(`/api/v1/namespaces/${dev}/pods`)).items.filter(podReady)) byClass.set(p.spec.priorityClassName ?? '(none)', (byClass.get(p.spec.priorityClassName ?? '(none)') ?? 0) + 1);
        throw new Error(`${(e as Error).message}\nrunning development pods by priority class: ${[...byClass].map(([k, n]) => `${k} (${pcs.get(k) ?? 0}) × ${n}`).join(', ')} — a pending production pod only preempts lower priorities\n${await placement(c.kube, { dev, prod }, [...target.keys()])}`);
      }
      expect(casualties.developmentPreempted.length, 'development pods preempted by the scheduler to make room for production').toBeGreaterThan(0);
      expect(await notByDescheduler(casualties.production), 'production pods preempted or evicted').toEqual([]);
      console.log(`preempted: ${casualties.developmentPreempted.length} development pods, e.g. ${casualties.developmentPreempted.slice(0, 2).join('; ')}`);
    } finally {
      informer.stop();
    }
  });

  test('3. no development pod outranks a production pod (the guard when production fills the cluster)', async () => {
    const pcs = new Map((await c.kube.list('/apis/scheduling.k8s.io/v1/priorityclasses')).items.map((p) => [p.metadata.name, p as KubeObject & { value: number; preemptionPolicy?: string }]));
    const value = (p: KubeObject): number => pcs.get(p.spec.priorityClassName)?.value ?? 0;
    const pods = (await c.kube.list('/api/v1/pods')).items.filter((p) => !p.metadata.deletionTimestamp && p.metadata.labels?.['app.kubernetes.io/name'] !== FILL);
    const prodPods = pods.filter((p) => p.metadata.namespace === prod && podReady(p));
    const lowestProd = prodPods.reduce((a, p) => (value(p) < value(a) ? p : a), prodPods[0]);
    const outranking = pods.filter((p) => p.metadata.namespace === dev && value(p) > value(lowestProd) && pcs.get(p.spec.priorityClassName)?.preemptionPolicy !== 'Never');
    const owners = [...new Set(outranking.map((p) => `${p.metadata.labels?.['app.kubernetes.io/name']} (${p.spec.priorityClassName} ${value(p)})`))];
    expect(owners, `development pods that may preempt production ${lowestProd.metadata.labels?.['app.kubernetes.io/name']} (${lowestProd.spec.priorityClassName} ${value(lowestProd)}) once the cluster is full`).toEqual([]);
  });
});
