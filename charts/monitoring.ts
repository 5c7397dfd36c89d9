/**
 * dist/<env>/monitoring: what Prometheus scrapes in the environment (ServiceMonitors) and what
 * it alerts on (PrometheusRules: SLO burn rates from `observability.slos`, and the platform
 * alerts of charts/alert-rules.ts). dist/cluster/monitoring: the Grafana dashboards
 * (charts/dashboard-specs.ts). Alert routing is cluster-wide too (charts/alerting.ts).
 */
import type { App } from 'cdk8s';
import type { Construct } from 'constructs';
import { PGBOUNCER_READ_SERVICE } from './database-endpoint.ts';
import type { Platform } from '../config/index.ts';
import { recommendedLabels, selectorLabels } from '../lib/labels.ts';
import { DashboardConfigMap } from '../lib/monitoring/dashboard-configmap.ts';
import { dashboardSvg } from '../lib/monitoring/dashboard-svg.ts';
import { buildDashboard } from '../lib/monitoring/grafana.ts';
import { RuleSet } from '../lib/monitoring/prometheus-rule.ts';
import type { RuleGroup } from '../lib/monitoring/rules.ts';
import { PodMetricsScrape } from '../lib/monitoring/pod-monitor.ts';
import { MetricsScrape } from '../lib/monitoring/service-monitor.ts';
import { sloRuleGroups, type SloSpec } from '../lib/monitoring/slo-rules.ts';
import { ROLLOUT_POD_HASH_LABEL } from '../lib/rollout.ts';
import { GeneratedDocument } from '../lib/synth/document.ts';
import { platformAlertGroups } from './alert-rules.ts';
import { databaseAlertGroup, rightSizingAlertGroup } from './alert-rules-database.ts';
import { DASHBOARD_FOLDER, dashboardSpecs, FOLDER_ANNOTATION } from './dashboard-specs.ts';
import { clusterChart, envChart, type EnvContext } from './context.ts';

const SOURCE = 'charts/monitoring.ts';

/**
 * The label kube-prometheus-stack's Prometheus selects ServiceMonitors and PrometheusRules by
 * (`prometheus.prometheusSpec.{serviceMonitor,rule}Selector`); defined beside those selectors.
 */
import { PROMETHEUS_SELECTOR_LABELS } from '../config/addons.ts';
export { PROMETHEUS_SELECTOR_LABELS };

/** Workloads besides the config services that expose a `metrics` port (exporter sidecars). */
export const EXPORTER_TARGETS = ['pgbouncer', 'redis', 'postgres-exporter'] as const;

/** The add-on whose audit results the security dashboard shows (config/addons.ts). */
const GATEKEEPER_ADDON = 'gatekeeper';

/** The add-on that runs Prometheus, Alertmanager and Grafana (config/addons.ts). */
export const PROMETHEUS_ADDON = 'kube-prometheus-stack';

/**
 * Namespace of Prometheus, Alertmanager and Grafana: the kube-prometheus-stack add-on's, so the
 * global AlertmanagerConfig and Grafana's secrets land beside them. One home: config/addons.ts.
 */
export function monitoringNamespace(platform: Platform): string {
  const addon = platform.addons.find((a) => a.name === PROMETHEUS_ADDON);
  if (!addon) throw new Error(`missing dependency: monitoring needs the add-on '${PROMETHEUS_ADDON}' in config addons`);
  return addon.namespace;
}

/** `runbook_url` of an alert. */
export function runbookUrl(platform: Platform, alert: string): string {
  return `${platform.observability.alerting.runbookBaseUrl}/${alert}.md`;
}

/** The SLOs of `observability.slos` as the rule generator reads them, selecting this environment's series. */
export function sloSpecs(ctx: EnvContext): SloSpec[] {
  return ctx.platform.observability.slos.map((slo) => ({
    name: slo.name,
    description: slo.description,
    objective: slo.objective,
    indicator: slo.indicator,
    alerting: slo.alerting,
    selector: { namespace: ctx.namespace, service: slo.service },
  }));
}

/** SLO burn-rate rule groups of one environment. */
export function sloGroups(ctx: EnvContext): RuleGroup[] {
  const { platform, env, namespace } = ctx;
  return sloRuleGroups({
    slos: sloSpecs(ctx),
    labels: { environment: env.name, namespace },
    runbookUrl: (alert) => runbookUrl(platform, alert),
  });
}

