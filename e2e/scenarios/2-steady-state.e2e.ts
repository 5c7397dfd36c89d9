/**
 * Scenario 2 — Steady state.
 *
 * Runbook: after the bootstrap, nothing changes in git. Ask ArgoCD to compare again, twice
 * (a hard refresh: re-render from git and diff against the live objects), and look at
 * `argocd app list` and each Application's resource list.
 *
 * Expected: after each round every Application is still Synced and Healthy, no resource is
 * OutOfSync, and no new sync operation started (selfHeal would start one for any diff: that is
 * the "endless OutOfSync" loop this guards against — it proves the ignoreDifferences and
 * server-side-apply settings).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { APPLICATIONS_PATH } from '../controllers/argocd.ts';
import { appLine } from '../controllers/applications.ts';
import type { KubeObject } from '../controllers/kube.ts';
import { platformContext, PLATFORM_SETUP_MS, type Ctx } from './context.ts';

const ROUND_WITHIN_MS = 90_000;
let ctx: Ctx;

beforeAll(async () => {
  ctx = await platformContext();
}, PLATFORM_SETUP_MS);

async function reconcileRound(round: number): Promise<KubeObject[]> {
  const before = new Map((await ctx.kube.list(APPLICATIONS_PATH)).map((a) => [a.metadata!.name as string, a]));
  expect(before.size, 'Applications after the bootstrap').toBeGreaterThan(0);
  await ctx.refreshAll('hard');
  const reconciled = (a: KubeObject) => {
    const prev = before.get(a.metadata!.name as string)?.status?.reconciledAt;
    return a.status?.reconciledAt && a.status.reconciledAt !== prev && !a.metadata?.annotations?.['argocd.argoproj.io/refresh'];
  };
  const apps = await ctx.kube.waitFor(
    {
      path: APPLICATIONS_PATH,
      what: `round ${round}: every Application reconciled again (status.reconciledAt moved)`,
      timeoutMs: ROUND_WITHIN_MS,
      describe: (objs) => `not yet reconciled: ${objs.filter((a) => !reconciled(a)).map((a) => a.metadata!.name).join(', ')}`,
    },
    (objs) => (objs.length >= before.size && objs.every(reconciled) ? objs : undefined),
  );
  const problems: string[] = [];
  for (const a of apps) {
    const name = a.metadata!.name as string;
    if (a.status?.sync?.status !== 'Synced' || a.status?.health?.status !== 'Healthy') problems.push(appLine(a));
    for (const r of a.status?.resources ?? []) {
      if (r.status !== 'Synced') problems.push(`${name}: ${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} is ${r.status}`);
    }
    const started = (x?: KubeObject) => x?.status?.operationState?.startedAt;
    if (started(a) !== started(before.get(name))) problems.push(`${name}: a new sync started at ${started(a)} (${a.status?.operationState?.message ?? ''})`);
  }
  return problems.length ? Promise.reject(new Error(`round ${round}: expected no OutOfSync, no diff, no new sync; saw:\n  ${problems.join('\n  ')}`)) : apps;
}

describe('2 steady state', () => {
  it('a first hard refresh finds nothing OutOfSync and starts no sync', async () => {
    const apps = await reconcileRound(1);
    console.log(`round 1: ${apps.length} Applications Synced/Healthy, ${apps.reduce((n, a) => n + (a.status?.resources?.length ?? 0), 0)} resources without diff`);
  });

  it('a second hard refresh finds nothing OutOfSync and starts no sync', async () => {
    const apps = await reconcileRound(2);
    console.log(`round 2: ${apps.length} Applications Synced/Healthy`);
  });
});
