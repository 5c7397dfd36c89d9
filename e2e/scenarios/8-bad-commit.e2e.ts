/**
 * Scenario 8 — Bad commit.
 *
 * Runbook: a commit adds a debugging pod to staging's api-svc folder that runs privileged —
 * which the namespace's Pod Security level (restricted, enforced) forbids.
 *
 * Expected: ArgoCD's sync of staging-api-svc fails and the Application shows the API server's
 * refusal (`pods "…" is forbidden: violates PodSecurity "restricted:…"`) in its operation
 * state — the message the on-sync-failed notification carries; nothing of the commit is
 * applied and the running api-svc keeps serving (all replicas available, image unchanged).
 * Then the operator reverts the commit (and stops the retrying operation, as
 * `argocd app terminate-op` does) and the Application returns to Synced/Healthy.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { APPLICATIONS_PATH } from '../controllers/argocd.ts';
import { appLine, healthyAndSyncedExcept, outOfSyncResources, terminateOperation, waitApplications } from '../controllers/applications.ts';
import { kubePath, type KubeObject } from '../controllers/kube.ts';
import { platformContext, PLATFORM_SETUP_MS, seconds, type Ctx } from './context.ts';

const ENV = 'staging';
const NS = `flextime-${ENV}`;
const APP = `${ENV}-api-svc`;
const POD = 'debug-shell';
// A first run waited 80 s for the comparison of the bad commit (the controller busy with every
// Application the push refreshed); the bound is generous because only a failure waits it out.
const WITHIN_MS = 150_000;

let ctx: Ctx;
beforeAll(async () => {
  ctx = await platformContext();
}, PLATFORM_SETUP_MS);

/** Every message the Application shows for its current operation. */
function operationMessages(a: KubeObject | undefined): string {
  const op = a?.status?.operationState;
  return [op?.message, ...(op?.syncResult?.resources ?? []).map((r: { kind: string; name: string; message?: string }) => `${r.kind}/${r.name}: ${r.message ?? ''}`)].filter(Boolean).join('\n');
}

describe('8 bad commit', () => {
  it('a pod that Pod Security rejects fails the sync with the API server message; the running version keeps serving', async () => {
    const dPath = kubePath('apps/v1', 'deployments', NS);
    const running = await ctx.kube.get(`${dPath}/api-svc`);
    const image = running.spec.template.spec.containers[0].image;
    const nsLabels = (await ctx.kube.get(`/api/v1/namespaces/${NS}`)).metadata?.labels ?? {};
    expect(nsLabels['pod-security.kubernetes.io/enforce'], `${NS} Pod Security enforce level`).toBe('restricted');

    const baseline = new Set(outOfSyncResources(await ctx.kube.get(`${APPLICATIONS_PATH}/${APP}`)));
    const file = join('dist', ENV, 'api-svc', `pod-${POD}.yaml`);
    writeFileSync(
      join(ctx.h.gitWorkdir, file),
      stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: POD, namespace: NS, labels: { 'app.kubernetes.io/name': POD, 'app.kubernetes.io/part-of': 'flextime' } },
        spec: { containers: [{ name: 'shell', image, securityContext: { privileged: true } }] },
      }),
    );
    const t0 = Date.now();
    const bad = await ctx.commitAndPush(`e2e: add privileged ${POD} to ${ENV}/api-svc`);
    // What the Application showed on the way, printed with the result: the order of comparison and
    // operation is what this check depends on.
    const seen: string[] = [];
    const trace = (a: KubeObject | undefined) => {
      const op = a?.status?.operationState;
      const rev = (r: string | undefined) => (r === bad ? 'bad' : (r ?? '-').slice(0, 7));
      const line = `sync ${a?.status?.sync?.status}@${rev(a?.status?.sync?.revision)}, op ${op?.phase ?? '-'}@${rev(op?.operation?.sync?.revision)}`;
      if (seen.at(-1)?.endsWith(line) !== true) seen.push(`${seconds(Date.now() - t0)} ${line}`);
    };

    const failed = await ctx.kube.waitFor(
      {
        path: APPLICATIONS_PATH,
        name: APP,
        what: `${APP}'s sync of ${bad.slice(0, 12)} to fail with the API server's PodSecurity message`,
        timeoutMs: WITHIN_MS,
        describe: ([a]) => `${appLine(a)}\n${operationMessages(a)}\nseen: ${seen.join('; ')}`,
      },
      ([a]) => {
        trace(a);
        const op = a?.status?.operationState;
        const ofBad = op?.syncResult?.revision === bad || op?.operation?.sync?.revision === bad || (op?.operation?.sync?.revisions ?? []).includes(bad);
        // The refresh that compares the bad commit starts the automated sync before it writes its
        // own result (argo-cd controller/appcontroller.go: autoSync, then persistAppStatus), and a
        // refused sync is quick: the operation can fail while status.sync still holds the last
        // comparison. So wait for the comparison of the bad commit too.
        const compared = a?.status?.sync?.revision === bad;
        // Done when the refusal is shown — or when the sync of the bad commit succeeded (the assertion below says so).
        return ofBad && compared && (/violates PodSecurity/.test(operationMessages(a)) || op?.phase === 'Succeeded') ? a : undefined;
      },
    );
    const messages = operationMessages(failed);
    console.log(`after ${seconds(Date.now() - t0)}: ${appLine(failed)}\n  seen: ${seen.join('; ')}`);
    expect(failed.status.operationState.phase, `${APP}'s sync of the bad commit (${messages.replace(/\n/g, ' | ')})`).not.toBe('Succeeded');
    expect(messages).toMatch(new RegExp(`pods "${POD}" is forbidden: violates PodSecurity "restricted:[^"]+": privileged`));
    expect(failed.status.sync.status, `${APP} sync status with the bad commit`).toBe('OutOfSync');

    expect(await ctx.kube.find(kubePath('v1', 'pods', NS, POD)), `pod ${POD} must not exist`).toBeUndefined();
    const still = await ctx.kube.get(`${dPath}/api-svc`);
    expect(still.spec.template.spec.containers[0].image, 'api-svc image while the bad commit is on main').toBe(image);
    expect(still.status?.availableReplicas ?? 0, 'api-svc available replicas while the bad commit is on main').toBe(still.spec.replicas);

    // The operator's fix: revert, and stop the operation that keeps retrying the bad revision.
    const fixed = await ctx.revertAndPush('HEAD');
    const current = await ctx.kube.get(`${APPLICATIONS_PATH}/${APP}`);
    if (current.status?.operationState?.phase === 'Running') await terminateOperation(ctx.kube, APP);
    const [back] = await waitApplications(ctx.kube, {
      names: [APP],
      what: `${APP} Synced and Healthy at the revert ${fixed.slice(0, 12)}`,
      timeoutMs: WITHIN_MS,
      // Compared Synced at the revert is enough: the revert equals what runs (the bad sync never
      // applied), so automated sync has nothing to do and the last operation stays the terminated one.
      ok: (a) => a?.status?.sync?.revision === fixed && healthyAndSyncedExcept(baseline)(a),
    });
    console.log(`reverted: ${appLine(back)}`);
  });
});
