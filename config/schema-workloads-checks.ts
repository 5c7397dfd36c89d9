/**
 * Cross-field rules of the workloads schema (./schema-workloads.ts): secret names exist,
 * autoscaler bounds fit every environment, each namespace quota holds every workload at max
 * replicas plus surge, and progressive delivery gates on SLOs of its own service. schema.ts
 * calls `checkWorkloads` and `checkDelivery` from the platform's superRefine; this module must
 * not import ./schema.ts (schema.ts imports it).
 */
import type { z } from 'zod';
import { parseCpu, parseMemory } from '../lib/values/quantity.ts';
import type { Database, environmentDatabase } from './schema-database.ts';
import type { Resources } from './schema-primitives.ts';
import type { quota, Redis, Service, ServiceDeployment } from './schema-workloads.ts';

/**
 * The slice of an environment the workload checks read (structural: `environment` is defined
 * in ./schema.ts, which this module must not import).
 */
interface EnvironmentView {
  readonly services: Readonly<Record<string, ServiceDeployment>>;
  readonly quota: z.infer<typeof quota>;
  readonly redis: Redis;
  readonly database: z.infer<typeof environmentDatabase>;
}

/** The slice of the platform the workload checks read (kept structural to avoid a type cycle). */
interface WorkloadView {
  readonly services: readonly Service[];
  readonly environments: readonly EnvironmentView[];
  readonly secrets: Readonly<Record<string, unknown>>;
  readonly maxSurgePercent: number;
  readonly database: Database;
}

/**
 * Cross-field rules of the workloads: secret names exist, autoscaler bounds fit every
 * environment, and each environment's quota holds every workload at max replicas plus the
 * rolling-update surge (the same sum test/workloads.test.ts computes from the rendered YAML).
 */
export function checkWorkloads(p: WorkloadView, ctx: z.RefinementCtx): void {
  p.services.forEach((svc, i) => {
    // KEDA reads the queue with the service's own Secret (charts/service-chart.ts REDIS_PASSWORD_KEY).
    if (svc.autoscaling.kind === 'redis-queue' && !svc.secrets.includes('REDIS_PASSWORD')) {
      ctx.addIssue({ code: 'custom', path: ['services', i, 'secrets'], message: `must include 'REDIS_PASSWORD': KEDA authenticates to the Redis queue with it` });
    }
    svc.secrets.forEach((name, j) => {
      if (!(name in p.secrets)) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'secrets', j], message: `unknown secret '${name}'; allowed: ${Object.keys(p.secrets).join(', ')}` });
      }
    });
  });
  p.environments.forEach((env, e) => {
    for (const svc of p.services) {
      const dep = env.services[svc.name];
      if (!dep) continue;
      const path = ['environments', e, 'services', svc.name, 'replicas'];
      if (svc.autoscaling.kind === 'hpa' && dep.replicas.min < 1) {
        ctx.addIssue({ code: 'custom', path: [...path, 'min'], message: `must be >= 1: ${svc.name} scales with an HPA, which cannot scale to zero` });
      }
      if (svc.autoscaling.kind === 'redis-queue' && svc.autoscaling.fallback.replicas > dep.replicas.max) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'max'],
          message: `must be >= the KEDA fallback of ${svc.name} (services.${svc.name}.autoscaling.fallback.replicas = ${svc.autoscaling.fallback.replicas})`,
        });
      }
    }
    for (const [field, resource] of [['requestsCpu', 'requests'], ['requestsMemory', 'requests'], ['limitsCpu', 'limits'], ['limitsMemory', 'limits']] as const) {
      const kind = field.endsWith('Cpu') ? 'cpu' : 'memory';
      const parse = kind === 'cpu' ? parseCpu : parseMemory;
      const parts = workloadFootprint(p, env).map((w) => ({ ...w, each: w.resources.map((r) => r[resource][kind]) }));
      const total = parts.reduce((sum, w) => sum + w.pods * w.each.reduce((s, q) => s + parse(q)!, 0), 0);
      const allowed = parse(env.quota[field])!;
      if (total > allowed) {
        const shown = kind === 'cpu' ? `${+total.toFixed(3)} CPU` : `${+(total / 2 ** 30).toFixed(2)}Gi`;
        ctx.addIssue({
          code: 'custom',
          path: ['environments', e, 'quota', field],
          message: `workloads need ${shown} of ${resource}.${kind} at max replicas plus rolling-update surge (${parts.map((w) => `${w.name} ${w.pods} × ${w.each.join('+')}`).join(', ')}); raise the quota or lower replicas/resources`,
        });
      }
    }
  });
}

