/**
 * The metric contract, as scraped (issue 19 class 1): every label matcher of every rendered
 * alerting/recording rule, dashboard panel and AnalysisTemplate query (issue 18) can match a
 * series as Prometheus stores it, in the environment the rule, panel or analysis is for.
 * config/metrics.ts says what the producers publish; how a scrape changes that is written here by
 * hand (SCRAPE): which namespaces a producer's series come from, and whether its ServiceMonitor
 * keeps the producer's labels (honorLabels) or moves a clashing one to `exported_<label>`. Where a
 * producer runs is read from the rendered workloads; a label a rendered ServiceMonitor copies from
 * a pod label (relabeling) counts only where the producer's pods carry that pod label: their
 * template's labels plus the ones their controller stamps (CONTROLLER_POD_LABELS).
 *
 * It also routes every rendered alert, plus the cluster's own alerts kube-prometheus-stack ships,
 * through the rendered Alertmanager configuration: production and cluster-level critical alerts
 * must page, Watchdog must reach a dead man's switch.
 */
import { describe, expect, it } from 'vitest';
import { KNOWN_METRICS, type KnownMetric, type MetricSource } from '../config/metrics.ts';
import { selectors } from '../lib/monitoring/promql.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { objects, renderPlatform } from './helpers.ts';

/** Labels every ServiceMonitor/PodMonitor target adds (prometheus-operator's defaults). */
const TARGET_LABELS = ['namespace', 'service', 'pod', 'container', 'endpoint', 'job', 'instance'];

/**
 * Per producer: where its series are scraped and whether the producer's labels are honoured.
 * `env:<workload>` = scraped in the environment namespaces where that workload runs; `any` =
 * cluster-wide objects labelled with their own namespace (kube-state-metrics, kubelet, cAdvisor
 * and Prometheus scrape with honorLabels, so `namespace` is the object's).
 */
const SCRAPE: Record<MetricSource, { namespaces: `env:${string}` | 'any' | string[]; honorLabels: boolean }> = {
  'api-svc': { namespaces: 'env:api-svc', honorLabels: false },
  'scheduler-svc': { namespaces: 'env:scheduler-svc', honorLabels: false },
  // Pushed to the Pushgateway, scraped with honorLabels (charts/database.ts).
  'backup-job': { namespaces: 'env:pushgateway', honorLabels: true },
  redis_exporter: { namespaces: 'env:redis', honorLabels: false },
  pgbouncer_exporter: { namespaces: 'env:pgbouncer', honorLabels: false },
  postgres_exporter: { namespaces: 'env:postgres-exporter', honorLabels: false },
  'kube-state-metrics': { namespaces: 'any', honorLabels: true },
  kubelet: { namespaces: 'any', honorLabels: true },
  cadvisor: { namespaces: 'any', honorLabels: true },
  prometheus: { namespaces: 'any', honorLabels: true },
  // The cert-manager chart's ServiceMonitor: honorLabels false, in cert-manager's namespace.
  'cert-manager': { namespaces: ['cert-manager'], honorLabels: false },
  gatekeeper: { namespaces: ['gatekeeper-system'], honorLabels: false },
  // The trivy-operator chart's ServiceMonitor keeps the producer's labels (serviceMonitor.honorLabels
  // defaults to true at 0.32.1): a report's `namespace` is the scanned object's.
  'trivy-operator': { namespaces: 'any', honorLabels: true },
  falcosidekick: { namespaces: ['falco'], honorLabels: false },
  'otel-collector': { namespaces: ['observability'], honorLabels: false },
  // The log collector's own metrics (dist/cluster/logging ServiceMonitor, honorLabels false).
  'log-collector': { namespaces: ['logging'], honorLabels: false },
};

/**
 * Labels each controller stamps on the pods it creates besides the pod template's (Kubernetes
 * and Argo Rollouts documentation), the only other pod labels a relabeling can copy.
 */
const CONTROLLER_POD_LABELS: Record<string, readonly string[]> = {
  Deployment: ['pod-template-hash'],
  Rollout: ['rollouts-pod-template-hash'],
  StatefulSet: ['controller-revision-hash', 'statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index'],
  DaemonSet: ['controller-revision-hash', 'pod-template-generation'],
};

/** A query and, for rules and analyses, the namespace of the object holding it (the environment's). */
interface Query { readonly where: string; readonly expr: string; readonly namespace?: string }

function metricOf(series: string): { known: KnownMetric; bucket: boolean } | undefined {
  for (const m of KNOWN_METRICS) {
    if (m.name === series) return { known: m, bucket: false };
    if (m.type === 'histogram' && ['_bucket', '_sum', '_count'].some((s) => series === m.name + s)) return { known: m, bucket: series.endsWith('_bucket') };
  }
  return undefined;
}

