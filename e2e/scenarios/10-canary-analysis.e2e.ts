/**
 * Scenario 10 — Canary analysis (issue 18).
 *
 * Runbook: a release engineer pins a new api-svc build in production with `npm run promote`,
 * commits and pushes; ArgoCD syncs the Rollout (by hand outside the production window); the Argo
 * Rollouts controller (real, v1.8.3) walks the canary steps, running the rendered AnalysisTemplate
 * against Prometheus (real) at each analysis step. The pods are simulated; their metrics come from
 * exporters whose traffic this file sets per version (canary-traffic.ts) and reach Prometheus
 * through the rendered ServiceMonitor's relabeling.
 *
 * One change to the platform, made the way an operator changes anything (a commit): the
 * analysis interval of production api-svc goes from 1m to E2E_INTERVAL, else a release takes
 * 15 minutes. Count, limits, queries, conditions and the rate window stay as rendered.
 *
 * Expected (independent table below, not read from the rendered Rollout):
 * - a healthy canary (no 5xx series at all, beside a stable version burning 5 % errors) is
 *   promoted through every step: 10 % → analysis → 25 % → analysis → 50 % → analysis → 100 %;
 * - a 5xx burst in the canary (10 %) aborts and rolls back, even when only one measurement sees
 *   it (the burst starts after the first analysis's 4th of 5 measurements): that run Failed, no
 *   later step reached, Rollout Degraded and aborted, the stable ReplicaSet unchanged and whole
 *   again, the canary at 0;
 * - no traffic at all must not abort: the analysis ends Inconclusive and the Rollout pauses for
 *   a person, stable unchanged.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubePath, type KubeObject } from '../controllers/kube.ts';
import type { ArgoRolloutsHandle } from '../controllers/argo-rollouts.ts';
import { analysisRunsOf, ANALYSIS_RUNS, rolloutLine, ROLLOUTS, runLine, syncRevision } from './canary-rollout.ts';
import { startCanaryTraffic, type CanaryTraffic, type Traffic } from './canary-traffic.ts';
import { platformContext, PLATFORM_SETUP_MS, seconds, type Ctx } from './context.ts';

const NS = 'flextime-production';
const SERVICE = 'api-svc';
const APP = 'production-api-svc';
const ADMIN = 'e2e-platform-admin';
/**
 * Production measures every 1m and is scraped every 30s; a new canary pod has its first two
 * samples (discovery + two scrapes) after about one measurement of five. Here scrapes come every
 * 1s but discovery does not shrink with them (pod watch, file_sd, scrape-loop start: 3–6 s, more
 * under load); at 2s the first analysis of one run in six saw no canary sample in all five
 * measurements (Inconclusive, paused). 4s keeps the first two samples within the first
 * measurements, as in production.
 */
const E2E_INTERVAL = '4s';

/**
 * The canary production api-svc is promised (issue 18; the delivery plan of production:
 * 10 → 25 → 50 % of the pods, SLO analysis after each), written by hand. At the HPA floor of 3
 * pods, Argo's basic canary runs ceil(weight × 3) canary pods: 1, 1, 2.
 */
const EXPECTED_STEPS = ['setWeight 10', 'analysis api-svc-slo', 'setWeight 25', 'analysis api-svc-slo', 'setWeight 50', 'analysis api-svc-slo'];
const EXPECTED_CANARY_PODS_AT_ANALYSIS: Record<number, number> = { 1: 1, 3: 1, 5: 2 };
const EXPECTED_REPLICAS = 3;
/** Measurements per analysis run (production: 5 × 1m, each step held 5 min). */
const MEASUREMENTS = 5;

const busy = (errors: number, has5xxSeries = true): Traffic => ({ perMinute: 2000, errors, slow: 0.02, has5xxSeries });
const quiet: Traffic = { perMinute: 0, errors: 0, slow: 0, has5xxSeries: false };

let ctx: Ctx;
let traffic: CanaryTraffic;
const path = (name = SERVICE) => `${ROLLOUTS(NS)}/${name}`;
const stepName = (s: KubeObject) => (s.setWeight !== undefined ? `setWeight ${s.setWeight}` : s.analysis ? `analysis ${s.analysis.templates.map((t: { templateName: string }) => t.templateName).join('+')}` : Object.keys(s).join('+'));

