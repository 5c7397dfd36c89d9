/**
 * dist/<env>/namespaces: the environment's namespace (PSA restricted, quota, limits) and the
 * non-secret settings every app reads; dist/cluster/namespaces: the PriorityClasses and the
 * namespaces of the add-ons installed on every cluster (with their Pod Security level), so that
 * what other components put there (Falco rules, Grafana's secret) can exist before the add-on;
 * dist/addons/<addon>: the same for an add-on installed on some clusters only.
 *
 * Every namespace where pods run gets a LimitRange defaulting `ephemeral-storage` (add-on charts
 * set CPU and memory, rarely disk). A LimitRange only acts when a pod is admitted, so it must
 * exist before the add-on's first pod (or Helm hook): hence the namespace is ours, never ArgoCD's
 * CreateNamespace, and the graph syncs its folder a wave before the add-on (charts/bootstrap-order.ts).
 */
import type { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Platform } from '../config/index.ts';
import type { Construct } from 'constructs';
import type { Addon } from '../config/schema-addons.ts';
import { ephemeralStorageDefaults, GuardedNamespace, podSecurityLabels, type PodSecurityLevel } from '../lib/namespace.ts';
import { recommendedLabels } from '../lib/labels.ts';
import { addonChart, clusterChart, envChart, type EnvContext } from './context.ts';
import { redisEndpoint } from './redis-endpoint.ts';
import { CHAOS_INJECT_ANNOTATION } from './chaos.ts';
import { databaseEndpoint, databaseReadEndpoint } from './database-endpoint.ts';
import { signatureNamespaceLabels } from './security-rules/image-signatures.ts';

const SOURCE = 'charts/namespaces.ts';
export const SETTINGS_CONFIGMAP = 'flextime-settings';

export function namespacesChart(app: App, ctx: EnvContext): void {
  const chart = envChart(app, ctx, 'namespaces', SOURCE);
  const { env, platform, namespace } = ctx;
  const labels = ctx.labels(platform.partOf, 'namespace');

  new GuardedNamespace(chart, 'Namespace', {
    name: namespace,
    labels,
    // Chaos Mesh acts only in namespaces that opt in: exactly those with experiments (charts/chaos.ts).
    annotations: env.chaos ? CHAOS_INJECT_ANNOTATION : undefined,
    // policy-controller checks image signatures only in namespaces that opt in (charts/security-rules/image-signatures.ts).
    namespaceLabels: signatureNamespaceLabels(platform, env),
    podSecurityVersion: platform.podSecurityVersion,
    quota: {
      requests: { cpu: env.quota.requestsCpu, memory: env.quota.requestsMemory },
      limits: { cpu: env.quota.limitsCpu, memory: env.quota.limitsMemory },
      pods: env.quota.pods,
      services: env.quota.services,
      persistentVolumeClaims: env.quota.persistentVolumeClaims,
      loadBalancers: env.quota.loadBalancers,
      nodePorts: env.quota.nodePorts,
    },
    containerLimits: env.containerLimits,
  });

  new k8s.KubeConfigMap(chart, 'Settings', {
    metadata: { name: SETTINGS_CONFIGMAP, namespace, labels: ctx.labels(platform.partOf, 'settings') },
    data: appSettings(ctx),
  });
}

