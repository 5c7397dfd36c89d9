/**
 * The FlexTime composition: which charts exist, per environment and once per cluster.
 * Adding a component = write charts/<component>.ts and add one line here.
 */
import { App } from 'cdk8s';
import { argocdCharts } from './argocd.ts';
import type { EnvironmentName, Platform } from '../config/index.ts';
import { envContext } from './context.ts';
import { clusterNamespacesChart, namespacesChart } from './namespaces.ts';
import { API_SVC, apiSvcChart } from './api-svc.ts';
import { SCHEDULER_SVC, schedulerSvcChart } from './scheduler-svc.ts';
import { serviceChart } from './service-chart.ts';
import { redisChart } from './redis.ts';
import { databaseChart } from './database.ts';
import { secretStoresChart } from './secrets.ts';
import { terraformInputsChart } from './terraform.ts';
import { siteTerraformChart } from './terraform-site.ts';
import { environmentSecurityChart, securityChart } from './security.ts';
import { monitoringChart } from './monitoring.ts';
import { alertingChart } from './alerting.ts';
import { dashboardsChart } from './dashboards.ts';
import { tracingChart } from './tracing.ts';
import { observabilityChart } from './observability.ts';
import { networkDocument, networkPoliciesChart } from './network-policies.ts';
import { clusterIngressChart, ingressChart } from './ingress.ts';
import { clusterRbacChart, rbacChart } from './rbac.ts';
import { performanceChart } from './performance.ts';
import { chaosChart } from './chaos.ts';
import { storageChart } from './storage.ts';

export interface BuildOptions {
  /**
   * Environments to render.
   * @default - every environment in config
   */
  readonly environments?: readonly EnvironmentName[];
  /**
   * Render the objects shared by all environments (dist/cluster, argocd/).
   * @default true
   */
  readonly shared?: boolean;
  /**
   * Adds charts of its own after the platform's and before the ArgoCD Applications are derived
   * from them (tests and experiments: a new component gets its Application and sync wave).
   * @default - none
   */
  readonly extraCharts?: (app: App) => void;
}

/** Services with a chart file of their own; any other service renders through charts/service-chart.ts. */
const DEDICATED_SERVICE_CHARTS = new Set([API_SVC, SCHEDULER_SVC]);

export function buildApp(platform: Platform, options: BuildOptions = {}): App {
  const app = new App();
  const wanted = options.environments ?? platform.environments.map((e) => e.name);
  for (const env of platform.environments.filter((e) => wanted.includes(e.name))) {
    const ctx = envContext(platform, env);
    namespacesChart(app, ctx);
    apiSvcChart(app, ctx);
    schedulerSvcChart(app, ctx);
    for (const service of platform.services.filter((s) => !DEDICATED_SERVICE_CHARTS.has(s.name))) {
      serviceChart(app, ctx, service.name, 'charts/service-chart.ts');
    }
    redisChart(app, ctx);
    databaseChart(app, ctx);
    environmentSecurityChart(app, ctx);
    monitoringChart(app, ctx);
    networkPoliciesChart(app, ctx);
    ingressChart(app, ctx);
    rbacChart(app, ctx);
    chaosChart(app, ctx);
  }
  if (options.shared ?? true) {
    clusterNamespacesChart(app, platform);
    storageChart(app, platform);
    secretStoresChart(app, platform);
    securityChart(app, platform);
    alertingChart(app, platform);
    dashboardsChart(app, platform);
    tracingChart(app, platform);
    observabilityChart(app, platform);
    networkDocument(app, platform);
    clusterIngressChart(app, platform);
    clusterRbacChart(app, platform);
    performanceChart(app, platform);
  }
  options.extraCharts?.(app);
  // After every chart with an ExternalSecret: the cluster's IAM scope lists the platform secrets they read.
  if (options.shared ?? true) terraformInputsChart(app, platform);
  if (options.shared ?? true) siteTerraformChart(app, platform);
  // Keep last: derives one ArgoCD Application per dist/ folder the charts above render.
  if (options.shared ?? true) argocdCharts(app, platform);
  return app;
}
