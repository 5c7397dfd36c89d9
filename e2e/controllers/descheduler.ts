/**
 * The descheduler add-on's controller, for real: the binary tools/client-go-0.35 builds (the release
 * the add-on pins as its image tag), run as a local process against the e2e API server.
 *
 * ArgoCD renders the vendored chart (test/fixtures/charts/descheduler-*) with our values; the
 * chart's Deployment pods are simulated like every other pod, so they descheduler nothing. This
 * waits for the ConfigMap the chart renders `deschedulerPolicy` into and starts the descheduler
 * with exactly that file. One difference, printed with the others: the loop runs every
 * DESCHEDULING_INTERVAL instead of the add-on's value, so a scenario does not wait minutes.
 * Leader election stays on (the Lease is real), as with the chart's two replicas.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddonApp } from './addons.ts';
import { Kube, kubePath } from './kube.ts';
import { startProcess, type Proc } from './processes.ts';

export const DESCHEDULING_INTERVAL = '5s';
/** The process's log, in the work dir startDescheduler is given (`<gitops workDir>/descheduler`). */
export const DESCHEDULER_LOG = 'descheduler.log';
/** The add-on whose chart renders the policy (config/addons-scheduling.ts). */
export const DESCHEDULER_CHART = 'descheduler';

export interface Descheduler {
  /** Why it is not running (no vendored chart, no binary), or undefined. */
  readonly skipped?: string;
  readonly difference?: string;
  /** Resolves once the process runs with the rendered policy. */
  readonly running: Promise<void>;
  /** Evictions so far, as the descheduler logged them. */
  log(): string;
  stop(): Promise<void>;
}

export function startDescheduler(
  kube: Kube,
  opts: { addon: AddonApp | undefined; binary: string; binaryExists: boolean; kubeconfig: string; workDir: string; log: (line: string) => void },
): Descheduler {
  const { addon } = opts;
  if (!addon?.vendoredDir || !opts.binaryExists) {
    const skipped = !addon ? `no ${DESCHEDULER_CHART} add-on in argocd/apps` : !addon.vendoredDir ? `chart ${addon.chart} ${addon.version} not vendored` : `${opts.binary} missing (scripts/install-tools descheduler)`;
    const running = Promise.reject(new Error(`descheduler not running: ${skipped}`));
    running.catch(() => {}); // awaited only by the scenarios that need it
    return { skipped, running, log: () => '', stop: async () => {} };
  }
  mkdirSync(opts.workDir, { recursive: true });
  const abort = new AbortController();
  let proc: Proc | undefined;
  // The chart names everything after the release (ArgoCD's releaseName = the chart name).
  const configMap = DESCHEDULER_CHART;
  const running = (async () => {
    const cm = await kube.waitFor(
      {
        path: kubePath('v1', 'configmaps', addon.namespace),
        name: configMap,
        what: `ConfigMap ${addon.namespace}/${configMap} (the policy the chart renders) synced by ArgoCD`,
        timeoutMs: 24 * 3600_000,
        signal: abort.signal,
      },
      ([o]) => (o?.data?.['policy.yaml'] ? o : undefined),
    );
    const policy = join(opts.workDir, 'policy.yaml');
    writeFileSync(policy, cm.data['policy.yaml']);
    proc = startProcess('descheduler', opts.binary, [
      `--kubeconfig=${opts.kubeconfig}`,
      `--policy-config-file=${policy}`,
      `--descheduling-interval=${DESCHEDULING_INTERVAL}`,
      '--leader-elect=true',
      `--leader-elect-resource-namespace=${addon.namespace}`,
      '--secure-port=0',
      '--v=3',
    ], { logFile: join(opts.workDir, DESCHEDULER_LOG) });
    opts.log(`descheduler: running with the policy of ${addon.namespace}/${configMap} every ${DESCHEDULING_INTERVAL} (log ${proc.logFile})`);
  })();
  running.catch((e) => {
    if (!abort.signal.aborted) opts.log(`descheduler: ${(e as Error).message}`);
  });
  return {
    difference: `descheduler ${addon.chart} chart rendered by ArgoCD, its controller runs as a local process (.tools/bin/descheduler) with the rendered policy every ${DESCHEDULING_INTERVAL}, not the add-on's deschedulingInterval`,
    running,
    log: () => proc?.tail(200) ?? '',
    stop: async () => {
      abort.abort();
      await proc?.stop();
    },
  };
}

/**
 * The pods the descheduler evicted, as its log names them (`"Evicted pod" pod="<ns>/<name>" …
 * strategy="<plugin>"`), each with the plugin that evicted it. Empty while there is no log.
 */
export function deschedulerEvictions(logFile: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return new Map();
  }
  return new Map([...text.matchAll(/"Evicted pod" pod="([^"]+)".*? strategy="([^"]+)"/g)].map((m) => [m[1]!, m[2]!]));
}