/** Every query of the rendered rules (per environment namespace) and dashboards (per variable value). */
function queries(all: readonly KubeObject[]): Query[] {
  const out: Query[] = [];
  for (const o of all) {
    if (o.kind === 'PrometheusRule') {
      for (const g of (o.spec as { groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }> }).groups) {
        for (const r of g.rules) out.push({ where: `${o.metadata.namespace}/${o.metadata.name} ${r.alert ?? r.record}`, expr: r.expr, namespace: o.metadata.namespace });
      }
    }
    if (o.kind === 'AnalysisTemplate') {
      for (const m of (o.spec as { metrics: Array<{ name: string; provider: { prometheus?: { query: string } } }> }).metrics) {
        if (!m.provider.prometheus) continue;
        // An argument ({{args.x}}) is some value at run time: any non-empty one matches alike.
        const expr = m.provider.prometheus.query.replace(/\{\{\s*args\.[^}]*\}\}/g, 'ARG');
        out.push({ where: `${o.metadata.namespace}/${o.metadata.name} ${m.name}`, expr, namespace: o.metadata.namespace });
      }
    }
    if (o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard) {
      for (const json of Object.values((o as unknown as { data: Record<string, string> }).data)) {
        const d = JSON.parse(json) as { title: string; templating: { list: Array<{ name: string; type: string; query: string }> }; panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
        const vars = d.templating.list.filter((v) => v.type === 'custom').map((v) => [v.name, v.query.split(',')] as const);
        for (const p of d.panels) {
          // Logs Insights targets (CloudWatch, the Logs row) read log groups, not metrics: test/dashboards.test.ts.
          for (const t of (p.targets ?? []).filter((x) => (x as { datasource?: { type?: string } }).datasource?.type !== 'cloudwatch')) {
            // Each variable over each of its values (they are independent choices).
            let exprs = [{ expr: t.expr.replaceAll('$__rate_interval', '5m'), at: '' }];
            for (const [name, values] of vars) {
              if (!exprs[0]!.expr.includes(`$${name}`)) continue;
              exprs = exprs.flatMap((e) => values.map((v) => ({ expr: e.expr.replace(new RegExp(`\\$${name}\\b`, 'g'), v), at: `${e.at} ${name}=${v}` })));
            }
            for (const e of exprs) out.push({ where: `dashboard '${d.title}' panel '${p.title}'${e.at}`, expr: e.expr });
          }
        }
      }
    }
  }
  return out;
}

