/**
 * What the operator of scenario 10 reads and does around an Argo Rollout: sync a pushed revision
 * of a production Application (by hand outside the production window, as the runbook says), the
 * Rollout's status line (`kubectl argo rollouts get rollout`), and its AnalysisRuns.
 */
import { APPLICATIONS_PATH } from '../controllers/argocd.ts';
import { appLine, terminateOperation } from '../controllers/applications.ts';
import { kubePath, type Kube, type KubeObject } from '../controllers/kube.ts';

export const ROLLOUTS = (ns: string) => kubePath('argoproj.io/v1alpha1', 'rollouts', ns);
export const ANALYSIS_RUNS = (ns: string) => kubePath('argoproj.io/v1alpha1', 'analysisruns', ns);

/**
 * Starts a sync of the Application's target revision as a user (not automated), the way
 * `argocd app sync` does: it sets `operation` on the Application; the controller runs it,
 * checking the project's sync windows for a manual sync (production's window allows it).
 */
async function syncByHand(kube: Kube, name: string, username: string): Promise<void> {
  const app = await kube.get(`${APPLICATIONS_PATH}/${name}`);
  await kube.patch(`${APPLICATIONS_PATH}/${name}`, {
    operation: {
      initiatedBy: { username },
      info: [{ name: 'reason', value: 'flextime e2e' }],
      retry: app.spec?.syncPolicy?.retry,
      sync: { prune: false, syncOptions: app.spec?.syncPolicy?.syncOptions, revision: app.spec?.source?.targetRevision ?? 'HEAD' },
    },
  });
}

/**
 * Waits until Application `name` has synced revision `sha`. Inside the production window
 * ArgoCD's automated sync does it; outside, that sync waits "blocked by sync window" and the
 * platform admin stops it and syncs by hand (manualSync: true), once.
 */
export async function syncRevision(kube: Kube, name: string, sha: string, admin: string, timeoutMs: number): Promise<{ byHand: boolean }> {
  let asked = false;
  let terminated = false;
  const failures: string[] = [];
  await kube.waitFor(
    { path: APPLICATIONS_PATH, name, what: `${name} synced to ${sha.slice(0, 12)}`, timeoutMs, describe: ([a]) => `${appLine(a, name)}${failures.length ? `; ${failures.join('; ')}` : ''}` },
    ([a]) => {
      if (!a) return undefined;
      const op = a.status?.operationState;
      if (op?.syncResult?.revision === sha && op.phase === 'Succeeded') return a;
      if (op?.phase === 'Running' && /blocked by sync window/.test(op.message ?? '') && op.operation?.initiatedBy?.automated && !terminated) {
        terminated = true;
        terminateOperation(kube, name).catch((e) => failures.push(`terminate-op: ${(e as Error).message}`));
        return undefined;
      }
      const idle = !a.operation && (!op || ['Succeeded', 'Failed', 'Error'].includes(op.phase));
      if (idle && !asked && a.status?.sync?.revision === sha && a.status?.sync?.status === 'OutOfSync') {
        asked = true;
        syncByHand(kube, name, admin).catch((e: Error) => failures.push(`sync by hand: ${e.message}`));
      }
      return undefined;
    },
  );
  return { byHand: asked };
}

/** Roughly `kubectl argo rollouts get rollout` in one line. */
export function rolloutLine(r: KubeObject | undefined): string {
  if (!r) return 'no Rollout';
  const s = r.status ?? {};
  const analysis = s.canary?.currentStepAnalysisRunStatus;
  const pauses = (s.pauseConditions ?? []).map((p: { reason: string }) => p.reason).join(',');
  return [
    `phase ${s.phase ?? '?'}${s.message ? ` (${s.message})` : ''}`,
    `step ${s.currentStepIndex ?? '-'}/${r.spec?.strategy?.canary?.steps?.length ?? '?'}`,
    `stable ${s.stableRS ?? '-'}, current ${s.currentPodHash ?? '-'}`,
    `updated ${s.updatedReplicas ?? 0}/${s.replicas ?? 0} ready ${s.readyReplicas ?? 0}`,
    s.abort ? 'ABORTED' : '',
    pauses ? `paused: ${pauses}` : '',
    analysis ? `analysis ${analysis.name} ${analysis.status}` : '',
  ].filter(Boolean).join(', ');
}

/** The AnalysisRuns the controller created for pod-template hash `hash`, by step index. */
export async function analysisRunsOf(kube: Kube, ns: string, hash: string): Promise<KubeObject[]> {
  return (await kube.list(ANALYSIS_RUNS(ns), `labelSelector=rollouts-pod-template-hash%3D${hash}`))
    .sort((a, b) => Number(a.metadata?.labels?.['step-index'] ?? 0) - Number(b.metadata?.labels?.['step-index'] ?? 0));
}

/** One AnalysisRun: phase, then each metric's phase and measured values. */
export function runLine(run: KubeObject): string {
  const metrics = (run.status?.metricResults ?? []).map((m: { name: string; phase: string; measurements?: { phase: string; value?: string }[] }) =>
    `${m.name} ${m.phase} [${(m.measurements ?? []).map((x) => `${x.phase}${x.value !== undefined ? `=${x.value}` : ''}`).join(' ')}]`);
  return `${run.metadata?.name} (step ${run.metadata?.labels?.['step-index'] ?? '?'}): ${run.status?.phase ?? 'Pending'}${run.status?.message ? ` — ${run.status.message}` : ''}; ${metrics.join('; ')}`;
}
