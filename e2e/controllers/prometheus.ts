/**
 * A real Prometheus server (.tools/bin/prometheus, scripts/install-tools: v0.316.0 = Prometheus
 * 3.16.0, the module promtool is built from) for what the platform's analyses query.
 *
 * It scrapes the rendered ServiceMonitors of the services a Rollout delivers, with the scrape
 * job the Prometheus Operator would generate for them: the operator's target labels (namespace,
 * service, pod, container, endpoint, job from `jobLabel`) from Kubernetes service-discovery meta
 * labels, then the ServiceMonitor's own `relabelings` exactly as rendered (so the
 * `rollouts_pod_template_hash` relabeling under test is the one in dist/). The pods are simulated,
 * so there is no Kubernetes SD: the targets come from a file (file_sd) that the scenario writes
 * with the meta labels Kubernetes SD (role endpoints) would give each real pod, pointing at
 * exporters the scenario runs on 127.0.0.1 (e2e/scenarios/canary-traffic.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { freePort, startProcess, waitForPort, type Proc } from './processes.ts';
import type { KubeObject } from './kube.ts';

/** Scrape and rule-evaluation interval in the e2e (the ServiceMonitors say 30s). */
export const SCRAPE_INTERVAL = '1s';

export interface Prometheus {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly proc: Proc;
  /** "<namespace>/<ServiceMonitor>" → the file_sd file its job reads. */
  readonly targetFiles: Record<string, string>;
  stop(): Promise<void>;
}

type Relabel = Record<string, unknown>;

/** A ServiceMonitor relabeling (camelCase, as rendered) as a Prometheus relabel_config. */
function relabelConfig(r: Record<string, unknown>): Relabel {
  const keys: Record<string, string> = { sourceLabels: 'source_labels', targetLabel: 'target_label' };
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [keys[k] ?? k, k === 'action' ? String(v).toLowerCase() : v]));
}

const metaLabel = (prefix: string, key: string) => `${prefix}${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;

/**
 * The scrape job the Prometheus Operator generates for endpoint `i` of a ServiceMonitor (role
 * endpoints): keep the selected Service's `port` endpoints, the standard target labels, then the
 * endpoint's relabelings. Only `interval` differs (SCRAPE_INTERVAL), and the targets come from
 * `targetsFile`.
 */
export function serviceMonitorJob(sm: KubeObject, i: number, targetsFile: string): Record<string, unknown> {
  const ep = sm.spec.endpoints[i];
  const ns: string = sm.metadata!.namespace!;
  const keep: Relabel[] = Object.entries((sm.spec.selector?.matchLabels ?? {}) as Record<string, string>).flatMap(([k, v]) => [
    { action: 'keep', source_labels: [metaLabel('__meta_kubernetes_service_label_', k), metaLabel('__meta_kubernetes_service_labelpresent_', k)], regex: `(${v});true` },
  ]);
  if (!ep.port) throw new Error(`ServiceMonitor ${ns}/${sm.metadata!.name}: endpoints[${i}] has no port (the e2e scrapes named ports only)`);
  const relabel: Relabel[] = [
    { action: 'keep', source_labels: ['__meta_kubernetes_namespace'], regex: (sm.spec.namespaceSelector?.matchNames ?? [ns]).join('|') },
    ...keep,
    { action: 'keep', source_labels: ['__meta_kubernetes_endpoint_port_name'], regex: ep.port },
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
    { source_labels: ['__meta_kubernetes_service_name'], target_label: 'job' },
    ...(sm.spec.jobLabel ? [{ source_labels: [metaLabel('__meta_kubernetes_service_label_', sm.spec.jobLabel)], target_label: 'job', regex: '(.+)' }] : []),
    { target_label: 'endpoint', replacement: ep.port },
    ...((ep.relabelings ?? []) as Record<string, unknown>[]).map(relabelConfig),
  ];
  return {
    job_name: `serviceMonitor/${ns}/${sm.metadata!.name}/${i}`,
    honor_labels: ep.honorLabels ?? false,
    scrape_interval: SCRAPE_INTERVAL,
    metrics_path: ep.path ?? '/metrics',
    file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }],
    relabel_configs: relabel,
  };
}

export async function startPrometheus(opts: {
  binary: string;
  workDir: string;
  /** Rendered ServiceMonitors to scrape. */
  serviceMonitors: readonly KubeObject[];
  log: (line: string) => void;
}): Promise<Prometheus> {
  mkdirSync(join(opts.workDir, 'targets'), { recursive: true });
  const targetFiles: Record<string, string> = {};
  const jobs = opts.serviceMonitors.flatMap((sm) => {
    const key = `${sm.metadata!.namespace}/${sm.metadata!.name}`;
    const file = join(opts.workDir, 'targets', `${sm.metadata!.namespace}_${sm.metadata!.name}.json`);
    writeFileSync(file, '[]\n');
    targetFiles[key] = file;
    return (sm.spec.endpoints as unknown[]).map((_, i) => serviceMonitorJob(sm, i, file));
  });
  const config = join(opts.workDir, 'prometheus.yaml');
  writeFileSync(config, stringify({ global: { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: SCRAPE_INTERVAL }, scrape_configs: jobs }));
  const port = await freePort();
  const proc = startProcess('prometheus', opts.binary, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(opts.workDir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // New targets reach the scrape manager after this throttle (default 5 s, a hidden flag): a
    // canary pod must be scraped before its first analysis measurement needs two samples.
    `--scrape.discovery-reload-interval=${SCRAPE_INTERVAL}`,
    '--log.level=info',
  ], { logFile: join(opts.workDir, 'prometheus.log') });
  try {
    await waitForPort(proc, port, 30_000);
    await waitReady(`http://127.0.0.1:${port}`, proc, 30_000);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  const url = `http://127.0.0.1:${port}`;
  opts.log(`prometheus ${url}: ${jobs.length} scrape job(s) from ServiceMonitors ${Object.keys(targetFiles).join(', ')} every ${SCRAPE_INTERVAL} (log ${proc.logFile})`);
  return { url, proc, targetFiles, stop: () => proc.stop() };
}

/** /-/ready answers 503 until the TSDB is open; the port listens before that. */
async function waitReady(url: string, proc: Proc, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await fetch(`${url}/-/ready`).then((x) => x.status, (e: Error) => e.message);
    if (r === 200) return;
    last = String(r);
    // No event to wait on: Prometheus has no readiness notification. Probe again shortly.
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`expected prometheus ${url}/-/ready to answer 200 within ${timeoutMs / 1000} s, saw ${last}:\n${proc.tail()}`);
}

/** Rendered ServiceMonitors of the services a rendered Rollout delivers (same namespace and name). */
export function rolloutServiceMonitors(files: readonly string[]): KubeObject[] {
  const objs = files.map((f) => parseYaml(readFileSync(f, 'utf8')) as KubeObject);
  const rollouts = new Set(objs.filter((o) => o.kind === 'Rollout').map((o) => `${o.metadata!.namespace}/${o.metadata!.name}`));
  return objs.filter((o) => o.kind === 'ServiceMonitor' && rollouts.has(`${o.metadata!.namespace}/${o.metadata!.name}`));
}
