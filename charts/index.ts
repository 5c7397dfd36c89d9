/**
 * The FlexTime composition: which charts exist, per environment and once per cluster.
 * Adding a component = write charts/<component>.ts (named like its dist folder) and add it to
 * ENVIRONMENT_CHARTS or CLUSTER_CHARTS. A new service needs no chart: charts/service-chart.ts
 * renders every service in config.
 */
import { App } from 'cdk8s';
import { argocdCharts } from './argocd.ts';
import type { EnvironmentName, Platform } from '../config/index.ts';
import { envContext, type EnvContext } from './context.ts';
import { addonNamespacesChart, clusterNamespacesChart, namespacesChart } from './namespaces.ts';
import { serviceCharts } from './service-chart.ts';
import { redisChart } from './redis.ts';
import { databaseChart } from './database.ts';
import { secretStoresChart } from './secrets.ts';
import { terraformInputsChart } from './terraform.ts';
import { siteTerraformChart } from './terraform-site.ts';
import { environmentSecurityChart, securityChart } from './security.ts';
import { clusterMonitoringChart, monitoringChart } from './monitoring.ts';
import { alertingChart } from './alerting.ts';
import { tracingChart } from './tracing.ts';
import { observabilityChart } from './observability.ts';
import { loggingChart } from './logging.ts';
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

/** dist/<env>/<component>: built for each environment. Order is free: no chart reads another. */
const ENVIRONMENT_CHARTS: ReadonlyArray<(app: App, ctx: EnvContext) => void> = [
  namespacesChart, serviceCharts, redisChart, databaseChart, environmentSecurityChart, monitoringChart,
  networkPoliciesChart, ingressChart, rbacChart, chaosChart,
];

/** dist/cluster/<component>, dist/addons/<addon> and documents from config alone: built once. Order is free. */
const CLUSTER_CHARTS: ReadonlyArray<(app: App, platform: Platform) => void> = [
  clusterNamespacesChart, addonNamespacesChart, storageChart, secretStoresChart, securityChart, alertingChart, clusterMonitoringChart,
  tracingChart, observabilityChart, loggingChart, networkDocument, clusterIngressChart, clusterRbacChart, performanceChart, siteTerraformChart,
];

/**
 * Derived from what every chart above (and `extraCharts`) rendered, so they are built after all
 * of them: the Terraform inputs list the platform secrets the ExternalSecrets read, the ArgoCD
 * charts get one Application per dist/ folder. Each checks at synth time that nothing it reads
 * was added after it ran.
 */
const DERIVED_CHARTS: ReadonlyArray<(app: App, platform: Platform) => void> = [terraformInputsChart, argocdCharts];

export function buildApp(platform: Platform, options: BuildOptions = {}): App {
  const app = new App();
  const shared = options.shared ?? true;
  const wanted = options.environments ?? platform.environments.map((e) => e.name);
  for (const env of platform.environments.filter((e) => wanted.includes(e.name))) {
    const ctx = envContext(platform, env);
    for (const chart of ENVIRONMENT_CHARTS) chart(app, ctx);
  }
  if (shared) for (const chart of CLUSTER_CHARTS) chart(app, platform);
  options.extraCharts?.(app);
  if (shared) for (const chart of DERIVED_CHARTS) chart(app, platform);
  return app;
}
