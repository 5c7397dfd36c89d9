/**
 * Synthetic api-svc traffic for the canary scenario: one /metrics exporter on 127.0.0.1 per real
 * (simulated) pod of a Service, exposing the series api-svc's prom-client exports
 * (config/metrics.ts: http_requests_total and the http_request_duration_seconds histogram with
 * the app's own `service`, `code`, `route`, `method` labels), at the request rate, 5xx share and
 * slow share the scenario sets for the pod's version. The e2e's Prometheus finds them through
 * the file_sd file of the ServiceMonitor's scrape job, each target carrying the meta labels
 * Kubernetes service discovery (role endpoints) would give that pod — its name, its labels
 * (rollouts-pod-template-hash among them), the Service's name, labels and port names — so the
 * series get their labels from the rendered ServiceMonitor's relabeling, not from this file.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KNOWN_METRICS } from '../../config/metrics.ts';
import { kubePath, type Kube, type KubeObject } from '../controllers/kube.ts';

/** Requests a minute to each pod of a version, the share answered 5xx and the share slower than 0.5 s. */
export interface Traffic {
  readonly perMinute: number;
  readonly errors: number;
  readonly slow: number;
  /** Does the process export a code="500" series at all (one that never answered 5xx has none). */
  readonly has5xxSeries: boolean;
}

export interface CanaryTraffic {
  /** Traffic of the pods whose rollouts-pod-template-hash is `stableHash`, and of every other pod. */
  set(t: { stableHash: string; stable: Traffic; canary: Traffic }): void;
  /** Pods currently exported, as "pod (hash)". */
  targets(): string[];
  stop(): Promise<void>;
}

const HASH_LABEL = 'rollouts-pod-template-hash';
const FAST_SECONDS = 0.1;
const SLOW_SECONDS = 1;
const ROUTE = { method: 'GET', route: '/v1/schedules' };
const BUCKETS = KNOWN_METRICS.find((m) => m.name === 'http_request_duration_seconds')?.buckets ?? [];

interface Exporter {
  readonly server: Server;
  readonly port: number;
  readonly hash: string;
  /** Counters since the pod started: requests by code, slow requests. */
  ok: number;
  failed: number;
  slow: number;
  at: number;
  traffic(): Traffic;
}

const sanitize = (k: string) => k.replace(/[^a-zA-Z0-9_]/g, '_');
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(6));