/** Pods each workload of `env` can reach (max replicas + surge) and the resources of each container. */
export function workloadFootprint(
  p: Pick<WorkloadView, 'services' | 'maxSurgePercent' | 'database'>,
  env: EnvironmentView,
): Array<{ name: string; pods: number; resources: Resources[] }> {
  const out: Array<{ name: string; pods: number; resources: Resources[] }> = [];
  for (const svc of p.services) {
    const dep = env.services[svc.name];
    if (!dep) continue;
    const max = dep.replicas.max;
    // Workers run as Deployments and surge on rollout; ScaledJob pods are Jobs and do not;
    // blue-green runs a full second set of pods until the old one is scaled down.
    const surge = svc.autoscaling.kind === 'redis-queue' && svc.autoscaling.runAs === 'job' ? 0
      : dep.delivery.kind === 'blue-green' ? max
        : Math.ceil((max * p.maxSurgePercent) / 100);
    out.push({ name: svc.name, pods: max + surge, resources: [dep.resources] });
  }
  if (env.redis.mode === 'in-cluster') {
    out.push({ name: 'redis', pods: 1, resources: [env.redis.resources, env.redis.exporterResources] });
  }
  // charts/database.ts: PgBouncer surges like any Deployment; both CronJobs may run at once.
  const db = p.database;
  const bouncers = env.database.pgbouncer.replicas;
  out.push({ name: 'pgbouncer', pods: bouncers + Math.ceil((bouncers * p.maxSurgePercent) / 100), resources: [db.pgbouncer.resources, db.pgbouncer.exporterResources] });
  out.push({ name: 'pushgateway', pods: 1, resources: [db.pushgateway.resources] });
  // charts/database-exporter.ts: one replica; a rollout surges one more (maxSurge rounds up).
  out.push({ name: 'postgres-exporter', pods: 2, resources: [db.exporter.resources] });
  out.push({ name: 'flextime-backup', pods: 1, resources: [db.backup.resources] });
  out.push({ name: 'flextime-restore-verify', pods: 1, resources: [db.restoreVerify.resources] });
  return out;
}

/**
 * Progressive delivery needs a workload to roll out (not a KEDA ScaledJob) and analysis on SLOs
 * of the same service.
 */
export function checkDelivery(
  p: { services: readonly Service[]; environments: readonly EnvironmentView[]; observability: { slos: ReadonlyArray<{ name: string; service: string; alerting: 'page' | 'ticket' }> } },
  ctx: z.RefinementCtx,
): void {
  p.environments.forEach((env, e) => {
    for (const svc of p.services) {
      const dep = env.services[svc.name];
      if (!dep || dep.delivery.kind === 'deployment') continue;
      const path = ['environments', e, 'services', svc.name, 'delivery'];
      if (svc.autoscaling.kind === 'redis-queue' && svc.autoscaling.runAs === 'job') {
        ctx.addIssue({ code: 'custom', path: [...path, 'kind'], message: `'${dep.delivery.kind}' needs a long-running workload; ${svc.name} runs as KEDA Jobs (services.${svc.name}.autoscaling.runAs)` });
      }
      const own = p.observability.slos.filter((s) => s.service === svc.name);
      const { analysis } = dep.delivery;
      analysis.slos.forEach((name, i) => {
        if (!own.some((s) => s.name === name)) {
          ctx.addIssue({ code: 'custom', path: [...path, 'analysis', 'slos', i], message: `unknown SLO '${name}' of ${svc.name}; allowed: ${own.map((s) => s.name).join(', ') || 'none (observability.slos)'}` });
        }
      });
    }
  });
}
