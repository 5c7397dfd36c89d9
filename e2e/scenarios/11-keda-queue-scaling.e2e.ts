/**
 * Scenario 11 — Queue-driven scaling with KEDA (issue 18). Real KEDA 2.17.2 (operator + metrics
 * server behind the aggregation layer), real Redis, the real HPA controller of
 * kube-controller-manager (e2e/controllers/keda.ts).
 *
 * Runbook, on staging's scheduler-svc (in-cluster Redis, like production's queue but without
 * ElastiCache; production's maximum of 10 does not fit the e2e's three nodes, see scenario 7):
 *   1. Every ScaledObject is Ready: KEDA reached each environment's Redis with the password its
 *      TriggerAuthentication reads (production's over TLS at its ElastiCache name).
 *   2. Jobs pushed onto the queue scale scheduler-svc to its maximum — through the HPA KEDA made,
 *      which reads the queue length as an external metric through the aggregator.
 *   3. The queue drained, it returns to its minimum after the scale-down window.
 *   4. The Redis password rotates (its server-side Secret) while the TriggerAuthentication's
 *      Secret still holds the old one: KEDA is refused (WRONGPASS); once that Secret gets the new
 *      value KEDA reads the queue again — the password comes from the Secret, nowhere else.
 *
 * The one change: the scale-down window is 300 s as rendered (cooldownPeriodSeconds); the scenario
 * commits 10 s for staging's ScaledObject through git (as an operator would, synced by ArgoCD)
 * and reverts it at the end, once the workload is back at its minimum.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const WITHIN_MS = 60_000;

const SO_FILE = join('dist', 'staging', 'scheduler-svc', 'scaledobject-scheduler-svc.yaml');
const NS = EXPECTED.namespace;
const deployments = kubePath('apps/v1', 'deployments', NS);
const hpas = kubePath('autoscaling/v2', 'horizontalpodautoscalers', NS);
const scaledObjects = (ns: string) => kubePath('keda.sh/v1alpha1', 'scaledobjects', ns);

let ctx: Ctx;
let keda: KedaHandle;
let windowCommit: string | undefined;

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
const hpaLine = (h: KubeObject | undefined) =>
  h ? `HPA ${h.metadata?.name}: current ${h.status?.currentReplicas}, desired ${h.status?.desiredReplicas}, queue length read ${queueSeen(h) ?? 'none'}, ${(h.status?.conditions ?? []).filter((c: { status: string }) => c.status !== 'True').map((c: { type: string; reason: string }) => `${c.type}=${c.reason}`).join(' ')}` : 'no HPA';

async function waitReplicas(want: number, what: string): Promise<number> {
  const t0 = Date.now();
  let hpa: KubeObject | undefined;
  await ctx.kube.waitFor(
    {
      path: deployments, name: EXPECTED.workload, what, timeoutMs: WITHIN_MS,
      describe: ([d]) => `replicas ${d?.spec?.replicas}; ${hpaLine(hpa)}`,
    },
    ([d]) => {
      void ctx.kube.find(`${hpas}/${EXPECTED.workload}`).then((h) => (hpa = h));
      return d?.spec?.replicas === want ? d : undefined;
    },
  );
  return Date.now() - t0;
}

beforeAll(async () => {
  ctx = context();
  keda = ctx.h.controllers?.keda as KedaHandle;
  if (!keda) throw new Error('KEDA is not running in this e2e (no controllers.keda handle): see the global setup output');
}, 120_000);

afterAll(async () => {
  if (!ctx || !keda) return;
  const r = keda.redis[NS];
  if (r) redisCli(r, ['DEL', QUEUE]);
  if (windowCommit) {
    // Back at the minimum first: with the rendered 300 s window it would take 5 minutes.
    await waitReplicas(EXPECTED.min, `${EXPECTED.workload} back at ${EXPECTED.min} before the window is reverted`).catch((e) => console.log(`restore: ${(e as Error).message}`));
    ctx.git('revert', '--no-edit', windowCommit);
    ctx.git('push', '--quiet', 'origin', 'HEAD:main');
    const rev = ctx.git('rev-parse', 'HEAD');
    await ctx.refreshAll('normal');
    await waitApplications(ctx.kube, { names: [EXPECTED.app], what: `${EXPECTED.app} Synced at the revert ${rev.slice(0, 12)}`, timeoutMs: WITHIN_MS, ok: (a) => a?.status?.sync?.revision === rev && a?.status?.sync?.status === 'Synced' })
      .catch((e) => console.log(`restore: ${(e as Error).message}`));
  }
}, 180_000);

describe('11 KEDA queue scaling', () => {
  it('every ScaledObject is Ready: KEDA reads each environment\'s queue with its TriggerAuthentication\'s password', async () => {
    for (const ns of ENVIRONMENTS) {
      const so = await ctx.kube.waitFor(
        { path: scaledObjects(ns), name: 'scheduler-svc', what: `ScaledObject ${ns}/scheduler-svc Ready`, timeoutMs: WITHIN_MS, describe: ([o]) => JSON.stringify(o?.status?.conditions ?? 'no status') },
        ([o]) => (cond(o, 'Ready')?.status === 'True' && cond(o, 'Fallback')?.status !== 'True' ? o : undefined),
      );
      const r = keda.redis[ns];
      console.log(`${ns}: ScaledObject Ready (${cond(so, 'Ready')?.reason}); Redis ${r?.host}:${r?.port}${r?.tls ? ' over TLS' : ''}`);
    }
    expect(keda.redis['flextime-production']?.tls, 'production reads its queue over TLS (ElastiCache)').toBe(true);
  });

  it(`pushing jobs scales ${EXPECTED.workload} to its maximum (${EXPECTED.max}) through the HPA and the external metrics API`, async () => {
    // The window first (see the module comment): committed and synced before the load arrives.
    const file = join(ctx.h.gitWorkdir, SO_FILE);
    const doc = parseDocument(readFileSync(file, 'utf8'));
    doc.setIn(['spec', 'advanced', 'horizontalPodAutoscalerConfig', 'behavior', 'scaleDown', 'stabilizationWindowSeconds'], WINDOW_S);
    writeFileSync(file, doc.toString());
    windowCommit = await ctx.commitAndPush(`e2e: staging scheduler-svc scale-down window ${WINDOW_S} s (scenario 11)`);
    await ctx.kube.waitFor(
      { path: hpas, name: EXPECTED.workload, what: `HPA ${EXPECTED.workload} with a ${WINDOW_S} s scale-down window (commit synced, KEDA updated its HPA)`, timeoutMs: WITHIN_MS, describe: ([h]) => `window ${h?.spec?.behavior?.scaleDown?.stabilizationWindowSeconds}; ${appLine(undefined, EXPECTED.app)}` },
      ([h]) => (h?.spec?.behavior?.scaleDown?.stabilizationWindowSeconds === WINDOW_S ? h : undefined),
    );
    await waitReplicas(EXPECTED.min, `${EXPECTED.workload} at its minimum ${EXPECTED.min} with an empty queue`);

    const jobs = EXPECTED.max * EXPECTED.jobsPerReplica * 3; // enough for three times the maximum
    redisCli(keda.redis[NS], ['DEL', QUEUE]);
    redisCli(keda.redis[NS], ['RPUSH', QUEUE, ...Array.from({ length: jobs }, (_, i) => `{"job":${i}}`)]);
    const took = await waitReplicas(EXPECTED.max, `${EXPECTED.workload} scaled to ${EXPECTED.max} by its HPA after ${jobs} jobs were queued on ${QUEUE}`);
    // The HPA writes its status after it scaled: wait for it to show what it read.
    const hpa = await ctx.kube.waitFor(
      { path: hpas, name: EXPECTED.workload, what: `HPA ${EXPECTED.workload} status: desired ${EXPECTED.max}, queue length ${jobs} read through external.metrics.k8s.io`, timeoutMs: 30_000, describe: ([h]) => hpaLine(h) },
      ([h]) => (h?.status?.desiredReplicas === EXPECTED.max && queueSeen(h) === jobs ? h : undefined),
    );
    console.log(`${jobs} jobs → ${EXPECTED.max} replicas in ${seconds(took)}; ${hpaLine(hpa)}`);
    expect(cond(hpa, 'ScalingLimited')?.reason, 'the HPA wanted more than the maximum and was capped').toBe('TooManyReplicas');
    expect(hpa.spec.maxReplicas, 'the HPA KEDA made caps at the maximum').toBe(EXPECTED.max);
    expect(hpa.metadata?.ownerReferences?.[0]?.kind, 'the HPA belongs to the ScaledObject').toBe('ScaledObject');
  });

  it(`draining the queue returns ${EXPECTED.workload} to its minimum (${EXPECTED.min}) after the scale-down window`, async () => {
    redisCli(keda.redis[NS], ['DEL', QUEUE]);
    const took = await waitReplicas(EXPECTED.min, `${EXPECTED.workload} back at ${EXPECTED.min} after the queue was drained (${WINDOW_S} s window)`);
    console.log(`queue drained → ${EXPECTED.min} replica in ${seconds(took)}`);
    expect(took, 'not before the scale-down window').toBeGreaterThanOrEqual(WINDOW_S * 1000);
  });

  it('a wrong password is refused; KEDA takes the password from the TriggerAuthentication\'s Secret', async () => {
    const r = keda.redis[NS];
    const secretPath = (name: string) => kubePath('v1', 'secrets', NS, name);
    const uid = (await ctx.kube.get(`${scaledObjects(NS)}/scheduler-svc`)).metadata?.uid;
    const rotated = randomBytes(18).toString('hex');
    const t0 = new Date();
    // Rotation reaches Redis first (its Secret; e2e/controllers/keda-secrets.ts follows it).
    await ctx.kube.patch(secretPath(r.serverSecret.name), { stringData: { [r.serverSecret.key]: rotated } });
    const failed = await ctx.kube.waitFor(
      { path: kubePath('v1', 'events', NS), what: `a KEDAScalerFailed event on ScaledObject ${NS}/scheduler-svc refusing the old password`, timeoutMs: WITHIN_MS, describe: (evs) => `${evs.filter((e) => e.involvedObject?.uid === uid).length} events on the ScaledObject` },
      (evs) => evs.find((e) => e.involvedObject?.uid === uid && e.reason === 'KEDAScalerFailed' && new Date(e.lastTimestamp ?? e.eventTime ?? 0) >= new Date(t0.getTime() - 1000) && /WRONGPASS|invalid (username-)?password/i.test(e.message)),
    );
    console.log(`wrong password: ${failed.reason}: ${failed.message}`);

    // The TriggerAuthentication's Secret gets the new value: KEDA reads the queue again.
    await ctx.kube.patch(secretPath(r.passwordSecret.name), { stringData: { [r.passwordSecret.key]: rotated } });
    const marker = EXPECTED.jobsPerReplica * 3 + 1; // not the fallback's value (fallback replicas × listLength)
    redisCli(r, ['RPUSH', QUEUE, ...Array.from({ length: marker }, (_, i) => `{"job":"auth-${i}"}`)]);
    const hpa = await ctx.kube.waitFor(
      { path: hpas, name: EXPECTED.workload, what: `HPA ${EXPECTED.workload} reading the queue length ${marker} again after ${r.passwordSecret.name} got the new password`, timeoutMs: WITHIN_MS, describe: ([h]) => hpaLine(h) },
      ([h]) => (queueSeen(h) === marker ? h : undefined),
    );
    console.log(`Secret updated → ${hpaLine(hpa)}`);
    redisCli(r, ['DEL', QUEUE]);
    const app = await ctx.kube.get(`${APPLICATIONS_PATH}/${EXPECTED.app}`);
    console.log(appLine(app));
  });
});