/** Series labels the ServiceMonitor of `source` in `namespace` copies from a pod label its pods carry. */
function relabeledLabels(all: readonly KubeObject[], source: string, namespace: string | undefined): string[] {
  if (!namespace) return [];
  const podLabels = new Set(all
    .filter((o) => o.metadata.namespace === namespace && o.metadata.labels?.['app.kubernetes.io/name'] === source && CONTROLLER_POD_LABELS[o.kind])
    .flatMap((o) => [
      ...Object.keys((o.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template?.metadata?.labels ?? {}),
      ...CONTROLLER_POD_LABELS[o.kind]!,
    ])
    .map((l) => `__meta_kubernetes_pod_label_${l.replace(/[^a-zA-Z0-9_]/g, '_')}`));
  return all
    .filter((o) => o.kind === 'ServiceMonitor' && o.metadata.namespace === namespace && o.metadata.name === source)
    .flatMap((o) => (o.spec as { endpoints: Array<{ relabelings?: Array<{ action?: string; sourceLabels?: string[]; targetLabel?: string }> }> }).endpoints)
    .flatMap((e) => e.relabelings ?? [])
    .filter((r) => (r.action ?? 'replace') === 'replace' && r.targetLabel && r.sourceLabels?.length === 1 && podLabels.has(r.sourceLabels[0]!))
    .map((r) => r.targetLabel!);
}

/** Every matcher no scraped series can satisfy, as "where: why". */
export function unmatchableMatchers(all: readonly KubeObject[]): string[] {
  // Where each workload runs: namespaces with a pod template named after it.
  const runsIn = new Map<string, Set<string>>();
  for (const o of all) {
    const name = o.metadata.labels?.['app.kubernetes.io/name'];
    if (name && ['Deployment', 'StatefulSet', 'Rollout', 'CronJob'].includes(o.kind)) runsIn.set(name, (runsIn.get(name) ?? new Set()).add(o.metadata.namespace ?? ''));
  }
  // ALERTS carries each alerting rule's labels.
  const ruleLabels = new Set(all.filter((o) => o.kind === 'PrometheusRule').flatMap((o) =>
    (o.spec as { groups: Array<{ rules: Array<{ labels?: Record<string, string> }> }> }).groups.flatMap((g) => g.rules.flatMap((r) => Object.keys(r.labels ?? {})))));
  const problems: string[] = [];
  for (const q of queries(all)) {
    for (const s of selectors(q.expr)) {
      const found = metricOf(s.metric);
      if (!found) continue; // a recording rule of ours; test/monitoring.test.ts checks those exist
      const { known, bucket } = found;
      const scrape = SCRAPE[known.source];
      const producer = scrape.honorLabels ? known.labels : known.labels.map((l) => (TARGET_LABELS.includes(l) ? `exported_${l}` : l));
      const labels = new Set([
        ...producer, ...TARGET_LABELS, ...(bucket ? ['le'] : []), ...(known.name === 'ALERTS' ? ruleLabels : []),
        ...relabeledLabels(all, known.source, q.namespace),
      ]);
      const namespaces = scrape.namespaces === 'any' ? undefined
        : Array.isArray(scrape.namespaces) ? new Set(scrape.namespaces) : (runsIn.get(scrape.namespaces.slice(4)) ?? new Set<string>());
      for (const m of s.matchers) {
        const matchesEmpty = (m.op === '=' && m.value === '') || (m.op === '=~' && new RegExp(`^(?:${m.value})$`).test('')) || m.op === '!=' || m.op === '!~';
        if (!matchesEmpty && !labels.has(m.label)) {
          problems.push(`${q.where}: ${s.metric} has no label '${m.label}' as scraped (has ${[...labels].sort().join(', ')})`);
        }
        if (m.label === 'namespace' && m.op === '=' && namespaces && !namespaces.has(m.value)) {
          problems.push(`${q.where}: ${s.metric} is never scraped with namespace="${m.value}" (only ${[...namespaces].sort().join(', ') || 'nowhere'})`);
        }
      }
    }
  }
  return problems;
}

// ------------------------------------------------------------------------- routing

interface AmMatcher { name: string; value: string; matchType: string }
interface AmRoute { receiver: string; matchers?: AmMatcher[] }
interface AmReceiver { name: string; pagerdutyConfigs?: unknown[]; webhookConfigs?: unknown[] }

/** The receiver Alertmanager picks for `labels` (first matching route; absent label = ""). */
function receiverFor(config: KubeObject, labels: Record<string, string>): AmReceiver {
  const spec = config.spec as { route: AmRoute & { routes: AmRoute[] }; receivers: AmReceiver[] };
  const hit = spec.route.routes.find((r) => (r.matchers ?? []).every((m) => {
    const v = labels[m.name] ?? '';
    return m.matchType === '=~' ? new RegExp(`^(?:${m.value})$`).test(v) : v === m.value;
  }));
  return spec.receivers.find((r) => r.name === (hit ?? spec.route).receiver)!;
}

/** Alerts of kube-prometheus-stack's default rules (no `environment` label), as shipped. */
const CLUSTER_ALERTS = [
  { alertname: 'KubeAPIDown', severity: 'critical' },
  { alertname: 'KubeNodeNotReady', severity: 'warning' },
  { alertname: 'TargetDown', severity: 'warning' },
  { alertname: 'Watchdog', severity: 'none' },
];

export function routingProblems(all: readonly KubeObject[]): string[] {
  const config = all.find((o) => o.kind === 'AlertmanagerConfig')!;
  const rendered = all.filter((o) => o.kind === 'PrometheusRule').flatMap((o) =>
    (o.spec as { groups: Array<{ rules: Array<{ alert?: string; labels?: Record<string, string> }> }> }).groups.flatMap((g) =>
      g.rules.filter((r) => r.alert).map((r) => ({ alertname: r.alert!, ...r.labels }))));
  const problems: string[] = [];
  for (const alert of [...rendered, ...CLUSTER_ALERTS] as Array<Record<string, string>>) {
    const receiver = receiverFor(config, alert);
    const what = `${alert.alertname} (${alert.severity}${alert.environment ? `, ${alert.environment}` : ', cluster'})`;
    const pages = (receiver.pagerdutyConfigs ?? []).length > 0;
    if (alert.alertname === 'Watchdog') {
      if (!(receiver.webhookConfigs ?? []).length) problems.push(`${what} goes to '${receiver.name}', not a dead man's switch`);
    } else if (alert.severity === 'critical' && (alert.environment === 'production' || !alert.environment)) {
      if (!pages) problems.push(`${what} goes to '${receiver.name}', which does not page`);
    } else if (alert.severity === 'critical' && pages) {
      problems.push(`${what} pages, but only production and the cluster page`);
    }
    if (receiver.name === 'null' && alert.alertname !== 'InfoInhibitor') problems.push(`${what} goes nowhere`);
  }
  return problems;
}

const all = objects('', renderPlatform());

describe('metric contract as scraped', () => {
  it('reads selectors of rules and panels (sanity of the parser)', () => {
    expect(selectors('sum(rate(a_total{namespace="x",code=~"5.."}[5m])) / b{c!=""}')).toEqual([
      { metric: 'a_total', matchers: [{ label: 'namespace', op: '=', value: 'x' }, { label: 'code', op: '=~', value: '5..' }] },
      { metric: 'b', matchers: [{ label: 'c', op: '!=', value: '' }] },
    ]);
    expect(queries(all).length).toBeGreaterThan(80);
    expect(queries(all).filter((q) => q.where.startsWith('flextime-production/api-svc-slo ')).map((q) => q.where)).toEqual([
      'flextime-production/api-svc-slo api-availability', 'flextime-production/api-svc-slo api-latency-p95',
    ]);
  });

  it('every rule and panel matcher can match a series as scraped, in its environment', () => {
    expect(unmatchableMatchers(all)).toEqual([]);
  });

  it('finds planted instances: cert-manager read by `namespace`, Redis read in production', () => {
    const planted = structuredClone(all);
    const rule = planted.find((o) => o.kind === 'PrometheusRule' && o.metadata.namespace === 'flextime-production' && o.metadata.name === 'flextime-alerts')!;
    const groups = (rule.spec as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> }).groups;
    groups[0]!.rules.push(
      { alert: 'PlantedCert', expr: 'certmanager_certificate_expiration_timestamp_seconds{namespace="flextime-production"} - time() < 1' },
      { alert: 'PlantedRedis', expr: 'redis_memory_used_bytes{namespace="flextime-production"} > 1' },
    );
    expect(unmatchableMatchers(planted)).toEqual(expect.arrayContaining([
      'flextime-production/flextime-alerts PlantedCert: certmanager_certificate_expiration_timestamp_seconds is never scraped with namespace="flextime-production" (only cert-manager)',
      'flextime-production/flextime-alerts PlantedRedis: redis_memory_used_bytes is never scraped with namespace="flextime-production" (only flextime-development, flextime-staging)',
    ]));
  });

  it('finds planted instances: the canary hash label without its relabeling, or on pods that do not carry it', () => {
    const missing = (q: string) => expect.stringMatching(new RegExp(`^flextime-production/api-svc-slo ${q}: \\S+ has no label 'rollouts_pod_template_hash' as scraped`));
    const noRelabel = structuredClone(all);
    const monitor = noRelabel.find((o) => o.kind === 'ServiceMonitor' && o.metadata.namespace === 'flextime-production' && o.metadata.name === 'api-svc')!;
    for (const e of (monitor.spec as { endpoints: Array<{ relabelings?: unknown }> }).endpoints) delete e.relabelings;
    expect(unmatchableMatchers(noRelabel)).toEqual(expect.arrayContaining([missing('api-availability'), missing('api-latency-p95')]));
    const deployment = structuredClone(all);
    deployment.find((o) => o.kind === 'Rollout' && o.metadata.namespace === 'flextime-production' && o.metadata.name === 'api-svc')!.kind = 'Deployment';
    expect(unmatchableMatchers(deployment)).toEqual(expect.arrayContaining([missing('api-availability')]));
  });
});

describe('alert routing', () => {
  it('pages production and cluster-level critical alerts, sends Watchdog to the dead man\'s switch, drops nothing', () => {
    expect(routingProblems(all)).toEqual([]);
  });

  it('finds planted instances: Watchdog to null, cluster critical only to Slack', () => {
    const planted = structuredClone(all);
    const config = planted.find((o) => o.kind === 'AlertmanagerConfig')!;
    const routes = (config.spec as { route: { routes: Array<{ receiver: string; matchers: AmMatcher[] }> } }).route.routes;
    routes[0]!.receiver = 'null';
    const paging = routes.find((r) => r.receiver === 'oncall')!;
    paging.matchers = paging.matchers.map((m) => (m.name === 'environment' ? { ...m, value: 'production' } : m));
    expect(routingProblems(planted)).toEqual(expect.arrayContaining([
      "Watchdog (none, cluster) goes to 'null', not a dead man's switch",
      "KubeAPIDown (critical, cluster) goes to 'slack', which does not page",
    ]));
  });
});
