/**
 * Scenario 11 — Queue-driven scaling with KEDA (issue 18). Real KEDA 2.17.2 (operator + metrics
 * server behind the aggregation layer), real Redis, the real HPA controller of
 * kube-controller-manager (e2e/controllers/keda.ts).
 *
 * Runbook, on staging's scheduler-svc (in-cluster Redis, like production's queue but without
 * ElastiCache; production's maximum of 10 does not fit the e2e's three nodes, see scenario 7):
 *   1. KEDA's operator runs (it renews its leader Lease) and every ScaledObject is Ready: KEDA
 *      reached each environment's Redis with the password its TriggerAuthentication reads
 *      (production's over TLS at its ElastiCache name), and no check of KEDA failed before the
 *      ScaledObject was first Ready (ArgoCD applies it after its TriggerAuthentication).
 *   2. Jobs pushed onto the queue scale scheduler-svc to its maximum — through the HPA KEDA made
 *      (the one the ScaledObject's status names), which reads the queue length as an external
 *      metric through the aggregator.
 *   3. The queue drained, the HPA first holds the maximum (its scale-down window), then returns
 *      to the minimum.
 *   4. The Redis password rotates (its server-side Secret) while the TriggerAuthentication's
 *      Secret still holds the old one: KEDA is refused (WRONGPASS); once that Secret gets the new
 *      value KEDA reads the queue again — the password comes from the Secret, nowhere else.
 *
 * The one change: the scale-down window is 300 s as rendered (cooldownPeriodSeconds); the scenario
 * commits 10 s for staging's ScaledObject through git (as an operator would, synced by ArgoCD)
 * and reverts it at the end, once the workload is back at its minimum.
 *
 * A wait on KEDA's work that times out also tells whether the operator still runs: a KEDA
 * operator that had exited (2.17 exits when a watched CRD is missing) left the HPA as it was and
 * showed only as "saw window 300" (the fresh-clone run that had KEDA reverted).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCluster } from '../cluster/context.ts';
import { ensurePlatform } from '../cluster/platform.ts';
import { APPLICATIONS_PATH } from '../controllers/argocd.ts';
import { appLine, waitApplications } from '../controllers/applications.ts';
import type { KedaHandle } from '../controllers/keda.ts';
import { redisCli } from '../controllers/keda-redis.ts';
import { kubePath, type KubeObject } from '../controllers/kube.ts';
import { context, seconds, type Ctx } from './context.ts';

/**
 * What the platform promises for staging's scheduler-svc (hand-written, not read from config):
 * 1 to 4 workers, one per 2 queued solves, on the queue `flextime:schedule-jobs` that api-svc
 * enqueues onto. Every environment's ScaledObject must be Ready.
 */
const EXPECTED = { namespace: 'flextime-staging', app: 'staging-scheduler-svc', workload: 'scheduler-svc', min: 1, max: 4, jobsPerReplica: 2 };
const QUEUE = 'flextime:schedule-jobs';
const ENVIRONMENTS = ['flextime-development', 'flextime-staging', 'flextime-production'];
const WINDOW_S = 10;
/** KEDA and the HPA controller acting (HPA sync 5 s, KEDA polling 15 s). */
const WITHIN_MS = 60_000;
/** A commit reaching the cluster through ArgoCD (refresh of every Application, then the sync), as in scenario 6. */
const SYNC_WITHIN_MS = 120_000;
/** The operator renews its Lease every 2 s; it expires after 15 s (client-go's defaults, which KEDA keeps). */
const LEASE_WITHIN_MS = 15_000;
/** KEDA's events for a ScaledObject check or scaler that failed. */
const FAILED_CHECKS = new Set(['ScaledObjectCheckFailed', 'KEDAScalerFailed']);

const SO_FILE = join('dist', 'staging', 'scheduler-svc', 'scaledobject-scheduler-svc.yaml');
const NS = EXPECTED.namespace;
const deployments = kubePath('apps/v1', 'deployments', NS);
const hpas = kubePath('autoscaling/v2', 'horizontalpodautoscalers', NS);
const scaledObjects = (ns: string) => kubePath('keda.sh/v1alpha1', 'scaledobjects', ns);