beforeAll(async () => {
  ctx = await platformContext();
  const h = ctx.h.controllers['argo-rollouts'] as ArgoRolloutsHandle | undefined;
  if (!h) throw new Error('the Argo Rollouts controller is not running in this e2e (e2e/controllers/argo-rollouts.ts did not start)');
  const targetsFile = h.targetFiles[`${NS}/${SERVICE}`];
  if (!targetsFile) throw new Error(`Prometheus scrapes no ServiceMonitor ${NS}/${SERVICE} (scrape jobs: ${Object.keys(h.targetFiles).join(', ') || 'none'})`);
  traffic = await startCanaryTraffic({ kube: ctx.kube, namespace: NS, service: SERVICE, targetsFile, log: (l) => console.log(l) });
  console.log(`Prometheus ${h.prometheusUrl} (scrape every ${h.scrapeInterval}) stands for ${h.routedAddresses.join(', ')}; controller log ${h.controllerLog}`);
}, PLATFORM_SETUP_MS);
afterAll(async () => {
  await traffic?.stop();
});

/**
 * `npm run promote` of a fresh digest to production, commit, push, sync; returns the stable hash
 * before it. The Rollout must be in phase `from` (Healthy; Degraded after an abort, until the
 * next spec change starts a new canary from stable).
 */
async function release(label: string, t: { stable: Traffic; canary: Traffic }, from = 'Healthy'): Promise<{ stableBefore: string; image: string; t0: number }> {
  const before = await ctx.kube.get(path());
  const stableBefore: string = before.status?.stableRS;
  expect(before.status?.phase, `Rollout ${NS}/${SERVICE} before the release (${rolloutLine(before)})`).toBe(from);
  traffic.set({ stableHash: stableBefore, ...t });
  const repo = (before.spec.template.spec.containers[0].image as string).split('@')[0]!.replace(/:[^/:]+$/, '');
  const image = `${repo}:e2e@sha256:${createHash('sha256').update(`${label} ${Date.now()}`).digest('hex')}`;
  ctx.run('npm', ['run', '--silent', 'promote', '--', '--service', SERVICE, '--to', 'production', '--image', image, '--no-diff']);
  const t0 = Date.now();
  const sha = await ctx.commitAndPush(`e2e: ${label}: promote ${SERVICE} ${image.split('@')[1]!.slice(0, 19)} to production`);
  const { byHand } = await syncRevision(ctx.kube, APP, sha, ADMIN, 60_000);
  console.log(`${label}: ${APP} synced ${sha.slice(0, 12)}${byHand ? ` (by hand as ${ADMIN}: outside the production window)` : ''} in ${seconds(Date.now() - t0)}`);
  return { stableBefore, image, t0 };
}

/** Watches the Rollout until `done` holds for the new image; records what each step looked like. */
async function follow(image: string, what: string, timeoutMs: number, done: (r: KubeObject) => boolean) {
  const atStep = new Map<number, number>();
  const r = await ctx.kube.waitFor({ path: ROLLOUTS(NS), name: SERVICE, what, timeoutMs, describe: ([x]) => rolloutLine(x) }, ([x]) => {
    // Only a status the controller wrote for this spec (an aborted release's `abort: true` stays
    // until the controller has seen the next one).
    if (!x || x.spec.template.spec.containers[0].image !== image || String(x.status?.observedGeneration ?? '') !== String(x.metadata?.generation)) return undefined;
    const s = x.status ?? {};
    if (s.currentPodHash && s.currentPodHash !== s.stableRS && s.currentStepIndex !== undefined) {
      // Argo leaves a setWeight step only once the canary's pods are available: at the following
      // (analysis) step, updatedReplicas is the canary ReplicaSet's size.
      atStep.set(s.currentStepIndex, Math.max(atStep.get(s.currentStepIndex) ?? 0, s.updatedReplicas ?? 0));
    }
    return done(x) ? x : undefined;
  });
  return { r, atStep };
}

/** The pod-template hash of the canary running `image` (the Rollout's current hash once it differs from stable). */
async function canaryHash(image: string, stable: string): Promise<string> {
  return ctx.kube.waitFor({ path: ROLLOUTS(NS), name: SERVICE, what: `Rollout ${NS}/${SERVICE} with a canary of ${image.slice(-12)}`, timeoutMs: 60_000, describe: ([x]) => rolloutLine(x) }, ([x]) =>
    (x?.spec.template.spec.containers[0].image === image && String(x.status?.observedGeneration ?? '') === String(x.metadata?.generation) && x.status?.currentPodHash && x.status.currentPodHash !== stable
      ? x.status.currentPodHash as string : undefined));
}

