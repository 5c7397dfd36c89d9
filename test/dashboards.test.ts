import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { KNOWN_METRICS, knownSeriesNames } from '../config/metrics.ts';
import { dashboardSpecs } from '../charts/dashboard-specs.ts';
import { buildDashboard, dashboardQueries, type DashboardJson, type DashboardSpec } from '../lib/monitoring/grafana.ts';
import { metricNames } from '../lib/monitoring/promql.ts';
import { dashboardSvg } from '../lib/monitoring/dashboard-svg.ts';
import type { RuleGroup } from '../lib/monitoring/rules.ts';
import { renderDocuments } from '../lib/synth/engine.ts';
import { buildApp } from '../charts/index.ts';
import { objects, renderPlatform } from './helpers.ts';
import { ROOT } from './tools.ts';

const platform = loadConfig();
const files = renderPlatform();
const configMaps = objects('dist/cluster/monitoring/', files).filter((o) => o.kind === 'ConfigMap');
const dashboards = configMaps.map((cm) => JSON.parse(Object.values(cm.data as Record<string, string>)[0]!) as DashboardJson);
/** PromQL of every Prometheus target (CloudWatch Logs Insights targets are checked on their own below). */
const panelExprs = (d: DashboardJson) =>
  (d.panels ?? []).flatMap((p) => ((p as { targets?: { expr?: string; datasource?: { type?: string } }[] }).targets ?? []).filter((t) => t.datasource?.type !== 'cloudwatch').map((t) => t.expr!));

/** Metric names a query reads that nobody produces. */
function unknownMetrics(exprs: readonly string[], known: Set<string>): string[] {
  return [...new Set(exprs.flatMap(metricNames))].filter((m) => !known.has(m)).sort();
}

/** Exporter metrics plus every recording rule rendered into dist/. */
function producedSeries(): Set<string> {
  const known = knownSeriesNames();
  for (const rule of objects('dist/', files).filter((o) => o.kind === 'PrometheusRule')) {
    for (const group of (rule.spec as { groups: RuleGroup[] }).groups) {
      for (const r of group.rules) if ('record' in r) known.add(r.record);
    }
  }
  return known;
}

