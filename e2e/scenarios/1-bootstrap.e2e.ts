/**
 * Scenario 1 — Bootstrap from empty.
 *
 * Runbook: on a cluster that has only ArgoCD, apply argocd/bootstrap's root Application (what
 * terraform-bootstrap does). The root syncs the AppProjects, then every child Application in
 * sync waves; each waits for the previous wave to be Healthy. Production and the cluster-wide
 * folders sync automatically only inside their sync window; each syncs once when the root creates
 * it (its rendered sync-on-create operation), so the bootstrap completes at any hour with nobody
 * syncing by hand.
 *
 * Expected: every FlexTime Application Synced and Healthy, every pod Running on a simulated
 * node, every PersistentVolumeClaim Bound. Prints the time to healthy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { APPLICATIONS_PATH, rootApplication } from '../controllers/argocd.ts';
import { matchesGlob, notAssessedByKind, renderedApplications, ROOT_APP, waitApplications, windowGated } from '../controllers/applications.ts';
import { cachedDiffs } from '../controllers/argocd-diff-cache.ts';
import type { KubeObject } from '../controllers/kube.ts';
import { PROCESS_LABEL } from '../controllers/processes.ts';
import { context, seconds, type Ctx } from './context.ts';

const HEALTHY_WITHIN_MS = 300_000;
// After its successful sync an Application compares Synced at its next refresh (the sync's own
// refresh, or a watch event of its resources). Not one periodic reconcile (120–180 s) later: a
// diff that needs one to clear is a defect (a status-only difference in a cached ServerSideDiff
// did, until the e2e set v3's ignoreResourceStatusField: all; the failure prints the cached diff).
const SYNCED_AFTER_MS = 60_000;
/** The user the rendered sync-on-create operations name (issue 19: a bootstrap at any hour). */
const BOOTSTRAP_USER = 'flextime-root-bootstrap';

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

    // Healthy and its last sync Succeeded: the platform is up. Time to healthy is measured here.
    // Nobody syncs by hand: Applications a sync window gates sync once when the root creates them
    // (their rendered `operation`, a manual-class sync the window lets through), at any hour.
    const synced = (a: KubeObject | undefined) => a?.status?.health?.status === 'Healthy' && a?.status?.operationState?.phase === 'Succeeded';
    healthyApps = await waitApplications(ctx.kube, { names: expected, what: 'every Application Healthy with its sync Succeeded', timeoutMs: HEALTHY_WITHIN_MS, ok: synced });
    const took = Date.now() - t0;
    console.log(`time to healthy: ${seconds(took)} for ${expected.length} Applications`);
    // The first sync of every window-gated Application is its sync-on-create, whatever the hour.
    const gates = windowGated(ctx.h.root).filter((w) => w.manualSync);
    const gated = healthyApps.filter((a) => gates.some((w) => w.applications.some((g) => matchesGlob(a.metadata!.name as string, g))));
    const firstSyncBy = (a: KubeObject) => {
      const history: { id: number; initiatedBy?: { username?: string; automated?: boolean } }[] = a.status?.history ?? [];
      const first = [...history].sort((x, y) => x.id - y.id)[0];
      return first?.initiatedBy?.automated ? 'automated' : (first?.initiatedBy?.username ?? '(no sync in history)');
    };
    const notBootstrapped = gated.filter((a) => firstSyncBy(a) !== BOOTSTRAP_USER).map((a) => `${a.metadata!.name}: first sync by ${firstSyncBy(a)}`);
    console.log(`${gated.length} window-gated Applications, each first synced by its sync-on-create (${BOOTSTRAP_USER})`);
    expect(gated.length, 'Applications a manualSync window governs').toBeGreaterThan(0);
    expect(notBootstrapped, `window-gated Applications whose first sync was not the sync-on-create by ${BOOTSTRAP_USER}`).toEqual([]);
    const notAssessed = notAssessedByKind(healthyApps);
    if (notAssessed.size) {
      console.log(`health not assessed (controller not in this e2e, issue 18): ${[...notAssessed].map(([k, n]) => `${n} ${k}`).join(', ')}`);
    }
    // After a successful sync every Application must also compare Synced (else selfHeal re-syncs it forever).
    await waitApplications(ctx.kube, { names: expected, what: 'every Application Synced after its successful sync', timeoutMs: SYNCED_AFTER_MS }).catch(
      async (e: Error) => {
        throw new Error(`${e.message}\n${await explainOutOfSync(ctx, expected)}`);
      },
    );
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

/** For every OutOfSync Application: where the controller's cached diff says live and predicted differ. */
async function explainOutOfSync(c: Ctx, names: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const app of await c.kube.list(APPLICATIONS_PATH)) {
    const name = app.metadata!.name as string;
    if (!names.includes(name) || app.status?.sync?.status === 'Synced') continue;
    const diffs = await cachedDiffs(c.h.argocdRedisPort, name).catch((e: Error) => [{ resource: '(cache unreadable)', resourceVersion: '', paths: [e.message] }]);
    for (const d of diffs) lines.push(`  ${name} ${d.resource} (live resourceVersion ${d.resourceVersion}): differs at ${d.paths.join(', ')}`);
  }
  return lines.length ? `the controller's cached diffs:\n${lines.join('\n')}` : "the controller's cache holds no modified resource";
}
