/**
 * Scenario 6 — Rolling update.
 *
 * Runbook: a release engineer pins a new api-svc build in staging with
 * `npm run promote -- --service api-svc --to staging --image <repo>@sha256:<new>` (which edits
 * config/environments/staging.ts and re-renders dist/ and argocd/), commits and pushes to main.
 * ArgoCD syncs the new Deployment template; the Deployment controller rolls it out.
 *
 * Expected: the rollout completes (every replica on the new image, the old ReplicaSet at 0);
 * while it runs, available replicas never drop below the minimum (replicas − maxUnavailable,
 * and the PodDisruptionBudget's minimum); no pod is refused by the namespace ResourceQuota.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { APPLICATIONS_PATH } from '../controllers/argocd.ts';
import { appLine, healthyAndSyncedExcept, outOfSyncResources, waitApplications } from '../controllers/applications.ts';
import { kubePath, type KubeObject } from '../controllers/kube.ts';
import { platformContext, PLATFORM_SETUP_MS, seconds, type Ctx } from './context.ts';

const ENV = 'staging';
const SERVICE = 'api-svc';
const NS = `flextime-${ENV}`;
const WITHIN_MS = 120_000;

let ctx: Ctx;
beforeAll(async () => {
  ctx = await platformContext();
}, PLATFORM_SETUP_MS);

/** maxUnavailable of a rolling update as a number of pods (percentages round down, as Kubernetes does). */
function maxUnavailable(d: KubeObject): number {
  const v = d.spec?.strategy?.rollingUpdate?.maxUnavailable ?? '25%';
  const replicas = d.spec?.replicas ?? 1;
  return typeof v === 'number' ? v : Math.floor((Number.parseInt(v, 10) / 100) * replicas);
}

describe('6 rolling update', () => {
  it(`npm run promote of a new ${SERVICE} digest rolls out in ${ENV} under the quota, never below the minimum available`, async () => {
    const dPath = kubePath('apps/v1', 'deployments', NS);
    const before = await ctx.kube.get(`${dPath}/${SERVICE}`);
    const oldImage: string = before.spec.template.spec.containers[0].image;
    const repo = oldImage.split('@')[0].replace(/:[^/:]+$/, '');
    const newImage = `${repo}:e2e@sha256:${createHash('sha256').update(`e2e ${Date.now()}`).digest('hex')}`;
    const replicas = before.spec.replicas ?? 1;
    const pdb = (await ctx.kube.list(kubePath('policy/v1', 'poddisruptionbudgets', NS))).find(
      (p) => p.spec?.selector?.matchLabels?.['app.kubernetes.io/name'] === SERVICE,
    );
    const pdbMin = pdb?.spec?.minAvailable !== undefined ? Number(pdb.spec.minAvailable) : replicas - Number(pdb?.spec?.maxUnavailable ?? replicas);
    const minAvailable = Math.max(replicas - maxUnavailable(before), Number.isNaN(pdbMin) ? 0 : pdbMin);

    const baseline = new Set(outOfSyncResources(await ctx.kube.get(`${APPLICATIONS_PATH}/${ENV}-${SERVICE}`)));
    const out = ctx.run('npm', ['run', '--silent', 'promote', '--', '--service', SERVICE, '--to', ENV, '--image', newImage, '--no-diff']);
    console.log(out.split('\n')[0]);
    const changed = ctx.git('status', '--porcelain');
    expect(changed, 'files changed by npm run promote').toContain(`dist/${ENV}/${SERVICE}/deployment-${SERVICE}.yaml`);
    const t0 = Date.now();
    const sha = await ctx.commitAndPush(`e2e: promote ${SERVICE} ${newImage.split('@')[1].slice(0, 19)} to ${ENV}`);

    // Watch the Deployment from now until the rollout is complete; record the lowest availability seen.
    let lowest = { available: Number.POSITIVE_INFINITY, at: '' };
    const done = await ctx.kube.waitFor(
      {
        path: dPath,
        name: SERVICE,
        what: `Deployment ${NS}/${SERVICE} rolled out to ${newImage}`,
        timeoutMs: WITHIN_MS,
        describe: ([d]) => `image ${d?.spec?.template?.spec?.containers?.[0]?.image}, updated ${d?.status?.updatedReplicas ?? 0}/${d?.spec?.replicas}, available ${d?.status?.availableReplicas ?? 0}, conditions: ${(d?.status?.conditions ?? []).map((c: { type: string; reason: string; message: string }) => `${c.type}=${c.reason}: ${c.message}`).join('; ')}`,
      },
      ([d]) => {
        if (!d) return undefined;
        const available = d.status?.availableReplicas ?? 0;
        if (available < lowest.available) lowest = { available, at: `generation ${d.metadata?.generation}, updated ${d.status?.updatedReplicas ?? 0}` };
        const s = d.status ?? {};
        const complete =
          d.spec.template.spec.containers[0].image === newImage &&
          (s.observedGeneration ?? 0) >= d.metadata!.generation &&
          s.updatedReplicas === d.spec.replicas &&
          s.replicas === d.spec.replicas &&
          s.availableReplicas === d.spec.replicas;
        return complete ? d : undefined;
      },
    );
    const took = Date.now() - t0;
    const [app] = await waitApplications(ctx.kube, { names: [`${ENV}-${SERVICE}`], what: `${ENV}-${SERVICE} Synced and Healthy at ${sha.slice(0, 12)}`, timeoutMs: WITHIN_MS, ok: (a) => a?.status?.sync?.revision === sha && healthyAndSyncedExcept(baseline)(a) });
    console.log(`rolled out in ${seconds(took)}: ${done.status.replicas} replicas on the new image; lowest available ${lowest.available} (minimum ${minAvailable}); ${appLine(app)}`);

    const quotaRefusals = (await ctx.kube.list(kubePath('v1', 'events', NS)))
      .filter((e) => e.reason === 'FailedCreate' && /exceeded quota|forbidden/.test(e.message ?? ''))
      .map((e) => `${e.involvedObject?.kind} ${e.involvedObject?.name}: ${e.message}`);
    expect(quotaRefusals, `pods refused in ${NS} during the rollout`).toEqual([]);
    expect(lowest.available, `lowest available replicas of ${NS}/${SERVICE} during the rollout (${lowest.at})`).toBeGreaterThanOrEqual(minAvailable);
    const oldSets = (await ctx.kube.list(kubePath('apps/v1', 'replicasets', NS)))
      .filter((rs) => rs.metadata?.ownerReferences?.some((o: { uid: string }) => o.uid === done.metadata!.uid))
      .filter((rs) => rs.spec.template.spec.containers[0].image !== newImage && (rs.status?.replicas ?? 0) > 0)
      .map((rs) => `${rs.metadata!.name}: ${rs.status.replicas} pods`);
    expect(oldSets, 'old ReplicaSets still running pods').toEqual([]);
  });
});
