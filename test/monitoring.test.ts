import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { alertingRules, type RuleGroup } from '../lib/monitoring/rules.ts';
import { metricNames } from '../lib/monitoring/promql.ts';
import { knownSeriesNames } from '../config/metrics.ts';
import { find, objects, rawConfig, renderPlatform } from './helpers.ts';

const platform = loadConfig();
const files = renderPlatform();
const envs = platform.environments.map((e) => e.name);
const rulesOf = (env: string, name: string) =>
  (find('PrometheusRule', name, `dist/${env}/monitoring/`, files).spec as { groups: RuleGroup[] }).groups;

describe('scraping', () => {
  it.each(envs)('scrapes api-svc, scheduler-svc, pgbouncer and (where it runs in the cluster) redis of %s on their `metrics` port', (env) => {
    // Production's Redis is ElastiCache: no exporter, no ServiceMonitor (issue 19).
    for (const target of ['api-svc', 'scheduler-svc', 'pgbouncer', ...(env === 'production' ? [] : ['redis'])]) {
      const monitor = find('ServiceMonitor', target, `dist/${env}/monitoring/`, files);
      expect(monitor.metadata.namespace).toBe(`flextime-${env}`);
      expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
      expect(monitor.spec).toMatchObject({
        selector: { matchLabels: { 'app.kubernetes.io/name': target, 'app.kubernetes.io/instance': `${target}-${env}` } },
        namespaceSelector: { matchNames: [`flextime-${env}`] },
        endpoints: [{ port: 'metrics', path: '/metrics' }],
      });
    }
  });

  it('points every ServiceMonitor at a Service that has a `metrics` port, where the Service is rendered', () => {
    const monitors = objects('dist/', files).filter((o) => o.kind === 'ServiceMonitor');
    const services = objects('dist/', files).filter((o) => o.kind === 'Service');
    let checked = 0;
    for (const m of monitors) {
      const selector = (m.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      const matching = services.filter((s) => s.metadata.namespace === m.metadata.namespace &&
        Object.entries(selector).every(([k, v]) => s.metadata.labels?.[k] === v) && !s.metadata.name!.endsWith('-headless'));
      for (const s of matching) {
        expect((s.spec as { ports: { name: string }[] }).ports.map((p) => p.name), `${s.metadata.namespace}/${s.metadata.name}`).toContain('metrics');
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2 * envs.length);
  });
});

describe('alert rules', () => {
  it.each(envs)('scope every expression of %s to its own namespace or SLO labels', (env) => {
    for (const name of ['flextime-slos', 'flextime-alerts']) {
      for (const group of rulesOf(env, name)) {
        for (const rule of group.rules) {
          expect(rule.expr.includes(`namespace="flextime-${env}"`) || rule.expr.includes(`environment="${env}"`) || rule.expr.startsWith('vector('), rule.expr).toBe(true);
        }
      }
    }
  });

  it('give every alert a severity, an environment label and a runbook that exists in docs/runbooks/', () => {
    for (const env of envs) {
      for (const alert of alertingRules([...rulesOf(env, 'flextime-slos'), ...rulesOf(env, 'flextime-alerts')])) {
        expect(['critical', 'warning']).toContain(alert.labels.severity);
        expect(alert.labels.environment).toBe(env);
        const url = alert.annotations.runbook_url!;
        expect(url).toBe(`${platform.observability.alerting.runbookBaseUrl}/${alert.alert}.md`);
        expect(existsSync(join(import.meta.dirname, '..', 'docs', 'runbooks', `${alert.alert}.md`)), url).toBe(true);
      }
    }
  });

  it('cover the alerts the platform promised', () => {
    const names = new Set(alertingRules(rulesOf('production', 'flextime-alerts')).map((a) => a.alert));
    expect([...names].sort()).toEqual([
      'FlextimeBackupMissing', 'FlextimeCertificateExpiringSoon', 'FlextimeCpuRequestNotRightSized',
      'FlextimeDatabaseConnectionsNearLimit', 'FlextimeDatabaseDeadlocks', 'FlextimeDatabaseLongTransaction',
      'FlextimeHPAAtMaxReplicas', 'FlextimeMemoryRequestNotRightSized', 'FlextimePersistentVolumeFillingUp',
      'FlextimePgBouncerSaturated', 'FlextimePodCrashLooping', 'FlextimePostgresExporterDown', 'FlextimeRestoreVerificationFailed',
      'FlextimeScheduleJobFailures', 'FlextimeScheduleQueueBacklog',
    ]);
  });

  it('read only metrics of config/metrics.ts or recording rules', () => {
    const known = knownSeriesNames();
    for (const env of envs) {
      const groups = [...rulesOf(env, 'flextime-slos'), ...rulesOf(env, 'flextime-alerts')];
      groups.flatMap((g) => g.rules).forEach((r) => { if ('record' in r) known.add(r.record as string); });
      for (const rule of groups.flatMap((g) => g.rules)) {
        for (const metric of metricNames(rule.expr)) expect(known.has(metric), `${metric} in ${rule.expr}`).toBe(true);
      }
    }
  });

  it('take thresholds from config', () => {
    const raw = rawConfig();
    raw.observability.alerts.pvcUsedPercent = 90;
    raw.observability.alerts.backupMaxAgeHours = 30;
    const groups = (find('PrometheusRule', 'flextime-alerts', 'dist/staging/', renderPlatform(loadConfig(raw))).spec as { groups: RuleGroup[] }).groups;
    const expr = (name: string) => alertingRules(groups).find((a) => a.alert === name)!.expr;
    expect(expr('FlextimePersistentVolumeFillingUp')).toMatch(/> 0\.9$/);
    expect(expr('FlextimeBackupMissing')).toMatch(/> 108000$/);
  });

  it('change the SLO rules, and otherwise only objects that check the objective, when an objective changes', () => {
    const raw = rawConfig();
    raw.observability.slos[0]!.objective = 99.95;
    const changed = renderPlatform(loadConfig(raw));
    const before = new Map(files.map((f) => [f.path, f.content]));
    const diff = changed.filter((f) => before.get(f.path) !== f.content);
    expect(changed.map((f) => f.path)).toEqual(files.map((f) => f.path));
    // Every environment's burn-rate rules change ...
    for (const env of envs) expect(diff.map((f) => f.path)).toContain(`dist/${env}/monitoring/prometheusrule-flextime-slos.yaml`);
    // ... and besides them only checks derived from objectives (rollout analysis, load-test
    // thresholds): no workload, Service, dashboard, alert routing or other alert rule.
    const others = diff.filter((f) => !f.path.endsWith('/prometheusrule-flextime-slos.yaml'));
    for (const f of others) {
      expect(f.object.kind === 'AnalysisTemplate' || /^dist\/[a-z]+\/performance\/configmap-k6-/.test(f.path), f.path).toBe(true);
    }
  });
});
