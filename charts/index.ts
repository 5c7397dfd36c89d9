/**
 * The FlexTime composition: which charts exist, per environment and once per cluster.
 * Adding a component = write charts/<component>.ts and add one line here.
 */
import { App } from 'cdk8s';
import type { EnvironmentName, Platform } from '../config/index.ts';
import { envContext } from './context.ts';
import { namespacesChart, priorityClassesChart } from './namespaces.ts';
import { terraformInputsChart } from './terraform.ts';
import { networkDocument, networkPoliciesChart } from './network-policies.ts';
import { clusterIngressChart, ingressChart } from './ingress.ts';
import { clusterRbacChart, rbacChart } from './rbac.ts';

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
}

export function buildApp(platform: Platform, options: BuildOptions = {}): App {
  const app = new App();
  const wanted = options.environments ?? platform.environments.map((e) => e.name);
  for (const env of platform.environments.filter((e) => wanted.includes(e.name))) {
    const ctx = envContext(platform, env);
    namespacesChart(app, ctx);
    networkPoliciesChart(app, ctx);
    ingressChart(app, ctx);
    rbacChart(app, ctx);
  }
  if (options.shared ?? true) {
    priorityClassesChart(app, platform);
    terraformInputsChart(app, platform);
    networkDocument(app, platform);
    clusterIngressChart(app, platform);
    clusterRbacChart(app, platform);
  }
  return app;
}
