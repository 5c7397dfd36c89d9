/**
 * dist/<env>/scheduler-svc: the OR-Tools solver fed by a Redis list — hardened Deployment
 * (330 s grace for a 5-minute solve), ServiceAccount, Service (`http`, `metrics`), PDB, KEDA
 * ScaledObject on the queue length with a TriggerAuthentication reading the Redis password
 * from the service's Secret, VPA (Off) and the ExternalSecret. With
 * `autoscaling.runAs: job` it renders a KEDA ScaledJob (one Job per queued item) instead.
 */
import type { App } from 'cdk8s';
import type { EnvContext } from './context.ts';
import { serviceChart } from './service-chart.ts';

export const SCHEDULER_SVC = 'scheduler-svc';

export function schedulerSvcChart(app: App, ctx: EnvContext): void {
  serviceChart(app, ctx, SCHEDULER_SVC, 'charts/scheduler-svc.ts');
}
