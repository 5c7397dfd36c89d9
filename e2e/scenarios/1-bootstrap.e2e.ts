/**
 * Scenario 1 — Bootstrap from empty.
 *
 * Runbook: on a cluster that has only ArgoCD, apply argocd/bootstrap's root Application (what
 * terraform-bootstrap does). The root syncs the AppProjects, then every child Application in
 * sync waves; each waits for the previous wave to be Healthy. Production and the cluster-wide
 * folders sync automatically only inside the production window: outside it, a platform admin
 * syncs them by hand (docs/gitops.md) — the e2e does that, and says so.
 *
 * Expected: every FlexTime Application Synced and Healthy, every pod Running on a simulated
 * node, every PersistentVolumeClaim Bound. Prints the time to healthy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { APPLICATIONS_PATH, rootApplication } from '../controllers/argocd.ts';
import { matchesGlob, notAssessedByKind, renderedApplications, ROOT_APP, syncByHand, terminateOperation, waitApplications, windowGated } from '../controllers/applications.ts';
import type { KubeObject } from '../controllers/kube.ts';
import { PROCESS_LABEL } from '../controllers/processes.ts';
import { context, seconds, type Ctx } from './context.ts';

const HEALTHY_WITHIN_MS = 300_000;
const SYNCED_AFTER_MS = 30_000;
const ADMIN = 'e2e-platform-admin';

let ctx: Ctx;
let expected: string[];
let healthyApps: KubeObject[] = [];

beforeAll(() => {
  ctx = context();
  expected = [ROOT_APP, ...renderedApplications(ctx.h.root, ctx.h.excluded.map((x) => x.file))];
  console.log(`ArgoCD in this e2e differs from terraform-bootstrap's install in:\n  ${ctx.h.differences.join('\n  ')}`);
  if (ctx.h.standIns.length) console.log(`stand-ins for objects dist/ does not render yet:\n  ${ctx.h.standIns.join('\n  ')}`);
  console.log(`add-ons rendered from their real chart: ${ctx.h.realCharts.length ? ctx.h.realCharts.join(', ') : 'none'}`);
  console.log(`add-ons as CRDs only: ${ctx.h.excluded.map((x) => x.app).join(', ') || 'none'}`);
});

describe('1 bootstrap from empty', () => {
  it('the cluster starts with no Application', async () => {
    const apps = await ctx.kube.list(APPLICATIONS_PATH);
    expect(apps.map((a) => a.metadata!.name), 'Applications before the root is applied').toEqual([]);
  });

  it('the root Application brings every FlexTime Application to Healthy, then Synced', async () => {
    const t0 = Date.now();
    await ctx.kube.apply(rootApplication(ctx.h.root, ctx.h.excluded.map((x) => x.file)), 'applications');

    // The platform admin's part: Applications gated by a sync window that ArgoCD does not start
    // syncing by itself are synced by hand (manualSync: true allows it), once each.
    const gates = windowGated(ctx.h.root).filter((w) => w.manualSync);
    const gated = (name: string) => gates.some((w) => w.applications.some((g) => matchesGlob(name, g)));
    // ArgoCD's automated sync of such an Application starts and then waits ("Sync operation
    // blocked by sync window"); the admin stops it (`argocd app terminate-op`) and syncs by hand.
    const syncedByHand = new Set<string>();
    const terminated = new Set<string>();
    const attempts = new Map<string, number>();
    // ArgoCD v2.14 sometimes leaves a sync requested by hand unstarted until the Application
    // changes again (run of 2026-12-06: production-rbac's waited 4.5 min, until the next refresh).
    // The admin then does what the UI's Refresh button does, once, and the run says so.
    const NUDGE_AFTER_MS = 15_000;
    const nudges: NodeJS.Timeout[] = [];
    const nudgeIfUnstarted = async (name: string, asked: number): Promise<void> => {
      const a = await ctx.kube.get(`${APPLICATIONS_PATH}/${name}`);
      const op = a.status?.operationState;
      if (a.operation?.initiatedBy?.username !== ADMIN || (op?.startedAt && Date.parse(op.startedAt) >= asked - 2000)) return;
      console.log(`${name}: the sync requested by hand ${seconds(Date.now() - asked)} ago has not started; refreshing it (argocd app get --refresh)`);
      await ctx.kube.patch(`${APPLICATIONS_PATH}/${name}`, { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } });
    };
    const adminDone = new AbortController(); // the admin watches until the platform is up
    const admin = ctx.kube
      .waitFor({ path: APPLICATIONS_PATH, what: 'admin done', timeoutMs: HEALTHY_WITHIN_MS, signal: adminDone.signal }, (apps) => {
        for (const a of apps) {
          const name = a.metadata!.name as string;
          const op = a.status?.operationState;
          // A manual sync that failed (e.g. its namespace did not exist yet) is started again, up to 3 times.
          const byHand = op?.operation?.initiatedBy?.username === ADMIN;
          if (!gated(name) || (syncedByHand.has(name) && !(byHand && ['Failed', 'Error'].includes(op?.phase) && (attempts.get(name) ?? 0) < 3))) continue;
          if (op?.phase === 'Running' && /blocked by sync window/.test(op.message ?? '') && op.operation?.initiatedBy?.automated) {
            if (!terminated.has(name)) {
              terminated.add(name);
              terminateOperation(ctx.kube, name).catch((e) => console.error(`terminate-op ${name}: ${(e as Error).message}`));
            }
            continue;
          }
          const idle = !a.operation && (!op || ['Failed', 'Error'].includes(op.phase)) && a.status?.sync?.status === 'OutOfSync';
          if (!idle) continue;
          syncedByHand.add(name);
          const asked = Date.now();
          attempts.set(name, (attempts.get(name) ?? 0) + 1);
          syncByHand(ctx.kube, name, ADMIN).catch((e) => console.error(`sync ${name} by hand: ${(e as Error).message}`));
          // Not an event to wait for: nothing changes while the request sits unstarted.
          nudges.push(setTimeout(() => {
            void nudgeIfUnstarted(name, asked).catch((e) => console.error(`refresh ${name}: ${(e as Error).message}`));
          }, NUDGE_AFTER_MS));
        }
        return undefined;
      })
      .catch((e) => {
        // Ended by adminDone; anything else means nobody synced the gated Applications: say so.
        if (!adminDone.signal.aborted) console.error(`the platform admin's watch failed: ${(e as Error).message}`);
      });

    // Healthy and its last sync Succeeded: the platform is up. Time to healthy is measured here.
    const synced = (a: KubeObject | undefined) => a?.status?.health?.status === 'Healthy' && a?.status?.operationState?.phase === 'Succeeded';
    try {
      healthyApps = await waitApplications(ctx.kube, { names: expected, what: 'every Application Healthy with its sync Succeeded', timeoutMs: HEALTHY_WITHIN_MS, ok: synced });
    } finally {
      adminDone.abort();
      for (const t of nudges) clearTimeout(t);
      await admin;
    }
    const took = Date.now() - t0;
    console.log(`time to healthy: ${seconds(took)} for ${expected.length} Applications`);
    if (syncedByHand.size) {
      console.log(`outside the sync window, synced by hand as ${ADMIN} (otherwise the root's waves wait for them): ${[...syncedByHand].sort().join(', ')}`);
    }
    const notAssessed = notAssessedByKind(healthyApps);
    if (notAssessed.size) {
      console.log(`health not assessed (controller not in this e2e, issue 18): ${[...notAssessed].map(([k, n]) => `${n} ${k}`).join(', ')}`);
    }
    // After a successful sync every Application must also compare Synced (else selfHeal re-syncs it forever).
    await waitApplications(ctx.kube, { names: expected, what: 'every Application Synced after its successful sync', timeoutMs: SYNCED_AFTER_MS });
  }, HEALTHY_WITHIN_MS + SYNCED_AFTER_MS + 30_000);

  it('every pod of the platform is Running on a simulated node', async () => {
    const nodes = new Map((await ctx.kube.list('/api/v1/nodes')).map((n) => [n.metadata!.name as string, n]));
    const all = (await ctx.kube.list('/api/v1/pods')).filter((p) => !['kube-system', 'argocd'].includes(p.metadata!.namespace as string));
    // Pods that stand for a platform controller run as a local process (never scheduled).
    const processes = all.filter((p) => p.metadata?.labels?.[PROCESS_LABEL]);
    if (processes.length) console.log(`pods standing for local controller processes (not scheduled): ${processes.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`).join(', ')}`);
    const pods = all.filter((p) => !p.metadata?.labels?.[PROCESS_LABEL]);
    expect(pods.length, 'pods outside kube-system and argocd').toBeGreaterThan(0);
    const bad = pods
      .filter((p) => {
        const node = nodes.get(p.spec?.nodeName);
        const simulated = node?.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake' || node?.metadata?.labels?.type === 'kwok';
        const done = p.status?.phase === 'Succeeded' && p.metadata?.ownerReferences?.some((o: { kind: string }) => o.kind === 'Job');
        return !(simulated && (p.status?.phase === 'Running' || done));
      })
      .map((p) => `${p.metadata!.namespace}/${p.metadata!.name}: ${p.status?.phase} on ${p.spec?.nodeName ?? '(unscheduled)'}${p.status?.conditions?.find((c: { type: string; status: string }) => c.type === 'PodScheduled' && c.status === 'False')?.message ? ` — ${p.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled').message}` : ''}`);
    console.log(`${pods.length - bad.length} of ${pods.length} pods Running on simulated nodes`);
    expect(bad, 'pods not Running on a simulated node').toEqual([]);
  });

  it('every PersistentVolumeClaim is Bound', async () => {
    const pvcs = await ctx.kube.list('/api/v1/persistentvolumeclaims');
    const bad = pvcs
      .filter((c) => c.status?.phase !== 'Bound')
      .map((c) => `${c.metadata!.namespace}/${c.metadata!.name}: ${c.status?.phase} (storageClassName ${c.spec?.storageClassName ?? '(none)'})`);
    console.log(`${pvcs.length - bad.length} of ${pvcs.length} PersistentVolumeClaims Bound`);
    expect(bad, 'PersistentVolumeClaims not Bound').toEqual([]);
  });
});