describe('10 canary analysis', () => {
  it(`the analysis interval of production ${SERVICE} is ${E2E_INTERVAL} in the e2e (one commit; the only change to the platform)`, async () => {
    const file = join(ctx.h.gitWorkdir, 'config', 'environments', 'production.ts');
    const text = readFileSync(file, 'utf8');
    const line = /analysis: \{ slos: \['api-availability', 'api-latency-p95'\], window: '5m', interval: '1m'/;
    expect(text, `${file}: the api-svc analysis line the e2e shortens`).toMatch(line);
    writeFileSync(file, text.replace(line, (m) => m.replace("interval: '1m'", `interval: '${E2E_INTERVAL}'`)));
    ctx.run('npm', ['run', '--silent', 'synth']);
    expect([ctx.git('diff', '--name-only', 'HEAD'), ctx.git('ls-files', '--others', '--exclude-standard')].join('\n').split('\n').filter(Boolean).sort(), 'files the interval change touches').toEqual([
      'config/environments/production.ts',
      `dist/production/${SERVICE}/analysistemplate-${SERVICE}-slo.yaml`,
    ]);
    const sha = await ctx.commitAndPush(`e2e: analysis interval ${E2E_INTERVAL} for production ${SERVICE} (e2e only)`);
    await syncRevision(ctx.kube, APP, sha, ADMIN, 60_000);
    const tpl = await ctx.kube.get(kubePath('argoproj.io/v1alpha1', 'analysistemplates', NS, `${SERVICE}-slo`));
    expect(tpl.spec.metrics.map((m: { interval: string }) => m.interval), 'live AnalysisTemplate intervals').toEqual([E2E_INTERVAL, E2E_INTERVAL]);
  }, 150_000); // synth (~40 s at load average 13) + push + the 60 s sync wait

  it('the live Rollout has the canary steps of the table', async () => {
    const r = await ctx.kube.get(path());
    expect(r.spec.strategy.canary.steps.map(stepName), `steps of Rollout ${NS}/${SERVICE}`).toEqual(EXPECTED_STEPS);
    expect(r.status?.HPAReplicas ?? r.status?.replicas, `replicas of Rollout ${NS}/${SERVICE} (${rolloutLine(r)})`).toBe(EXPECTED_REPLICAS);
  });

  it('a healthy canary (no 5xx series, beside a stable version at 5 % errors) is promoted through every step', async () => {
    const { stableBefore, image, t0 } = await release('healthy canary', { stable: busy(0.05), canary: busy(0, false) });
    // Ends at the promotion, or at an abort (which fails below, naming the AnalysisRuns).
    const { r, atStep } = await follow(image, `Rollout ${NS}/${SERVICE} promoted to ${image.slice(-12)}`, 180_000, (x) =>
      x.status?.abort === true || (x.status?.phase === 'Healthy' && x.status?.stableRS === x.status?.currentPodHash && x.status?.stableRS !== stableBefore));
    const runs = await analysisRunsOf(ctx.kube, NS, r.status.currentPodHash);
    console.log(`${r.status.abort ? 'ABORTED' : 'promoted'} in ${seconds(Date.now() - t0)}: ${rolloutLine(r)}\n  canary pods per step index: ${[...atStep].map(([i, n]) => `${i}:${n}`).join(' ')}\n  ${runs.map(runLine).join('\n  ')}`);
    expect(r.status.abort ?? false, `Rollout aborted (${rolloutLine(r)}; ${runs.map(runLine).join('; ')})`).toBe(false);
    expect(r.status.currentStepIndex, 'step index after promotion').toBe(EXPECTED_STEPS.length);
    expect(runs.map((x) => [x.metadata?.labels?.['step-index'], x.status?.phase]), 'AnalysisRuns of the canary (step, phase)').toEqual([['1', 'Successful'], ['3', 'Successful'], ['5', 'Successful']]);
    for (const [step, pods] of Object.entries(EXPECTED_CANARY_PODS_AT_ANALYSIS)) {
      expect(atStep.get(Number(step)), `canary pods at step ${step} (${EXPECTED_STEPS[Number(step)]})`).toBe(pods);
    }
    expect(r.status.availableReplicas, 'available replicas after promotion').toBe(EXPECTED_REPLICAS);
  }, 270_000);

  it(`a 5xx burst in the canary (10 %), seen only by the last of the first analysis's ${MEASUREMENTS} measurements, aborts and rolls back to the unchanged stable ReplicaSet`, async () => {
    // The canary serves healthy traffic (its 5xx series at 0) until the first analysis has taken
    // all but its last measurement; then it answers 10 % 5xx. One failed measurement must abort:
    // a burst that arrives late in a step may not pass it.
    const { stableBefore, image, t0 } = await release('5xx burst', { stable: busy(0), canary: busy(0) });
    const hash = await canaryHash(image, stableBefore);
    const availability = (run: KubeObject | undefined) => (run?.status?.metricResults ?? []).find((m: { name: string }) => m.name === 'api-availability') as { measurements?: { phase: string }[] } | undefined;
    const phases = (run: KubeObject | undefined) => (availability(run)?.measurements ?? []).map((m) => m.phase);
    const before = await ctx.kube.waitFor({
      path: ANALYSIS_RUNS(NS), labelSelector: `rollouts-pod-template-hash=${hash},step-index=1`, timeoutMs: 90_000,
      what: `the first AnalysisRun of canary ${hash} at measurement ${MEASUREMENTS - 1} of ${MEASUREMENTS}`, describe: (runs) => runs.map(runLine).join('; ') || 'no AnalysisRun yet',
    }, ([run]) => {
      const phase = run?.status?.phase as string | undefined;
      if (!phase || phase === 'Pending') return undefined; // created, no measurement yet
      return phase !== 'Running' || phases(run).filter((p) => p !== 'Running').length >= MEASUREMENTS - 1 ? run : undefined;
    });
    expect([before.status?.phase, phases(before).filter((x) => x === 'Failed' || x === 'Error')], `first AnalysisRun before the burst: running, nothing failed (${runLine(before)})`).toEqual(['Running', []]);
    traffic.set({ stableHash: stableBefore, stable: busy(0), canary: busy(0.1) });
    const burstAt = new Date().toISOString();
    const { r } = await follow(image, `Rollout ${NS}/${SERVICE} aborted and back on ${stableBefore}`, 90_000, (x) =>
      x.status?.abort === true && x.status?.phase === 'Degraded' && (x.status?.updatedReplicas ?? 0) === 0 && x.status?.availableReplicas === EXPECTED_REPLICAS);
    const runs = await analysisRunsOf(ctx.kube, NS, hash);
    console.log(`aborted and rolled back in ${seconds(Date.now() - t0)}: ${rolloutLine(r)}\n  ${runs.map(runLine).join('\n  ')}`);
    expect(r.status.stableRS, 'stable ReplicaSet hash after the abort').toBe(stableBefore);
    const first = runs.find((x) => x.metadata?.labels?.['step-index'] === '1');
    const p = phases(first);
    const when = (availability(first)?.measurements ?? []).map((m) => (m as { startedAt?: string }).startedAt?.slice(11, 19)).join(' ');
    expect({ run: first?.status?.phase, measurements: p.length, failed: p.filter((x) => x === 'Failed').length, last: p[p.length - 1] }, `the first AnalysisRun (${first ? runLine(first) : 'none'}; burst from ${burstAt.slice(11, 19)}, measurements started ${when})`)
      .toEqual({ run: 'Failed', measurements: MEASUREMENTS, failed: 1, last: 'Failed' });
    expect(runs.map((x) => x.metadata?.labels?.['step-index']), 'AnalysisRuns of the canary by step (none after the first: the canary never went past 10 %)').toEqual(['1']);
    const stableRs = (await ctx.kube.list(kubePath('apps/v1', 'replicasets', NS), `labelSelector=rollouts-pod-template-hash%3D${stableBefore}`))[0];
    expect([stableRs?.spec?.template?.spec?.containers?.[0]?.image !== image, stableRs?.status?.readyReplicas], 'stable ReplicaSet: its own image, pods ready').toEqual([true, EXPECTED_REPLICAS]);
  }, 240_000);

  it('no traffic at all does not abort: the analysis is Inconclusive and the Rollout pauses for a person', async () => {
    // After the abort the Rollout reads Degraded; the next release starts a new canary from stable.
    const { stableBefore: stableHash, image, t0 } = await release('no traffic', { stable: quiet, canary: quiet }, 'Degraded');
    const { r } = await follow(image, `Rollout ${NS}/${SERVICE} paused on an Inconclusive analysis`, 90_000, (x) =>
      (x.status?.pauseConditions ?? []).some((p: { reason: string }) => p.reason === 'InconclusiveAnalysisRun') || x.status?.abort === true);
    const runs = await analysisRunsOf(ctx.kube, NS, r.status.currentPodHash);
    console.log(`after ${seconds(Date.now() - t0)}: ${rolloutLine(r)}\n  ${runs.map(runLine).join('\n  ')}`);
    expect(r.status.abort ?? false, `Rollout aborted (${rolloutLine(r)})`).toBe(false);
    expect(r.status.phase, 'Rollout phase').toBe('Paused');
    expect(r.status.stableRS, 'stable ReplicaSet hash').toBe(stableHash);
    expect(runs.map((x) => [x.metadata?.labels?.['step-index'], x.status?.phase]), 'AnalysisRuns of the canary (step, phase)').toEqual([['1', 'Inconclusive']]);
    const runsLeft = await ctx.kube.list(ANALYSIS_RUNS(NS));
    expect(runsLeft.filter((x) => x.status?.phase === 'Running').map((x) => x.metadata?.name), 'AnalysisRuns still running').toEqual([]);
  }, 180_000);
});