let ctx: Ctx;
let keda: KedaHandle;
let windowCommit: string | undefined;
let hpaName: string | undefined;

const cond = (o: KubeObject | undefined, type: string) => o?.status?.conditions?.find((c: { type: string }) => c.type === type);
const quantity = (q: string | undefined): number | undefined => {
  const m = q ? /^(\d+(?:\.\d+)?)(m|k)?$/.exec(q) : null;
  return m ? Number(m[1]) * (m[2] === 'm' ? 1e-3 : m[2] === 'k' ? 1e3 : 1) : undefined;
};
/**
 * The queue length the HPA last read: KEDA's metric is an AverageValue target, so the HPA's status
 * shows it per current replica (rounded up in milli-units); times currentReplicas gives it back.
 */
const queueSeen = (h: KubeObject | undefined): number | undefined => {
  const cur = (h?.status?.currentMetrics ?? []).find((m: { type: string }) => m.type === 'External')?.external?.current;
  const avg = quantity(cur?.averageValue);
  return avg !== undefined ? Math.round(avg * (h?.status?.currentReplicas ?? 0)) : quantity(cur?.value);
};
const windowOf = (h: KubeObject | undefined): number | undefined => h?.spec?.behavior?.scaleDown?.stabilizationWindowSeconds;
const hpaLine = (h: KubeObject | undefined) =>
  h ? `HPA ${h.metadata?.name}: current ${h.status?.currentReplicas}, desired ${h.status?.desiredReplicas}, queue length read ${queueSeen(h) ?? 'none'}, window ${windowOf(h)} s, ${(h.status?.conditions ?? []).map((c: { type: string; status: string; reason: string }) => `${c.type}=${c.status}/${c.reason}`).join(' ')}` : 'no HPA';
const logTail = (file: string, lines = 6) => (existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : `(no ${file})`);

/** Waits for KEDA's operator to renew its leader Lease after now: it runs and reaches the API server. */
async function operatorRenewsLease(): Promise<string> {
  const { namespace, name } = keda.operatorLease;
  const t0 = Date.now();
  const renewed = (l: KubeObject | undefined) => (l?.spec?.renewTime ? Date.parse(l.spec.renewTime) : undefined);
  const lease = await ctx.kube.waitFor(
    {
      path: kubePath('coordination.k8s.io/v1', 'leases', namespace), name, timeoutMs: LEASE_WITHIN_MS,
      what: `KEDA's operator renewing its leader Lease ${namespace}/${name} (every 2 s while it runs)`,
      describe: ([l]) => `${l ? `last renewal ${l.spec?.renewTime} by ${l.spec?.holderIdentity}` : 'no Lease'}; last lines of ${keda.operatorLog}:\n${logTail(keda.operatorLog)}`,
    },
    ([l]) => ((renewed(l) ?? 0) > t0 ? l : undefined),
  );
  return `KEDA's operator runs (Lease renewed ${lease.spec.renewTime} by ${lease.spec.holderIdentity})`;
}

/** A wait on KEDA's work; when it fails, the error also says whether the operator still runs and what the HPA shows. */
async function kedaWait<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (e) {
    const operator = await operatorRenewsLease().catch((le: Error) => le.message);
    const hpa = hpaName ? hpaLine(await ctx.kube.find(`${hpas}/${hpaName}`)) : 'HPA not known yet';
    throw new Error(`${(e as Error).message}\n${hpa}\n${operator}`);
  }
}

/** The HPA KEDA made for staging's ScaledObject: the name its status gives (KEDA's default is keda-hpa-<name>). */
async function kedaHpa(): Promise<string> {
  if (hpaName) return hpaName;
  const so = await kedaWait(ctx.kube.waitFor(
    { path: scaledObjects(NS), name: 'scheduler-svc', what: `ScaledObject ${NS}/scheduler-svc naming its HPA (status.hpaName)`, timeoutMs: WITHIN_MS, describe: ([o]) => JSON.stringify(o?.status ?? 'no status') },
    ([o]) => (o?.status?.hpaName ? o : undefined),
  ));
  const name = so.status.hpaName as string;
  await kedaWait(ctx.kube.waitFor(
    { path: hpas, name, what: `HPA ${NS}/${name} made by KEDA for ScaledObject scheduler-svc`, timeoutMs: WITHIN_MS },
    ([h]) => (h?.metadata?.ownerReferences?.some((r: { kind: string; uid: string }) => r.kind === 'ScaledObject' && r.uid === so.metadata?.uid) ? h : undefined),
  ));
  return (hpaName = name);
}