/** Non-secret settings as environment variables; secrets come from ExternalSecrets, never here. */
function appSettings(ctx: EnvContext): Record<string, string> {
  const { env, platform, namespace } = ctx;
  const redis = redisEndpoint(ctx);
  const db = databaseEndpoint(ctx);
  const read = databaseReadEndpoint(ctx);
  const settings: Record<string, string> = {
    FLEXTIME_ENVIRONMENT: env.name,
    LOG_LEVEL: env.logLevel,
    PUBLIC_API_URL: `https://api.${env.domain}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: platform.otelEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: platform.otelProtocol,
    OTEL_RESOURCE_ATTRIBUTES: `deployment.environment=${env.name},service.namespace=${namespace}`,
    // The database through PgBouncer (charts/database-endpoint.ts): libpq variables, read by
    // node-postgres and psycopg; user and password come from the service's ExternalSecret.
    PGBOUNCER_HOST: db.host,
    PGBOUNCER_PORT: String(db.port),
    PGHOST: db.host,
    PGPORT: String(db.port),
    PGDATABASE: db.database,
    PGUSER: platform.database.appUser,
    // Read traffic, where the environment has a read replica and its read-only pool; absent, reads use PGBOUNCER_HOST.
    ...(read ? { PGBOUNCER_READ_HOST: read.host, PGBOUNCER_READ_PORT: String(read.port) } : {}),
    // In-cluster StatefulSet or ElastiCache, as environments[].redis.mode says (charts/redis-endpoint.ts).
    REDIS_HOST: redis.host,
    REDIS_PORT: String(redis.port),
    REDIS_TLS: String(redis.tls),
  };
  for (const [flag, on] of Object.entries(env.features).sort(([a], [b]) => a.localeCompare(b))) {
    settings[`FEATURE_${flag.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`] = String(on);
  }
  return settings;
}

/**
 * Whether every cluster hosting an environment installs `addon` (no `environments`): then its
 * namespace is rendered once in dist/cluster/namespaces, which every such cluster syncs; else in
 * dist/addons/<addon>, which only the clusters installing it sync (dist/cluster cannot hold a
 * namespace that some clusters lack: its Application would create it everywhere).
 */
export function onEveryCluster(addon: Addon): boolean {
  return addon.environments === undefined;
}

export function clusterNamespacesChart(app: App, platform: Platform): void {
  const chart = clusterChart(app, 'namespaces', SOURCE);
  const namespaces = new Map(platform.addons.filter(onEveryCluster).map((a) => [a.namespace, a.podSecurity]));
  for (const [name, level] of [...namespaces].sort(([a], [b]) => (a < b ? -1 : 1))) addonNamespace(chart, platform, name, level);
  // ArgoCD's own namespace: the Terraform Helm release creates it (gitops.external) and its chart
  // sets no disk either. Its pods pick the defaults up on their next restart.
  diskDefaults(chart, platform, platform.gitops.namespace);
  for (const pc of platform.priorityClasses) {
    new k8s.KubePriorityClass(chart, pc.name, {
      metadata: {
        name: pc.name,
        labels: recommendedLabels({ name: pc.name, instance: pc.name, component: 'priority-class', partOf: platform.partOf }),
      },
      value: pc.value,
      globalDefault: false,
      preemptionPolicy: pc.preemptionPolicy,
      description: pc.description,
    });
  }
}

/** dist/addons/<addon>: the namespace of each add-on installed on some clusters only, and its disk defaults. */
export function addonNamespacesChart(app: App, platform: Platform): void {
  const shared = new Set(platform.addons.filter(onEveryCluster).map((a) => a.namespace));
  // An add-on that shares a namespace of dist/cluster/namespaces needs no folder of its own.
  for (const addon of platform.addons.filter((a) => !onEveryCluster(a) && !shared.has(a.namespace))) {
    addonNamespace(addonChart(app, addon.name, SOURCE), platform, addon.namespace, addon.podSecurity);
  }
}

/** An add-on namespace with its Pod Security level and `ephemeral-storage` defaults. */
function addonNamespace(chart: Construct, platform: Platform, name: string, level: PodSecurityLevel): void {
  new k8s.KubeNamespace(chart, `addon-${name}`, {
    metadata: {
      name,
      labels: {
        ...recommendedLabels({ name, instance: name, component: 'namespace', partOf: platform.partOf }),
        ...podSecurityLabels(level, platform.podSecurityVersion),
      },
    },
  });
  diskDefaults(chart, platform, name);
}

/** `LimitRange/ephemeral-storage-<namespace>` from `addonEphemeralStorage`, for containers that set no disk. */
function diskDefaults(chart: Construct, platform: Platform, namespace: string): void {
  ephemeralStorageDefaults(chart, `addon-${namespace}-ephemeral-storage`, {
    namespace,
    labels: recommendedLabels({ name: 'ephemeral-storage', instance: `ephemeral-storage-${namespace}`, component: 'namespace', partOf: platform.partOf }),
    ...platform.addonEphemeralStorage,
  });
}