/** prom-client's text exposition of one pod's counters. */
function exposition(e: Exporter): string {
  const t = e.traffic();
  const now = Date.now();
  const perSecond = t.perMinute / 60;
  const dt = (now - e.at) / 1000;
  e.at = now;
  e.ok += perSecond * (1 - t.errors) * dt;
  e.failed += perSecond * t.errors * dt;
  e.slow += perSecond * t.slow * dt;
  const base = { service: 'api-svc', ...ROUTE };
  const labels = (extra: Record<string, string>) => `{${Object.entries({ ...base, ...extra }).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  const total = e.ok + e.failed;
  const lines = ['# HELP http_requests_total HTTP requests answered', '# TYPE http_requests_total counter', `http_requests_total${labels({ code: '200' })} ${fmt(e.ok)}`];
  if (t.has5xxSeries || e.failed > 0) lines.push(`http_requests_total${labels({ code: '500' })} ${fmt(e.failed)}`);
  lines.push('# HELP http_request_duration_seconds HTTP request latency', '# TYPE http_request_duration_seconds histogram');
  for (const le of BUCKETS) {
    const n = (le >= FAST_SECONDS ? total - e.slow : 0) + (le >= SLOW_SECONDS ? e.slow : 0);
    lines.push(`http_request_duration_seconds_bucket${labels({ code: '200', le: String(le) })} ${fmt(n)}`);
  }
  lines.push(`http_request_duration_seconds_bucket${labels({ code: '200', le: '+Inf' })} ${fmt(total)}`);
  lines.push(`http_request_duration_seconds_sum${labels({ code: '200' })} ${fmt((total - e.slow) * FAST_SECONDS + e.slow * SLOW_SECONDS)}`);
  lines.push(`http_request_duration_seconds_count${labels({ code: '200' })} ${fmt(total)}`);
  return `${lines.join('\n')}\n`;
}

/** The meta labels Kubernetes SD (role endpoints) gives one endpoint port of `pod` behind `svc`. */
function metaLabels(svc: KubeObject, pod: KubeObject, portName: string): Record<string, string> {
  const out: Record<string, string> = {
    __meta_kubernetes_namespace: pod.metadata!.namespace!,
    __meta_kubernetes_service_name: svc.metadata!.name!,
    __meta_kubernetes_pod_name: pod.metadata!.name!,
    __meta_kubernetes_pod_ip: pod.status?.podIP ?? '',
    __meta_kubernetes_pod_node_name: pod.spec?.nodeName ?? '',
    __meta_kubernetes_endpoint_port_name: portName,
    __meta_kubernetes_endpoint_ready: 'true',
  };
  const target = (svc.spec.ports as { name: string; targetPort: string | number }[]).find((p) => p.name === portName)?.targetPort;
  const container = (pod.spec.containers as { name: string; ports?: { name?: string; containerPort: number }[] }[]).find((c) =>
    (c.ports ?? []).some((p) => p.name === target || p.containerPort === target));
  if (container) out.__meta_kubernetes_pod_container_name = container.name;
  for (const [k, v] of Object.entries((svc.metadata!.labels ?? {}) as Record<string, string>)) {
    out[`__meta_kubernetes_service_label_${sanitize(k)}`] = v;
    out[`__meta_kubernetes_service_labelpresent_${sanitize(k)}`] = 'true';
  }
  for (const [k, v] of Object.entries((pod.metadata!.labels ?? {}) as Record<string, string>)) {
    out[`__meta_kubernetes_pod_label_${sanitize(k)}`] = v;
    out[`__meta_kubernetes_pod_labelpresent_${sanitize(k)}`] = 'true';
  }
  return out;
}

export async function startCanaryTraffic(opts: { kube: Kube; namespace: string; service: string; targetsFile: string; log?: (l: string) => void }): Promise<CanaryTraffic> {
  const svc = await opts.kube.get(kubePath('v1', 'services', opts.namespace, opts.service));
  const selector = Object.entries(svc.spec.selector as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
  const idle: Traffic = { perMinute: 0, errors: 0, slow: 0, has5xxSeries: false };
  let profile = { stableHash: '', stable: idle, canary: idle };
  const exporters = new Map<string, Exporter>();
  let written = '';

  const exporterFor = async (pod: KubeObject): Promise<Exporter> => {
    const hash: string = pod.metadata!.labels?.[HASH_LABEL] ?? '';
    const e: Exporter = {
      server: createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(exposition(e));
      }),
      port: 0, hash, ok: 0, failed: 0, slow: 0, at: Date.now(),
      traffic: () => (hash === profile.stableHash ? profile.stable : profile.canary),
    };
    await new Promise<void>((r) => e.server.listen(0, '127.0.0.1', r));
    (e as { port: number }).port = (e.server.address() as AddressInfo).port;
    return e;
  };

  const sync = async (pods: KubeObject[]) => {
    const live = pods.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
    const names = new Set(live.map((p) => p.metadata!.name as string));
    for (const [name, e] of exporters) {
      if (!names.has(name)) {
        exporters.delete(name);
        e.server.close();
      }
    }
    for (const p of live) if (!exporters.has(p.metadata!.name!)) exporters.set(p.metadata!.name!, await exporterFor(p));
    // One target per Service port, as Kubernetes SD gives them; the job keeps the ServiceMonitor's port.
    const groups = live.flatMap((p) => (svc.spec.ports as { name: string }[]).map((port) => ({
      targets: [`127.0.0.1:${exporters.get(p.metadata!.name!)!.port}`],
      labels: metaLabels(svc, p, port.name),
    })));
    const text = `${JSON.stringify(groups, null, 1)}\n`;
    if (text === written) return;
    written = text;
    // Atomic for file_sd: it reads the file on the rename event.
    writeFileSync(`${opts.targetsFile}.tmp`, text);
    renameSync(`${opts.targetsFile}.tmp`, opts.targetsFile);
  };

  const abort = new AbortController();
  let queue = Promise.resolve();
  const watching = opts.kube
    .waitFor({ path: kubePath('v1', 'pods', opts.namespace), labelSelector: selector, what: `pods of Service ${opts.namespace}/${opts.service}`, timeoutMs: 3_600_000, signal: abort.signal }, (pods) => {
      queue = queue.then(() => sync(pods)).catch((e) => opts.log?.(`canary traffic: ${(e as Error).message}`));
      return undefined;
    })
    .catch((e) => {
      if (!abort.signal.aborted) opts.log?.(`canary traffic: pod watch ended: ${(e as Error).message}`);
    });
  return {
    set: (t) => {
      profile = t;
    },
    targets: () => [...exporters].map(([pod, e]) => `${pod} (${e.hash})`),
    stop: async () => {
      abort.abort();
      await watching;
      await queue;
      for (const e of exporters.values()) e.server.close();
      writeFileSync(opts.targetsFile, '[]\n');
    },
  };
}
