/**
 * FlexTime's Grafana dashboards as specs; charts/monitoring.ts renders them into
 * dist/cluster/monitoring as ConfigMaps for the Grafana sidecar (label grafana_dashboard=1,
 * folder "FlexTime") and docs/dashboards/<uid>.svg layout previews. Every query may only read metrics of config/metrics.ts or our recording rules
 * (test/dashboards.test.ts), and filters by the `environment` variable.
 */
import type { Platform } from '../config/index.ts';
import type { DashboardSpec, PanelSpec } from '../lib/monitoring/grafana.ts';
import { ERROR_BUDGET_RECORD, errorRatioRecord } from '../lib/monitoring/slo-rules.ts';
import { requestsByWorkload, vpaByWorkload } from '../lib/monitoring/right-sizing.ts';
import { databaseDashboard } from './dashboard-database.ts';
import { securityDashboard } from './dashboard-security.ts';
import { CLOUDWATCH_LOGS_DATASOURCE } from './addon-roles.ts';

/** `grafana.sidecar.dashboards.folderAnnotation` in the kube-prometheus-stack values. */
export const FOLDER_ANNOTATION = 'grafana_folder';
export const DASHBOARD_FOLDER = 'FlexTime';

/**
 * Container logs of the chosen environment (CloudWatch Logs, charts/logging-config.ts fields):
 * error lines per service, and lines that looked like JSON but did not parse (a logging bug).
 */
function logsRow(platform: Platform): { title: string; panels: PanelSpec[] } {
  const logs = (query: string) => ({ datasourceUid: CLOUDWATCH_LOGS_DATASOURCE, logGroups: [`${platform.observability.logs.logGroupPrefix}/$environment`], query });
  return {
    title: 'Logs',
    panels: [
      { title: 'Error lines per service', width: 12, queries: [], logs: logs('filter severity_text = "ERROR" | stats count(*) as errors by bin(5m), `resource.service.name`') },
      { title: 'Unparsed JSON lines per service', width: 12, queries: [], logs: logs('filter `attributes.log.format` = "unparsed-json" | stats count(*) as lines by bin(5m), `resource.service.name`') },
    ],
  };
}

