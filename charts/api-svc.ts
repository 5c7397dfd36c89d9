/**
 * dist/<env>/api-svc: the Node.js API — hardened Deployment, ServiceAccount, Service (`http`,
 * `metrics`), PodDisruptionBudget, HPA on CPU/memory (services[api-svc].autoscaling),
 * recommendation-only VPA, and the ExternalSecret with its database, Redis, JWT and OIDC keys.
 */
import type { App } from 'cdk8s';
import type { EnvContext } from './context.ts';
import { serviceChart } from './service-chart.ts';

export const API_SVC = 'api-svc';

export function apiSvcChart(app: App, ctx: EnvContext): void {
  serviceChart(app, ctx, API_SVC, 'charts/api-svc.ts');
}