describe('Grafana dashboards', () => {
  it('are five ConfigMaps for the Grafana sidecar in the monitoring namespace', () => {
    expect(configMaps.map((c) => c.metadata.name).sort()).toEqual([
      'grafana-dashboard-business', 'grafana-dashboard-database', 'grafana-dashboard-performance', 'grafana-dashboard-platform-overview', 'grafana-dashboard-security',
    ]);
    for (const cm of configMaps) {
      expect(cm.metadata.namespace).toBe(platform.addons.find((a) => a.name === 'kube-prometheus-stack')!.namespace);
      expect(cm.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      expect(cm.metadata.annotations).toEqual({ grafana_folder: 'FlexTime' });
    }
  });

  it('carry the five titles, stable uids and an environment variable', () => {
    expect(dashboards.map((d) => [d.uid, d.title]).sort()).toEqual([
      ['flextime-business', 'FlexTime Business Metrics'],
      ['flextime-database', 'FlexTime Database'],
      ['flextime-performance', 'FlexTime Performance Metrics'],
      ['flextime-platform-overview', 'FlexTime Platform Overview'],
      ['flextime-security', 'FlexTime Security'],
    ]);
    for (const d of dashboards) {
      const vars = (d.templating?.list ?? []).map((v) => v.name);
      // Redis panels choose among the environments that run Redis in the cluster.
      expect(vars).toEqual(['flextime-platform-overview', 'flextime-performance'].includes(d.uid!) ? ['datasource', 'environment', 'redis_environment'] : ['datasource', 'environment']);
    }
  });

  it('query only metrics our exporters or recording rules produce', () => {
    const known = producedSeries();
    for (const d of dashboards) {
      const exprs = panelExprs(d);
      expect(exprs.length, d.uid).toBeGreaterThan(5);
      expect(unknownMetrics(exprs, known), d.uid).toEqual([]);
    }
  });

  it('would catch a panel that reads a metric nobody produces', () => {
    expect(unknownMetrics(['sum(rate(flextime_made_up_total[5m])) / sum(rate(http_requests_total[5m]))'], producedSeries()))
      .toEqual(['flextime_made_up_total']);
  });

  it('show the business metrics per sport and the security signals', () => {
    const byUid = new Map(dashboards.map((d) => [d.uid!, panelExprs(d).join('\n')]));
    for (const metric of ['flextime_schedules_generated_total', 'flextime_conflicts_resolved_total', 'flextime_active_users']) {
      expect(byUid.get('flextime-business')).toMatch(new RegExp(`sum by \\(sport\\) \\((increase\\()?${metric}`));
    }
    for (const metric of ['gatekeeper_violations', 'falcosidekick_inputs', 'flextime_auth_failures_total']) {
      expect(byUid.get('flextime-security')).toContain(metric);
    }
    expect(byUid.get('flextime-platform-overview')).toContain('slo:error_budget:ratio');
  });

  it('show the database health the issue lists (issue 20) and requests against VPA recommendations', () => {
    const titles = (uid: string) => (dashboards.find((d) => d.uid === uid)!.panels ?? []).map((p) => p.title);
    expect(titles('flextime-database')).toEqual(expect.arrayContaining([
      'Connections vs max_connections', 'Locks by mode', 'Deadlocks', 'Oldest open transaction', 'Cache hit ratio', 'Replication lag',
      'Top statements by total time (period)',
    ]));
    const database = panelExprs(dashboards.find((d) => d.uid === 'flextime-database')!).join('\n');
    expect(database).toContain('topk(10, sum by (queryid) (increase(pg_stat_statements_seconds_total{');
    expect(database).toContain('pg_settings_max_connections');
    const performance = panelExprs(dashboards.find((d) => d.uid === 'flextime-performance')!).join('\n');
    for (const resource of ['cpu', 'memory']) {
      expect(performance).toContain(`kube_pod_container_resource_requests{namespace="flextime-$environment", resource="${resource}"}`);
      expect(performance).toContain(`kube_verticalpodautoscaler_status_recommendation_containerrecommendations_target{namespace="flextime-$environment", resource="${resource}"}`);
    }
  });

  it('place panels on the 24-column grid without overlap', () => {
    for (const d of dashboards) {
      const boxes = (d.panels ?? []).map((p) => p.gridPos!);
      boxes.forEach((a, i) => {
        expect(a.x + a.w).toBeLessThanOrEqual(24);
        boxes.slice(i + 1).forEach((b) => {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap, `${d.uid}: panels at ${JSON.stringify(a)} and ${JSON.stringify(b)}`).toBe(false);
        });
      });
    }
  });

  it('list only known metrics in the metrics table once', () => {
    const names = KNOWN_METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('dashboard previews', () => {
  it('are SVGs in docs/dashboards/ equal to what synth generates', () => {
    const docs = renderDocuments(buildApp(platform)).filter((d) => d.path.startsWith('docs/dashboards/'));
    expect(docs.map((d) => d.path)).toEqual(dashboards.map((d) => `docs/dashboards/${d.uid}.svg`).sort());
    for (const doc of docs) {
      expect(doc.content).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(readFileSync(join(import.meta.dirname, '..', doc.path), 'utf8')).toBe(doc.content);
    }
  });

  it('draw one box per panel with its escaped title, the same bytes every time', () => {
    const json = buildDashboard({
      uid: 'x', title: 'A & B', description: 'd', tags: [],
      rows: [{ title: 'Row', panels: [{ title: 'p95 < 500ms', queries: [{ expr: 'up' }] }] }],
    });
    const svg = dashboardSvg(json);
    expect(svg).toContain('A &amp; B');
    expect(svg).toContain('p95 &lt; 500ms');
    expect(svg.match(/<rect /g)).toHaveLength(2); // background + one panel
    expect(dashboardSvg(json)).toBe(svg);
  });
});

describe('buildDashboard', () => {
  const spec: DashboardSpec = { uid: 'ok', title: 't', description: 'd', tags: [], rows: [{ title: 'r', panels: [{ title: 'p', queries: [{ expr: 'up' }] }] }] };

  it('rejects a uid Grafana would refuse', () => {
    expect(() => buildDashboard({ ...spec, uid: 'has space' })).toThrow("'uid' (has space) must be at most 40 letters, digits, '-' or '_'");
  });
  it('rejects a panel wider than the grid', () => {
    expect(() => buildDashboard({ ...spec, rows: [{ title: 'r', panels: [{ title: 'wide', width: 30, queries: [{ expr: 'up' }] }] }] }))
      .toThrow("panel 'wide': 'width' (30) must be 1..24 grid columns");
  });
  it('rejects a panel without a query', () => {
    expect(() => buildDashboard({ ...spec, rows: [{ title: 'r', panels: [{ title: 'empty', queries: [] }] }] }))
      .toThrow("panel 'empty' of dashboard 'ok' has no query");
  });
  it('rejects a variable default that is not a choice', () => {
    expect(() => buildDashboard({ ...spec, variables: [{ name: 'env', label: 'Env', values: ['a'], default: 'b' }] }))
      .toThrow("variable 'env': 'default' (b) must be one of a");
  });
  it('lists every query of the spec', () => {
    expect(dashboardQueries(dashboardSpecs(platform)[0]!).length).toBeGreaterThan(10);
  });
  it('builds the same JSON every time', () => {
    expect(JSON.stringify(buildDashboard(spec))).toBe(JSON.stringify(buildDashboard(spec)));
  });
});

describe('the Logs row of the platform overview (issue 23)', () => {
  type LogsTarget = { datasource: { type: string; uid: string }; queryMode: string; logGroupNames: string[]; expression: string };
  const overview = dashboards.find((d) => d.uid === 'flextime-platform-overview')!;
  const row = (overview.panels ?? []).findIndex((p) => p.type === 'row' && p.title === 'Logs');
  const panels = (overview.panels ?? []).slice(row + 1) as unknown as Array<{ title: string; targets: LogsTarget[] }>;

  it('counts error lines per service in the chosen environment\'s container log group, through the CloudWatch Logs data source', () => {
    expect(row).toBeGreaterThan(0);
    const errors = panels.find((p) => p.title === 'Error lines per service')!;
    expect(errors.targets).toEqual([expect.objectContaining({
      datasource: { type: 'cloudwatch', uid: 'cloudwatch-logs' },
      queryMode: 'Logs',
      logGroupNames: ['/flextime/containers/$environment'],
      expression: 'filter severity_text = "ERROR" | stats count(*) as errors by bin(5m), `resource.service.name`',
    })]);
  });

  it('reads only groups Terraform creates, for every environment the variable offers', () => {
    const environments = (overview.templating?.list ?? []).find((v) => v.name === 'environment')!.query as string;
    const groups = panels.flatMap((p) => p.targets.flatMap((t) => t.logGroupNames));
    const resolved = environments.split(',').flatMap((env) => groups.map((g) => g.replace('$environment', env)));
    const created = Object.values((JSON.parse(readFileSync(join(ROOT, 'terraform-bootstrap/cluster/generated.auto.tfvars.json'), 'utf8')) as { container_logs: { groups: Record<string, { name: string }> } }).container_logs.groups).map((g) => g.name);
    expect(resolved.filter((g) => !created.includes(g))).toEqual([]);
    expect(new Set(resolved)).toEqual(new Set(['/flextime/containers/development', '/flextime/containers/staging', '/flextime/containers/production']));
  });
});