async function waitReplicas(want: number, what: string): Promise<number> {
  const t0 = Date.now();
  await kedaWait(ctx.kube.waitFor(
    { path: deployments, name: EXPECTED.workload, what, timeoutMs: WITHIN_MS, describe: ([d]) => `replicas ${d?.spec?.replicas}` },
    ([d]) => (d?.spec?.replicas === want ? d : undefined),
  ));
  return Date.now() - t0;
}

beforeAll(async () => {
  ctx = context();
  keda = ctx.h.controllers?.keda as KedaHandle;
  if (!keda) throw new Error('KEDA is not running in this e2e (no controllers.keda handle): see the global setup output');
  console.log(`platform: ${await ensurePlatform(useCluster())}`);
}, 420_000);

afterAll(async () => {
  if (!ctx || !keda) return;
  const r = keda.redis[NS];
  if (r) redisCli(r, ['DEL', QUEUE]);
  if (windowCommit) {
    // Back at the minimum first: with the rendered 300 s window it would take 5 minutes.
    await waitReplicas(EXPECTED.min, `${EXPECTED.workload} back at ${EXPECTED.min} before the window is reverted`).catch((e) => console.log(`restore: ${(e as Error).message}`));
    const rev = await ctx.revertAndPush(windowCommit);
    await waitApplications(ctx.kube, { names: [EXPECTED.app], what: `${EXPECTED.app} Synced at the revert ${rev.slice(0, 12)}`, timeoutMs: SYNC_WITHIN_MS, ok: (a) => a?.status?.sync?.revision === rev && a?.status?.sync?.status === 'Synced' })
      .catch((e) => console.log(`restore: ${(e as Error).message}`));
  }
}, 300_000);

