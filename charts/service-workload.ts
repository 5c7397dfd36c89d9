/**
 * A config service (`services[]` + `environments[].services`) as a hardened workload: the one
 * translation from config to lib/workload.ts and lib/pod.ts, used by charts/service-chart.ts.
 */
import type { Construct } from 'constructs';
import type { Service } from '../config/schema.ts';
import { parseImage } from '../config/schema.ts';
import { selectorLabels } from '../lib/labels.ts';
import { ProbeCheck, type HardenedContainerProps, type HardenedPodProps } from '../lib/pod-props.ts';
import { Disruption, HardenedWorkload, Replicas, type WorkloadServicePort } from '../lib/workload.ts';
import type { EnvContext } from './context.ts';
import { SETTINGS_CONFIGMAP } from './namespaces.ts';
import { rolloutStrategy, sloAnalysisTemplate } from './rollout-analysis.ts';

/** The platform service `name`, and its values in the context's environment. */
export function serviceConfig(ctx: EnvContext, name: string) {
  const service = ctx.platform.services.find((s) => s.name === name);
  const deployment = ctx.env.services[name];
  if (!service || !deployment) throw new Error(`service '${name}' is not in config (services and environments[${ctx.env.name}].services)`);
  return { service, deployment };
}

/** Pod labels of a service: the recommended set, version = the image tag. */
export function serviceLabels(ctx: EnvContext, service: Service): Record<string, string> {
  const { deployment } = serviceConfig(ctx, service.name);
  return ctx.labels(service.name, service.component, parseImage(deployment.image).tag);
}

/** The app container: ports, probes on the HTTP port, settings ConfigMap + secrets as env. */
export function serviceContainer(ctx: EnvContext, service: Service, secretName?: string): HardenedContainerProps {
  const { deployment } = serviceConfig(ctx, service.name);
  return {
    name: service.name,
    image: deployment.image,
    ports: [
      { name: 'http', containerPort: service.port },
      ...(service.metrics.port ? [{ name: 'metrics', containerPort: service.metrics.port }] : []),
    ],
    resources: deployment.resources,
    probes: {
      liveness: ProbeCheck.http(service.health.liveness, 'http'),
      readiness: ProbeCheck.http(service.health.readiness, 'http'),
    },
    envFrom: [
      { configMapRef: { name: SETTINGS_CONFIGMAP } },
      ...(secretName ? [{ secretRef: { name: secretName } }] : []),
    ],
    env: [
      { name: 'SERVICE_NAME', value: service.name },
      { name: 'PORT', value: String(service.port) },
      { name: 'METRICS_PATH', value: service.metrics.path },
      ...(service.metrics.port ? [{ name: 'METRICS_PORT', value: String(service.metrics.port) }] : []),
    ],
  };
}

/** Pod-level settings of a service (everything but labels, ServiceAccount and spreading). */
export function servicePod(ctx: EnvContext, service: Service, secretName?: string): Omit<HardenedPodProps, 'labels' | 'serviceAccountName' | 'spread'> {
  return {
    containers: [serviceContainer(ctx, service, secretName)],
    runAsUser: service.runAsUser,
    priorityClassName: ctx.priorityClass(service.priorityClass),
    terminationGracePeriodSeconds: service.terminationGracePeriodSeconds,
    preStopSleepSeconds: service.preStopSleepSeconds,
  };
}

/**
 * Service ports: `http`, and `metrics` (Prometheus selects it by name) — on the dedicated
 * metrics container port when the service has one, else on the HTTP port.
 */
export function servicePorts(service: Service): WorkloadServicePort[] {
  return [
    { name: 'http', port: service.port, targetPort: 'http' },
    service.metrics.port
      ? { name: 'metrics', port: service.metrics.port, targetPort: 'metrics' }
      : { name: 'metrics', port: 9090, targetPort: 'http' },
  ];
}

/**
 * PodDisruptionBudget from `minAvailable` when the minimum replica count leaves room for a
 * drain (min > minAvailable); otherwise one pod at a time may go.
 */
export function serviceDisruption(service: Service, minReplicas: number): Disruption {
  return minReplicas > service.minAvailable ? Disruption.minAvailable(service.minAvailable) : Disruption.maxUnavailable(1);
}

/**
 * The Deployment — or, with a canary / blue-green `delivery`, the Argo Rollout and its SLO
 * AnalysisTemplate — plus ServiceAccount, Service, PDB and VPA of a service; its replicas belong
 * to an autoscaler.
 */
export function serviceWorkload(scope: Construct, ctx: EnvContext, name: string, secretName?: string): HardenedWorkload {
  const { service, deployment } = serviceConfig(ctx, name);
  const analysis = sloAnalysisTemplate(scope, ctx, service, deployment.delivery);
  const strategy = rolloutStrategy(ctx, deployment.delivery, analysis?.name);
  return new HardenedWorkload(scope, 'Workload', {
    name: service.name,
    namespace: ctx.namespace,
    kind: strategy ? 'Rollout' : 'Deployment',
    rolloutStrategy: strategy,
    labels: serviceLabels(ctx, service),
    selectorLabels: selectorLabels(ctx.identity(service.name, service.component)),
    replicas: Replicas.autoscaled(deployment.replicas.min, deployment.replicas.max),
    zoneSpread: ctx.zoneSpread,
    pod: servicePod(ctx, service, secretName),
    roleArn: deployment.roleArn,
    servicePorts: servicePorts(service),
    disruption: serviceDisruption(service, deployment.replicas.min),
    maxSurge: `${ctx.platform.maxSurgePercent}%`,
    verticalRecommendations: service.verticalRecommendations,
  });
}
