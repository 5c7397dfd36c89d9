/**
 * Argo Rollouts in the e2e (issue 18): the real controller, v1.8.3 — the app version the
 * platform's argo-rollouts chart (2.40.2) deploys — built by scripts/install-tools from
 * tools/argo-rollouts, run as a local process against the e2e API server with the chart's
 * arguments (leader election on: the add-on runs 2 replicas). It reconciles the production
 * api-svc Rollout ArgoCD syncs and runs its AnalysisRuns for real, so ArgoCD reads real Rollout
 * health (Progressing / Paused / Degraded / Healthy).
 *
 * The analyses query Prometheus at the address the rendered AnalysisTemplate names (a cluster
 * Service DNS name). The controller's Prometheus provider builds its HTTP transport with
 * `Proxy: http.ProxyFromEnvironment` (metricproviders/prometheus/prometheus.go, v1.8.3), so the
 * e2e starts it with HTTP_PROXY pointing at service-proxy.ts, which maps exactly those
 * `host:port`s to the e2e's Prometheus (prometheus.ts) and refuses anything else; NO_PROXY keeps
 * the API server direct. The AnalysisTemplate is not edited.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROLLOUTS_LEADER_LEASE, walk } from '../cluster/apply.ts';
import { kubePath, type KubeObject } from './kube.ts';
import type { ControllerEntry, PlatformController } from './platform-controllers.ts';
import { freePort, startProcess, waitForPort } from './processes.ts';
import { rolloutServiceMonitors, SCRAPE_INTERVAL, startPrometheus } from './prometheus.ts';
import { startServiceProxy } from './service-proxy.ts';

export const ARGO_ROLLOUTS = 'argo-rollouts';
const CHART = 'argo-rollouts';

/** What scenario files get via `inject('gitops').controllers['argo-rollouts']`. */
export interface ArgoRolloutsHandle extends Record<string, unknown> {
  readonly prometheusUrl: string;
  /** "<namespace>/<ServiceMonitor>" → file_sd file of its scrape job (the scenario writes the targets). */
  readonly targetFiles: Record<string, string>;
  /** Prometheus Service addresses of the rendered AnalysisTemplates, as routed to prometheusUrl. */
  readonly routedAddresses: string[];
  readonly controllerLog: string;
  readonly scrapeInterval: string;
}

/** `host:port` of every Prometheus address in the rendered (Cluster)AnalysisTemplates. */
export function analysisPrometheusAddresses(objs: readonly KubeObject[]): string[] {
  const out = new Set<string>();
  for (const o of objs.filter((x) => x.kind === 'AnalysisTemplate' || x.kind === 'ClusterAnalysisTemplate')) {
    for (const m of o.spec?.metrics ?? []) {
      const address: string | undefined = m.provider?.prometheus?.address;
      if (!address) continue;
      const u = new URL(address);
      if (u.protocol !== 'http:') throw new Error(`${o.kind} ${o.metadata?.namespace}/${o.metadata?.name} metric ${m.name}: address ${address} is not http:// (the e2e routes plain HTTP only)`);
      out.add(`${u.hostname}:${u.port || '80'}`);
    }
  }
  return [...out].sort();
}

export const argoRollouts: ControllerEntry = {
  name: ARGO_ROLLOUTS,
  async start(ctx): Promise<PlatformController> {
    const bin = (n: string) => join(ctx.root, '.tools', 'bin', n);
    for (const b of ['rollouts-controller', 'prometheus']) {
      if (!existsSync(bin(b))) throw new Error(`${bin(b)} missing: run scripts/install-tools rollouts-controller prometheus`);
    }
    const addon = ctx.addons.find((a) => a.chart === CHART);
    if (!addon) throw new Error(`no ${CHART} add-on in argocd/apps: nothing says which namespace the controller runs in`);
    const files = walk(join(ctx.root, 'dist'));
    const objs = files.map((f) => parseYaml(readFileSync(f, 'utf8')) as KubeObject);
    const addresses = analysisPrometheusAddresses(objs);

    const prometheus = await startPrometheus({ binary: bin('prometheus'), workDir: join(ctx.workDir, 'prometheus'), serviceMonitors: rolloutServiceMonitors(files), log: ctx.log });
    const local = prometheus.url.replace(/^http:\/\//, '');
    const proxy = await startServiceProxy({ routes: Object.fromEntries(addresses.map((a) => [a, local])), log: ctx.log });
    const [metricsPort, healthzPort] = [await freePort(), await freePort()];
    const proc = startProcess('rollouts-controller', bin('rollouts-controller'), [
      `--kubeconfig=${ctx.cluster.kubeconfig}`,
      `--healthzPort=${healthzPort}`,
      `--metricsport=${metricsPort}`,
      '--loglevel=info',
      '--logformat=text',
      '--kloglevel=0',
      '--leader-elect',
    ], { logFile: join(ctx.workDir, 'rollouts-controller.log'), env: { POD_NAMESPACE: addon.namespace, ...proxy.env() } });
    const stop = async () => {
      await proc.stop();
      await proxy.stop();
      await prometheus.stop();
      if (proxy.refused.length) ctx.log(`service proxy refused: ${[...new Set(proxy.refused)].join(', ')}`);
    };
    try {
      await waitForPort(proc, healthzPort, 30_000);
      // Leading: the controller reconciles from now on.
      await ctx.kube.waitFor(
        { path: kubePath('coordination.k8s.io/v1', 'leases', addon.namespace), name: ROLLOUTS_LEADER_LEASE, what: `Lease ${addon.namespace}/${ROLLOUTS_LEADER_LEASE} held by the rollouts controller`, timeoutMs: 30_000 },
        ([l]) => (l?.spec?.holderIdentity ? l : undefined),
      );
    } catch (e) {
      await stop();
      throw new Error(`${(e as Error).message}\n${proc.tail()}`);
    }
    ctx.log(`argo-rollouts: controller v1.8.3 leading in ${addon.namespace} (log ${proc.logFile}); analyses reach ${addresses.join(', ')} through ${proxy.url}`);
    const handle: ArgoRolloutsHandle = {
      prometheusUrl: prometheus.url,
      targetFiles: prometheus.targetFiles,
      routedAddresses: addresses,
      controllerLog: proc.logFile,
      scrapeInterval: SCRAPE_INTERVAL,
    };
    return {
      name: ARGO_ROLLOUTS,
      assesses: [{ group: 'argoproj.io', kind: 'Rollout' }],
      differences: [
        `argo-rollouts: the controller (v1.8.3, chart ${addon.version}'s app version) runs as a local process with the e2e admin's kubeconfig, not the chart's ServiceAccount and RBAC; one instance, leader election on (the add-on runs 2); the chart itself is not rendered (CRDs only)`,
        'argo-rollouts: its CRDs are .tools/crds/argo-rollouts (generated from v1.10.1, what verify checks), not the v1.8.3 CRDs the chart installs',
        `argo-rollouts: the AnalysisTemplates' Prometheus (${addresses.join(', ')}) is reached through HTTP_PROXY (a local forward proxy routing only that Service) and is a bare Prometheus 3.16.0 (no kube-prometheus-stack, no rules, no Alertmanager)`,
        `prometheus: scrapes the rendered ServiceMonitors of Rollout services every ${SCRAPE_INTERVAL} (rendered: 30s; new targets picked up within ${SCRAPE_INTERVAL}, default 5s) with the operator's target labels and the rendered relabelings; its targets are exporters the canary scenario runs for the simulated pods (file_sd with the meta labels Kubernetes SD would give each pod)`,
      ],
      handle,
      stop,
    };
  },
};