describe('11 KEDA queue scaling', () => {
  it('KEDA runs and every ScaledObject is Ready, with no failed check before it first was: KEDA reads each environment\'s queue with its TriggerAuthentication\'s password', async () => {
    console.log(await operatorRenewsLease());
    for (const ns of ENVIRONMENTS) {
      const so = await kedaWait(ctx.kube.waitFor(
        { path: scaledObjects(ns), name: 'scheduler-svc', what: `ScaledObject ${ns}/scheduler-svc Ready`, timeoutMs: WITHIN_MS, describe: ([o]) => JSON.stringify(o?.status?.conditions ?? 'no status') },
        ([o]) => (cond(o, 'Ready')?.status === 'True' && cond(o, 'Fallback')?.status !== 'True' ? o : undefined),
      ));
      const r = keda.redis[ns];
      console.log(`${ns}: ScaledObject Ready (${cond(so, 'Ready')?.reason}); Redis ${r?.host}:${r?.port}${r?.tls ? ' over TLS' : ''}`);
      // Its first reconcile: KEDA emits ScaledObjectReady when the ScaledObject turns Ready (the
      // event's firstTimestamp is the first time); a check that failed before it was Degraded to ArgoCD.
      const events = (await ctx.kube.list(kubePath('v1', 'events', ns))).filter((e) => e.involvedObject?.uid === so.metadata?.uid);
      const at = (e: KubeObject) => Date.parse(e.firstTimestamp ?? e.eventTime ?? e.lastTimestamp ?? 0);
      const ready = events.find((e) => e.reason === 'ScaledObjectReady');
      expect(ready, `${ns}: KEDA's ScaledObjectReady event on scheduler-svc (events: ${events.map((e) => e.reason).join(', ') || 'none'})`).toBeDefined();
      const failedFirst = events.filter((e) => FAILED_CHECKS.has(e.reason) && at(e) <= at(ready!)).map((e) => `${e.firstTimestamp} ${e.reason} ×${e.count ?? 1}: ${e.message}`);
      expect(failedFirst, `${ns}: KEDA's checks of scheduler-svc that failed before it first was Ready (${ready!.firstTimestamp})`).toEqual([]);
    }
    expect(keda.redis['flextime-production']?.tls, 'production reads its queue over TLS (ElastiCache)').toBe(true);
  });

  it(`pushing jobs scales ${EXPECTED.workload} to its maximum (${EXPECTED.max}) through the HPA and the external metrics API`, async () => {
    const hpa = await kedaHpa();
    // The window first (see the module comment): committed and synced before the load arrives.
    const file = join(ctx.h.gitWorkdir, SO_FILE);
    const doc = parseDocument(readFileSync(file, 'utf8'));
    doc.setIn(['spec', 'advanced', 'horizontalPodAutoscalerConfig', 'behavior', 'scaleDown', 'stabilizationWindowSeconds'], WINDOW_S);
    writeFileSync(file, doc.toString());
    const commit = (windowCommit = await ctx.commitAndPush(`e2e: staging scheduler-svc scale-down window ${WINDOW_S} s (scenario 11)`));
    const t0 = Date.now();
    const [app] = await waitApplications(ctx.kube, { names: [EXPECTED.app], what: `${EXPECTED.app} Synced at the window commit ${commit.slice(0, 12)}`, timeoutMs: SYNC_WITHIN_MS, ok: (a) => a?.status?.sync?.revision === commit && a?.status?.sync?.status === 'Synced' });
    const so = await ctx.kube.get(`${scaledObjects(NS)}/scheduler-svc`);
    expect(so.spec?.advanced?.horizontalPodAutoscalerConfig?.behavior?.scaleDown?.stabilizationWindowSeconds, `ScaledObject ${NS}/scheduler-svc's window once ${appLine(app)}`).toBe(WINDOW_S);
    await kedaWait(ctx.kube.waitFor(
      { path: hpas, name: hpa, what: `HPA ${hpa} with the ScaledObject's ${WINDOW_S} s scale-down window (KEDA updates its HPA)`, timeoutMs: WITHIN_MS, describe: ([h]) => hpaLine(h) },
      ([h]) => (windowOf(h) === WINDOW_S ? h : undefined),
    ));
    console.log(`window ${WINDOW_S} s: synced by ArgoCD and on HPA ${hpa} ${seconds(Date.now() - t0)} after the push`);
    await waitReplicas(EXPECTED.min, `${EXPECTED.workload} at its minimum ${EXPECTED.min} with an empty queue`);

    const jobs = EXPECTED.max * EXPECTED.jobsPerReplica * 3; // enough for three times the maximum
    redisCli(keda.redis[NS], ['DEL', QUEUE]);
    redisCli(keda.redis[NS], ['RPUSH', QUEUE, ...Array.from({ length: jobs }, (_, i) => `{"job":${i}}`)]);
    const took = await waitReplicas(EXPECTED.max, `${EXPECTED.workload} scaled to ${EXPECTED.max} by its HPA after ${jobs} jobs were queued on ${QUEUE}`);
    // The HPA writes its status after it scaled: wait for it to show what it read.
    const h = await kedaWait(ctx.kube.waitFor(
      { path: hpas, name: hpa, what: `HPA ${hpa} status: desired ${EXPECTED.max}, queue length ${jobs} read through external.metrics.k8s.io`, timeoutMs: 30_000, describe: ([x]) => hpaLine(x) },
      ([x]) => (x?.status?.desiredReplicas === EXPECTED.max && queueSeen(x) === jobs ? x : undefined),
    ));
    console.log(`${jobs} jobs → ${EXPECTED.max} replicas in ${seconds(took)}; ${hpaLine(h)}`);
    expect(cond(h, 'ScalingLimited')?.reason, 'the HPA wanted more than the maximum and was capped').toBe('TooManyReplicas');
    expect(h.spec.maxReplicas, 'the HPA KEDA made caps at the maximum').toBe(EXPECTED.max);
  });

  it(`draining the queue: the HPA holds ${EXPECTED.max} for its scale-down window, then returns ${EXPECTED.workload} to its minimum (${EXPECTED.min})`, async () => {
    const hpa = await kedaHpa();
    const before = await ctx.kube.get(`${deployments}/${EXPECTED.workload}`);
    expect(before.spec?.replicas, `premise: ${EXPECTED.workload} at its maximum before the drain (the scale-up above)`).toBe(EXPECTED.max);
    const t0 = Date.now();
    redisCli(keda.redis[NS], ['DEL', QUEUE]);
    // The first status in which the HPA read the empty queue: the window's recommendations (the
    // maximum, read less than 10 s before) must hold the replicas there.
    const first = await kedaWait(ctx.kube.waitFor(
      { path: hpas, name: hpa, what: `HPA ${hpa} reading the empty queue ${QUEUE}`, timeoutMs: WITHIN_MS, describe: ([h]) => hpaLine(h) },
      ([h]) => (queueSeen(h) === 0 ? h : undefined),
    ));
    console.log(`empty queue read ${seconds(Date.now() - t0)} after the drain: ${hpaLine(first)}`);
    expect(first.status.desiredReplicas, `replicas the HPA wanted when it first read the empty queue (its ${WINDOW_S} s window holds the maximum)`).toBe(EXPECTED.max);
    expect(cond(first, 'AbleToScale')?.reason, 'why the HPA kept the replicas: the scale-down window').toBe('ScaleDownStabilized');
    const took = await waitReplicas(EXPECTED.min, `${EXPECTED.workload} back at ${EXPECTED.min} after the queue was drained (${WINDOW_S} s window)`);
    console.log(`then → ${EXPECTED.min} replica ${seconds(Date.now() - t0)} after the drain (${seconds(took)} after the empty queue was read)`);
  });

  it('a wrong password is refused; KEDA takes the password from the TriggerAuthentication\'s Secret', async () => {
    const hpa = await kedaHpa();
    const r = keda.redis[NS];
    const secretPath = (name: string) => kubePath('v1', 'secrets', NS, name);
    const uid = (await ctx.kube.get(`${scaledObjects(NS)}/scheduler-svc`)).metadata?.uid;
    const rotated = randomBytes(18).toString('hex');
    const t0 = new Date();
    // Rotation reaches Redis first (its Secret; e2e/controllers/keda-secrets.ts follows it).
    await ctx.kube.patch(secretPath(r.serverSecret.name), { stringData: { [r.serverSecret.key]: rotated } });
    const failed = await kedaWait(ctx.kube.waitFor(
      { path: kubePath('v1', 'events', NS), what: `a KEDAScalerFailed event on ScaledObject ${NS}/scheduler-svc refusing the old password`, timeoutMs: WITHIN_MS, describe: (evs) => `${evs.filter((e) => e.involvedObject?.uid === uid).length} events on the ScaledObject` },
      (evs) => evs.find((e) => e.involvedObject?.uid === uid && e.reason === 'KEDAScalerFailed' && new Date(e.lastTimestamp ?? e.eventTime ?? 0) >= new Date(t0.getTime() - 1000) && /WRONGPASS|invalid (username-)?password/i.test(e.message)),
    ));
    console.log(`wrong password: ${failed.reason}: ${failed.message}`);

    // The TriggerAuthentication's Secret gets the new value: KEDA reads the queue again.
    await ctx.kube.patch(secretPath(r.passwordSecret.name), { stringData: { [r.passwordSecret.key]: rotated } });
    const marker = EXPECTED.jobsPerReplica * 3 + 1; // not the fallback's value (fallback replicas × listLength)
    redisCli(r, ['RPUSH', QUEUE, ...Array.from({ length: marker }, (_, i) => `{"job":"auth-${i}"}`)]);
    const h = await kedaWait(ctx.kube.waitFor(
      { path: hpas, name: hpa, what: `HPA ${hpa} reading the queue length ${marker} again after ${r.passwordSecret.name} got the new password`, timeoutMs: WITHIN_MS, describe: ([x]) => hpaLine(x) },
      ([x]) => (queueSeen(x) === marker ? x : undefined),
    ));
    console.log(`Secret updated → ${hpaLine(h)}`);
    redisCli(r, ['DEL', QUEUE]);
    const app = await ctx.kube.get(`${APPLICATIONS_PATH}/${EXPECTED.app}`);
    console.log(appLine(app));
  });
});
