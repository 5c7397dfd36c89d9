/**
 * Scenario 3 — Self-heal and prune.
 *
 * Runbook, part 1: someone deletes a managed Deployment by hand (`kubectl delete deployment`).
 * Expected: ArgoCD's selfHeal recreates it from git; its Application returns to Synced/Healthy.
 *
 * Runbook, part 2: a component is removed from the platform — the commit deletes its dist/
 * folder and its Application (what `npm run synth` renders once the component is gone).
 * Expected: the root prunes the Application; its resources-finalizer deletes what it deployed
 * (StatefulSet, Services, …); the StatefulSet's PersistentVolumeClaims survive (the workload's
 * persistentVolumeClaimRetentionPolicy is Retain: data outlives the workload); every CRD
 * survives (CRDs belong to the add-ons, never to a component folder).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { APPLICATIONS_PATH } from '../controllers/argocd.ts';
import { appLine, healthyAndSyncedExcept, outOfSyncResources, waitApplications } from '../controllers/applications.ts';
import { kubePath } from '../controllers/kube.ts';
import { platformContext, PLATFORM_SETUP_MS, seconds, type Ctx } from './context.ts';

const SELF_HEAL = { env: 'development', component: 'api-svc', deployment: 'api-svc' };
const PRUNE = { env: 'development', component: 'redis' };
const WITHIN_MS = 90_000;

let ctx: Ctx;
beforeAll(async () => {
  ctx = await platformContext();
}, PLATFORM_SETUP_MS);

describe('3 self-heal and prune', () => {
  it(`a deleted Deployment (${SELF_HEAL.env}/${SELF_HEAL.deployment}) is restored from git`, async () => {
    const ns = `flextime-${SELF_HEAL.env}`;
    const path = kubePath('apps/v1', 'deployments', ns);
    const app = `${SELF_HEAL.env}-${SELF_HEAL.component}`;
    const before = await ctx.kube.get(`${path}/${SELF_HEAL.deployment}`);
    const baseline = new Set(outOfSyncResources(await ctx.kube.get(`${APPLICATIONS_PATH}/${app}`)));
    if (baseline.size) console.log(`${app} already OutOfSync before the scenario (scenario 2's finding): ${[...baseline].join(', ')}`);
    const t0 = Date.now();
    await ctx.kube.delete(`${path}/${SELF_HEAL.deployment}`, { propagationPolicy: 'Foreground' });
    const restored = await ctx.kube.waitFor(
      {
        path,
        name: SELF_HEAL.deployment,
        what: `Deployment ${ns}/${SELF_HEAL.deployment} recreated (new uid) with all replicas available`,
        timeoutMs: WITHIN_MS,
        describe: (objs) => (objs[0] ? `uid ${objs[0].metadata!.uid === before.metadata!.uid ? 'unchanged (not yet deleted)' : 'new'}, ${objs[0].status?.availableReplicas ?? 0}/${objs[0].spec?.replicas} available` : 'no Deployment'),
      },
      ([d]) => (d && d.metadata!.uid !== before.metadata!.uid && (d.status?.availableReplicas ?? 0) >= (d.spec?.replicas ?? 1) ? d : undefined),
    );
    const [a] = await waitApplications(ctx.kube, { names: [app], what: `${app} Healthy and Synced again (but for what was OutOfSync before)`, timeoutMs: WITHIN_MS, ok: healthyAndSyncedExcept(baseline) });
    console.log(`restored in ${seconds(Date.now() - t0)}: ${appLine(a)}`);
    expect(restored.spec.template.spec.containers[0].image).toBe(before.spec.template.spec.containers[0].image);
  });

  it(`removing a component (${PRUNE.env}/${PRUNE.component}) prunes its objects; its PVCs and every CRD survive`, async () => {
    const ns = `flextime-${PRUNE.env}`;
    const folder = join('dist', PRUNE.env, PRUNE.component);
    const appFile = join('argocd', 'apps', `application-${PRUNE.env}-${PRUNE.component}.yaml`);
    const app = `${PRUNE.env}-${PRUNE.component}`;
    const wd = ctx.h.gitWorkdir;
    expect(existsSync(join(wd, folder)), `${folder} in the repository`).toBe(true);
    const managed = (await ctx.kube.get(`${APPLICATIONS_PATH}/${app}`)).status?.resources ?? [];
    expect(managed.length, `${app} manages objects before the prune`).toBeGreaterThan(0);
    const statefulSets = managed.filter((r: { kind: string }) => r.kind === 'StatefulSet').map((r: { name: string }) => r.name);
    const pvcsBefore = (await ctx.kube.list(kubePath('v1', 'persistentvolumeclaims', ns))).map((c) => c.metadata!.name as string);
    const crdsBefore = (await ctx.kube.list('/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).map((c) => c.metadata!.name as string).sort();
    expect(parseYaml(readFileSync(join(wd, appFile), 'utf8')).metadata.finalizers, `${appFile} finalizers`).toContain('resources-finalizer.argocd.argoproj.io/foreground');

    rmSync(join(wd, folder), { recursive: true });
    rmSync(join(wd, appFile));
    const t0 = Date.now();
    const sha = await ctx.commitAndPush(`e2e: remove ${PRUNE.env}/${PRUNE.component}`);
    console.log(`pushed ${sha.slice(0, 12)}: ${folder} and ${appFile} removed`);

    await ctx.kube.waitFor(
      { path: APPLICATIONS_PATH, name: app, what: `Application ${app} pruned by the root and its finalizer done`, timeoutMs: WITHIN_MS, describe: (o) => (o[0] ? appLine(o[0]) : 'gone') },
      (objs) => (objs.length === 0 ? true : undefined),
    );
    const left: string[] = [];
    for (const r of managed) {
      const live = await ctx.kube.find(await ctx.kube.objectPath(r.group ?? '', r.version, r.kind, r.namespace, r.name));
      if (live && !live.metadata?.deletionTimestamp) left.push(`${r.kind} ${r.namespace ?? ''}/${r.name}`);
    }
    console.log(`pruned in ${seconds(Date.now() - t0)}: ${managed.length} objects of ${app}`);
    expect(left, `objects of ${app} still present after the prune`).toEqual([]);

    const pvcsAfter = (await ctx.kube.list(kubePath('v1', 'persistentvolumeclaims', ns))).map((c) => `${c.metadata!.name} ${c.status?.phase}`);
    console.log(`PersistentVolumeClaims in ${ns} after the prune: ${pvcsAfter.join(', ') || 'none'} (StatefulSets pruned: ${statefulSets.join(', ') || 'none'})`);
    for (const name of pvcsBefore) expect(pvcsAfter, `PVC ${ns}/${name} survives the prune`).toContain(`${name} Bound`);
    const crdsAfter = (await ctx.kube.list('/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).map((c) => c.metadata!.name as string).sort();
    expect(crdsAfter, 'CRDs after the prune').toEqual(crdsBefore);

    // The root's sync of the prune commit walks its waves again; the platform is done when every
    // remaining Application is Healthy and Synced.
    const remaining = (await ctx.kube.list(APPLICATIONS_PATH)).map((a) => a.metadata!.name as string).filter((n) => n !== app);
    await waitApplications(ctx.kube, { names: remaining, what: `every remaining Application Healthy and Synced after the prune of ${app}`, timeoutMs: WITHIN_MS });
  });
});
