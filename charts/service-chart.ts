/**
 * The chart of one config service, dist/<env>/<service>: its ExternalSecret, its workload and
 * the autoscaler `services[].autoscaling` names — an HPA, a KEDA ScaledObject on a Redis list,
 * or a KEDA ScaledJob (one Job per queued item). The kind is config, not code per service.
 */
import type { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { HorizontalAutoscaler } from '../lib/horizontal-autoscaler.ts';
import { RedisListScaledJob, RedisListScaler, type RedisListTrigger } from '../lib/keda.ts';
import { hardenedPodTemplate } from '../lib/pod.ts';
import type { Service } from '../config/schema.ts';
import { envChart, type EnvContext } from './context.ts';
import { redisEndpoint } from './redis-endpoint.ts';
import { serviceSecrets } from './secrets.ts';
import { serviceConfig, serviceLabels, servicePod, serviceWorkload } from './service-workload.ts';

/** The Secret key KEDA reads the Redis password from (a name in `platform.secrets`). */
export const REDIS_PASSWORD_KEY = 'REDIS_PASSWORD';

/** Every service of config, one chart each: dist/<env>/<service>. */
export function serviceCharts(app: App, ctx: EnvContext): void {
  for (const service of ctx.platform.services) serviceChart(app, ctx, service.name);
}

export function serviceChart(app: App, ctx: EnvContext, name: string): void {
  const chart = envChart(app, ctx, name, 'charts/service-chart.ts');
  const { service, deployment } = serviceConfig(ctx, name);
  const secretName = service.secrets.length
    ? serviceSecrets(chart, ctx, { name: service.name, component: service.component, keys: service.secrets })
    : undefined;
  const labels = serviceLabels(ctx, service);
  const common = { name: service.name, namespace: ctx.namespace, labels };
  const scaling = service.autoscaling;

  if (scaling.kind === 'hpa') {
    const workload = serviceWorkload(chart, ctx, name, secretName);
    new HorizontalAutoscaler(chart, 'Autoscaler', {
      ...common,
      target: workload.scaleTargetRef,
      minReplicas: deployment.replicas.min,
      maxReplicas: deployment.replicas.max,
      cpuUtilization: scaling.cpuUtilization,
      memoryUtilization: scaling.memoryUtilization,
      scaleDownStabilizationSeconds: scaling.scaleDownStabilizationSeconds,
      scaleUpPercent: scaling.scaleUpPercent,
      scaleUpPeriodSeconds: scaling.scaleUpPeriodSeconds,
    });
    return;
  }

  const trigger = queueTrigger(ctx, service, secretName);
  const bounds = { minReplicas: deployment.replicas.min, maxReplicas: deployment.replicas.max, pollingIntervalSeconds: scaling.pollingIntervalSeconds };
  if (scaling.runAs === 'deployment') {
    const workload = serviceWorkload(chart, ctx, name, secretName);
    new RedisListScaler(chart, 'Autoscaler', {
      ...common,
      ...bounds,
      trigger,
      target: workload.scaleTargetRef,
      cooldownPeriodSeconds: scaling.cooldownPeriodSeconds,
      fallback: scaling.fallback,
    });
    return;
  }

  // One Job per queued item: no Deployment, Service or PDB; the pods are the hardened template.
  new k8s.KubeServiceAccount(chart, 'ServiceAccount', {
    metadata: {
      ...common,
      ...(deployment.roleArn ? { annotations: { 'eks.amazonaws.com/role-arn': deployment.roleArn } } : {}),
    },
    automountServiceAccountToken: false,
  });
  const pod = servicePod(ctx, service, secretName);
  const [main, ...sidecars] = pod.containers;
  new RedisListScaledJob(chart, 'Autoscaler', {
    ...common,
    ...bounds,
    trigger,
    activeDeadlineSeconds: scaling.jobDeadlineSeconds,
    podTemplate: hardenedPodTemplate({
      ...pod,
      containers: [{ ...main!, env: [...(main!.env ?? []), { name: 'WORKER_MODE', value: 'job' }] }, ...sidecars],
      labels,
      serviceAccountName: service.name,
      restartPolicy: 'Never',
    }),
  });
}

function queueTrigger(ctx: EnvContext, service: Service, secretName: string | undefined): RedisListTrigger {
  const scaling = service.autoscaling;
  if (scaling.kind !== 'redis-queue') throw new Error(`services.${service.name}.autoscaling is not a redis-queue`);
  if (!secretName || !service.secrets.includes(REDIS_PASSWORD_KEY)) {
    throw new Error(`services.${service.name}.secrets must include '${REDIS_PASSWORD_KEY}': KEDA reads the queue with it`);
  }
  const redis = redisEndpoint(ctx);
  return {
    address: `${redis.host}:${redis.port}`,
    listName: scaling.listName,
    listLength: scaling.listLength,
    activationListLength: scaling.activationListLength,
    enableTls: redis.tls,
    passwordSecret: { name: secretName, key: REDIS_PASSWORD_KEY },
  };
}