/** The FlexTime dashboards, built from config (SLOs, environments); Security and Database in ./dashboard-<name>.ts. */
export function dashboardSpecs(platform: Platform): DashboardSpec[] {
  const ns = `namespace="${platform.partOf}-$environment"`;
  const rate = (metric: string, extra = '') => `rate(${metric}{${ns}${extra}}[$__rate_interval])`;
  const environments = platform.environments.map((e) => e.name);
  const variables = [{
    name: 'environment',
    label: 'Environment',
    values: environments,
    default: environments.includes('production') ? 'production' : environments[0],
  }];
  const common = { variables, tags: [platform.partOf] };
  const alerts = platform.observability.alerts;
  // Redis panels: only environments that run Redis in the cluster have its exporter (ElastiCache
  // elsewhere), so they get their own choice of environment.
  const redisEnvironments = platform.environments.filter((e) => e.redis.mode === 'in-cluster').map((e) => e.name);
  const redisNs = `namespace="${platform.partOf}-$redis_environment"`;
  const withRedis = { ...common, variables: [...variables, { name: 'redis_environment', label: 'Redis (in-cluster)', values: redisEnvironments }] };
  const quantile = (q: number, metric: string, by = '') =>
    `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (${rate(`${metric}_bucket`)}))`;

  // Objectives come from the recorded slo:error_budget:ratio, so changing one changes the rules only.
  const burn = (window: string, slo: string) =>
    `${errorRatioRecord(window)}{slo="${slo}", environment="$environment"}\n/ on (slo, environment, namespace)\n${ERROR_BUDGET_RECORD}{slo="${slo}", environment="$environment"}`;
  const sloStats: PanelSpec[] = platform.observability.slos.map((slo) => ({
    title: `${slo.name}: budget burn (24 h)`,
    description: `${slo.description}. 1 = spending the 30-day error budget exactly; above 3 opens a ticket.`,
    kind: 'stat',
    width: 4,
    unit: 'none',
    queries: [{ expr: burn('1d', slo.name) }],
    thresholds: [{ value: 1, color: 'orange' }, { value: 3, color: 'red' }],
  }));
  const burnRates: PanelSpec = {
    title: 'Error-budget burn rate (1 h window)',
    description: '1 = spending the 30-day budget exactly; 6 and 14.4 page when the short window agrees.',
    width: 24,
    queries: platform.observability.slos.map((slo) => ({ expr: burn('1h', slo.name), legend: slo.name })),
    thresholds: [{ value: 6, color: 'orange' }, { value: 14.4, color: 'red' }],
  };

  const overview: DashboardSpec = {
    ...withRedis,
    uid: 'flextime-platform-overview',
    title: 'FlexTime Platform Overview',
    description: 'SLOs, traffic, firing alerts and the health of every FlexTime component in one environment.',
    rows: [
      { title: 'Service-level objectives', panels: [...sloStats, burnRates] },
      {
        title: 'Traffic and alerts',
        panels: [
          { title: 'API requests per second', unit: 'reqps', queries: [{ expr: `sum by (code) (${rate('http_requests_total')})`, legend: '{{code}}' }] },
          { title: 'API 5xx ratio', unit: 'percentunit', queries: [{ expr: `sum(${rate('http_requests_total', ', code=~"5.."')}) / sum(${rate('http_requests_total')})` }] },
          { title: 'Firing alerts', queries: [{ expr: 'sum by (alertname, severity) (ALERTS{alertstate="firing", environment="$environment"})', legend: '{{alertname}} ({{severity}})' }] },
        ],
      },
      {
        title: 'Components',
        panels: [
          { title: 'Available replicas', queries: [{ expr: `sum by (deployment) (kube_deployment_status_replicas_available{${ns}})`, legend: '{{deployment}}' }] },
          { title: 'Scheduler queue length', queries: [{ expr: `max(flextime_schedule_queue_length{${ns}})`, legend: 'jobs waiting' }] },
          { title: 'Scrape targets up', queries: [{ expr: `sum by (job) (up{${ns}})`, legend: '{{job}}' }] },
          { title: 'PgBouncer clients waiting', queries: [{ expr: `sum by (database) (pgbouncer_pools_client_waiting_connections{${ns}})`, legend: '{{database}}' }] },
          { title: 'Redis memory used (in-cluster Redis)', unit: 'percentunit', max: 1, queries: [{ expr: `max(redis_memory_used_bytes{${redisNs}} / redis_memory_max_bytes{${redisNs}} > 0)` }], thresholds: [{ value: platform.observability.alerts.redisMemoryPercent / 100, color: 'red' }] },
          { title: 'Backup age', unit: 's', queries: [{ expr: `time() - max by (database) (flextime_backup_last_success_timestamp_seconds{${ns}})`, legend: '{{database}}' }], thresholds: [{ value: platform.observability.alerts.backupMaxAgeHours * 3600, color: 'red' }] },
        ],
      },
      logsRow(platform),
    ],
  };

  const performance: DashboardSpec = {
    ...withRedis,
    uid: 'flextime-performance',
    title: 'FlexTime Performance Metrics',
    description: 'API and solver latency, saturation of pods, PgBouncer and Redis, and traced span rates.',
    rows: [
      {
        title: 'API latency',
        panels: [
          {
            title: 'API latency p50 / p95 / p99',
            unit: 's',
            width: 12,
            queries: [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, 'http_request_duration_seconds'), legend: `p${q * 100}` })),
            thresholds: [{ value: 0.5, color: 'red' }],
          },
          { title: 'API p95 by route', unit: 's', width: 12, queries: [{ expr: quantile(0.95, 'http_request_duration_seconds', 'route'), legend: '{{route}}' }] },
        ],
      },
      {
        title: 'Schedule generation',
        panels: [
          {
            title: 'Generation time p50 / p95 / p99',
            unit: 's',
            width: 12,
            queries: [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, 'flextime_schedule_generation_duration_seconds'), legend: `p${q * 100}` })),
            thresholds: [{ value: 300, color: 'red' }],
          },
          { title: 'Jobs finished by status', width: 12, queries: [{ expr: `sum by (status) (${rate('flextime_schedule_jobs_total')})`, legend: '{{status}}' }] },
        ],
      },
      {
        title: 'Saturation',
        panels: [
          { title: 'CPU by pod', unit: 'cores', queries: [{ expr: `sum by (pod) (${rate('container_cpu_usage_seconds_total', ', container!=""')})`, legend: '{{pod}}' }] },
          { title: 'Memory by pod', unit: 'bytes', queries: [{ expr: `sum by (pod) (container_memory_working_set_bytes{${ns}, container!=""})`, legend: '{{pod}}' }] },
          {
            title: 'HPA replicas vs maximum',
            queries: [
              { expr: `kube_horizontalpodautoscaler_status_current_replicas{${ns}}`, legend: '{{horizontalpodautoscaler}} current' },
              { expr: `kube_horizontalpodautoscaler_spec_max_replicas{${ns}}`, legend: '{{horizontalpodautoscaler}} max' },
            ],
          },
          {
            title: 'PgBouncer connections',
            queries: [
              { expr: `sum(pgbouncer_pools_client_active_connections{${ns}})`, legend: 'clients active' },
              { expr: `sum(pgbouncer_pools_client_waiting_connections{${ns}})`, legend: 'clients waiting' },
              { expr: `sum(pgbouncer_pools_server_active_connections{${ns}})`, legend: 'server active' },
            ],
          },
          { title: 'Redis clients and evictions (in-cluster Redis)', queries: [{ expr: `sum(redis_connected_clients{${redisNs}})`, legend: 'clients' }, { expr: `sum(rate(redis_evicted_keys_total{${redisNs}}[$__rate_interval]))`, legend: 'evictions/s' }] },
          {
            title: 'Traced calls per second (span metrics)',
            unit: 'reqps',
            queries: [{ expr: 'sum by (service_name) (rate(traces_span_metrics_calls_total{deployment_environment="$environment", span_kind="SPAN_KIND_SERVER"}[$__rate_interval]))', legend: '{{service_name}}' }],
          },
        ],
      },
      {
        title: 'Right-sizing (requests vs VPA recommendations)',
        panels: (['cpu', 'memory'] as const).map((resource) => ({
          title: `${resource === 'cpu' ? 'CPU' : 'Memory'} request ÷ VPA target`,
          description: `Each container's ${resource} request divided by the Vertical Pod Autoscaler's target for it. 1 = as recommended; above ${alerts.rightSizingMaxRatio} for a week opens a ticket (over-provisioned), as does a request below the lower bound.`,
          width: 12,
          queries: [{ expr: `${requestsByWorkload(ns, resource)}\n/\n${vpaByWorkload('target', ns, resource)}`, legend: '{{workload}}/{{container}}' }],
          thresholds: [{ value: alerts.rightSizingMaxRatio, color: 'orange' }],
        })),
      },
    ],
  };

  const business: DashboardSpec = {
    ...common,
    uid: 'flextime-business',
    title: 'FlexTime Business Metrics',
    description: 'Schedules generated, conflicts resolved and active users, per sport.',
    from: 'now-7d',
    rows: [
      {
        title: 'Selected period',
        panels: [
          { title: 'Schedules generated', kind: 'stat', queries: [{ expr: `sum(increase(flextime_schedules_generated_total{${ns}}[$__range]))` }] },
          { title: 'Conflicts resolved', kind: 'stat', queries: [{ expr: `sum(increase(flextime_conflicts_resolved_total{${ns}}[$__range]))` }] },
          { title: 'Active users now', kind: 'stat', queries: [{ expr: `sum(flextime_active_users{${ns}})` }] },
        ],
      },
      {
        title: 'Per sport',
        panels: [
          { title: 'Schedules generated per hour', queries: [{ expr: `sum by (sport) (increase(flextime_schedules_generated_total{${ns}}[1h]))`, legend: '{{sport}}' }] },
          { title: 'Conflicts resolved per hour', queries: [{ expr: `sum by (sport) (increase(flextime_conflicts_resolved_total{${ns}}[1h]))`, legend: '{{sport}}' }] },
          { title: 'Active users', queries: [{ expr: `sum by (sport) (flextime_active_users{${ns}})`, legend: '{{sport}}' }] },
          { title: 'Failed jobs per hour', queries: [{ expr: `sum by (sport) (increase(flextime_schedule_jobs_total{${ns}, status=~"failed|timeout"}[1h]))`, legend: '{{sport}}' }] },
          { title: 'Generation time p95', unit: 's', queries: [{ expr: quantile(0.95, 'flextime_schedule_generation_duration_seconds', 'sport'), legend: '{{sport}}' }] },
          { title: 'Queue length', queries: [{ expr: `max(flextime_schedule_queue_length{${ns}})`, legend: 'jobs waiting' }] },
        ],
      },
    ],
  };

  return [overview, performance, business, securityDashboard(platform, common), databaseDashboard(platform, common)];
}