/** Non-SLO alert groups of one environment. */
export function alertGroups(ctx: EnvContext): RuleGroup[] {
  const rules = {
    namespace: ctx.namespace,
    labels: { environment: ctx.env.name },
    thresholds: ctx.platform.observability.alerts,
    runbookUrl: (alert: string) => runbookUrl(ctx.platform, alert),
    redisInCluster: ctx.env.redis.mode === 'in-cluster',
  };
  return [...platformAlertGroups(rules), databaseAlertGroup({ ...rules, backupUser: ctx.platform.database.backup.user }), rightSizingAlertGroup(rules)];
}

/** True when `target` is a config service this environment delivers with an Argo Rollout. */
function isRollout(ctx: EnvContext, target: string): boolean {
  const kind = ctx.env.services[target]?.delivery.kind;
  return kind !== undefined && kind !== 'deployment';
}

export function monitoringChart(app: App, ctx: EnvContext): void {
  const chart = envChart(app, ctx, 'monitoring', SOURCE);
  const { platform, namespace } = ctx;
  const labels = (name: string) => ({ ...ctx.labels(name, 'monitoring'), ...PROMETHEUS_SELECTOR_LABELS });

  // No Redis exporter where Redis is ElastiCache: its ServiceMonitor would select nothing.
  const exporters = [
    ...EXPORTER_TARGETS.filter((t) => t !== 'redis' || ctx.env.redis.mode === 'in-cluster'),
    // The read-only pool's exporter, where the environment has one (charts/database.ts).
    ...(ctx.env.database.readPool ? [PGBOUNCER_READ_SERVICE] : []),
  ];
  const targets = [...platform.services.map((s) => s.name), ...exporters];
  for (const target of targets) {
    new MetricsScrape(chart, `scrape-${target}`, {
      name: target,
      namespace,
      labels: labels(target),
      selector: selectorLabels(ctx.identity(target, 'monitoring')),
      // A Rollout's analysis tells the new version's pods by their pod-template hash (charts/rollout-analysis.ts).
      podLabels: isRollout(ctx, target) ? [ROLLOUT_POD_HASH_LABEL] : [],
    });
  }

  new RuleSet(chart, 'slo-rules', {
    name: `${platform.partOf}-slos`,
    namespace,
    labels: labels(`${platform.partOf}-slos`),
    groups: sloGroups(ctx),
  });
  new RuleSet(chart, 'alert-rules', {
    name: `${platform.partOf}-alerts`,
    namespace,
    labels: labels(`${platform.partOf}-alerts`),
    groups: alertGroups(ctx),
  });
}

/**
 * dist/cluster/monitoring: the dashboards of charts/dashboard-specs.ts as ConfigMaps for the
 * Grafana sidecar, and their docs/dashboards/<uid>.svg layout previews.
 */
export function clusterMonitoringChart(app: App, platform: Platform): void {
  const chart = clusterChart(app, 'monitoring', SOURCE);
  const namespace = monitoringNamespace(platform);
  gatekeeperScrape(chart, platform);
  for (const spec of dashboardSpecs(platform)) {
    const json = buildDashboard(spec);
    const name = `grafana-dashboard-${spec.uid.replace(/^flextime-/, '')}`;
    new DashboardConfigMap(chart, spec.uid, {
      name,
      namespace,
      labels: recommendedLabels({ name, instance: name, component: 'grafana-dashboard', partOf: platform.partOf }),
      dashboard: json,
      folder: { annotation: FOLDER_ANNOTATION, name: DASHBOARD_FOLDER },
    });
    new GeneratedDocument(chart, `${spec.uid}-preview`, { path: `docs/dashboards/${spec.uid}.svg`, content: dashboardSvg(json) });
  }
}

/**
 * Gatekeeper's chart exposes `metrics` (8888) on its controller and audit pods but renders no
 * ServiceMonitor: this PodMonitor scrapes both, so the audit results (gatekeeper_violations,
 * gatekeeper_audit_last_run_time) and admission counts reach the security dashboard. The pods'
 * labels are the chart's (gatekeeper 3.23.0 templates: `gatekeeper.sh/system: "yes"` on both).
 */
function gatekeeperScrape(chart: Construct, platform: Platform): void {
  const addon = platform.addons.find((a) => a.name === GATEKEEPER_ADDON);
  if (!addon) throw new Error(`missing dependency: the Gatekeeper audit metrics need the add-on '${GATEKEEPER_ADDON}' in config addons`);
  new PodMetricsScrape(chart, 'gatekeeper-scrape', {
    name: GATEKEEPER_ADDON,
    namespace: addon.namespace,
    labels: { ...recommendedLabels({ name: GATEKEEPER_ADDON, instance: GATEKEEPER_ADDON, component: 'monitoring', partOf: platform.partOf }), ...PROMETHEUS_SELECTOR_LABELS },
    podSelector: { 'gatekeeper.sh/system': 'yes' },
  });
}
