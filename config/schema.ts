/**
 * The one schema of the FlexTime platform config.
 *
 * Every TypeScript type the charts use is inferred from here (`z.infer`), so a field exists in
 * exactly one place. Cross-field rules (min <= max, digest required outside development,
 * references between sections) live in `superRefine` blocks next to the object they check, so
 * each error carries the full path of the field that is wrong.
 *
 * The sections are defined by topic in ./schema-*.ts (primitives, workloads, database, security,
 * observability, gitops, load-and-chaos, aws, network, access, vpc, site, storage, priorities, addons); this module puts them together
 * into `environment` and `platform`, runs the rules that span sections, and re-exports what the
 * rest of the repository imports from here. The topic modules never import this one.
 */
import { z } from 'zod';
import { addon } from './schema-addons.ts';
import { aws, checkAws } from './schema-aws.ts';
import { checkDatabase, database, environmentDatabase } from './schema-database.ts';
import { checkGitops, environmentGitops, gitops, syncWindow } from './schema-gitops.ts';
import { checkLoadAndChaos, environmentChaos, loadTesting } from './schema-load-and-chaos.ts';
import { environmentAccess, sso } from './schema-access.ts';
import { checkNetwork, environmentIngress, environmentNetwork, ingress, network } from './schema-network.ts';
import { observability } from './schema-observability.ts';
import { checkSite, site } from './schema-site.ts';
import { checkClusterNetworks, clusterNetwork } from './schema-vpc.ts';
import { dnsLabel, environmentName, parseImage, uniqueBy } from './schema-primitives.ts';
import { environmentSecurity, security } from './schema-security.ts';
import { checkStorage, storage } from './schema-storage.ts';
import { checkPriorityClasses, priorityClass } from './schema-priorities.ts';
import { memoryQuantity } from './schema-primitives.ts';
import { containerLimits, logLevel, quota, redis, secretRef, secretStore, service, serviceDeployment } from './schema-workloads.ts';
import { checkDelivery, checkWorkloads } from './schema-workloads-checks.ts';

export {
  ENVIRONMENT_NAMES, environmentName, type EnvironmentName, dnsLabel, cpuQuantity, memoryQuantity, imageRef, type ParsedImage, parseImage,
  resources, type Resources, replicas,
} from './schema-primitives.ts';
export {
  iamRoleArn, rolloutAnalysis, delivery, type Delivery, serviceDeployment, type ServiceDeployment, quota, containerLimits, logLevel,
  redis, type Redis, hpaScaling, redisQueueScaling, autoscaling, type Autoscaling, service, type Service, secretRef, secretStore,
} from './schema-workloads.ts';
export { workloadFootprint } from './schema-workloads-checks.ts';
export { database, type Database, environmentDatabase, DATABASE_SECRETS } from './schema-database.ts';
export { enforcementAction, type EnforcementAction, environmentSecurity, falcoPriority, security, type Security } from './schema-security.ts';
export { notifyChannel, syncWindow, type SyncWindow, environmentGitops, gitops, type Gitops } from './schema-gitops.ts';
export { chaosExperiment, type ChaosExperiment, environmentChaos, LOADTEST_SCRIPTS, loadTesting, type LoadTesting } from './schema-load-and-chaos.ts';
export { site, type Site, siteCluster, placeholder, type Placeholder, type Fillable, filled, isPlaceholder, openPlaceholders, type OpenPlaceholder } from './schema-site.ts';
export { vpcZone, clusterNetwork, type ClusterNetwork, vpcRanges } from './schema-vpc.ts';
export { promDuration, sloIndicator, slo, type Slo, observability, type Observability } from './schema-observability.ts';
export { priorityClass } from './schema-priorities.ts';
export { storageClass, type StorageClass, storage, type Storage, defaultStorageClass } from './schema-storage.ts';
export {
  serviceAccountRef, clusterTerraformOutputs, type ClusterTerraformOutputs, environmentTerraformOutputs, type EnvironmentTerraformOutputs,
  terraformOutputs, type TerraformOutputs, aws, type Aws,
} from './schema-aws.ts';

export const environment = z.object({
  name: environmentName,
  /** Which cluster (from `clusters`) this environment is deployed to. */
  cluster: dnsLabel.default('flextime'),
  /** Public DNS zone of the environment; api-svc is served at `api.<domain>`. */
  domain: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS domain such as "staging.flextime.app"'),
  logLevel,
  /** Feature flags handed to the apps through the environment ConfigMap. */
  features: z.record(z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'feature names are camelCase'), z.boolean()),
  quota,
  containerLimits,
  /** Per-service values for this environment, keyed by the service name from `services`. */
  services: z.record(z.string(), serviceDeployment),
  /**
   * Every pod of this environment runs at this class instead of its own; environments sharing a
   * cluster with production use classes below production's (test/priorities.test.ts).
   * @default - each workload's own class
   */
  priorityClass: dnsLabel.optional(),
  /** Zone spread of multi-replica workloads: `DoNotSchedule` hard (descheduler restores it), else preferred. */
  zoneSpread: z.enum(['DoNotSchedule', 'ScheduleAnyway']).default('ScheduleAnyway'),
  /** Admission policy and scanning for this environment (charts/security.ts, docs/security.md). */
  security: environmentSecurity,
  /** Redis the apps and KEDA use: in-cluster StatefulSet or ElastiCache (endpoint from aws.outputs). */
  redis,
  /** How ArgoCD syncs this environment (docs/gitops.md). */
  gitops: environmentGitops,
  /** Ranges of the `network.cidrPeers` in this environment (docs/network.md). */
  network: environmentNetwork,
  /** Rate limits and certificate issuer of api.<domain> (charts/ingress.ts). */
  ingress: environmentIngress,
  /** What the SSO groups may do in this environment's namespace (charts/rbac.ts). */
  access: environmentAccess,
  /** PgBouncer replicas and pool sizes, and the RDS connection limit they must fit (charts/database.ts). */
  database: environmentDatabase,
  /** Chaos Mesh experiments (charts/chaos.ts); never in production. */
  chaos: environmentChaos.optional(),
}).strict().superRefine((env, ctx) => {
  // Chaos belongs where failure is cheap; Gatekeeper denies chaos objects in production too (charts/security.ts).
  if (env.chaos && env.name === 'production') {
    ctx.addIssue({ code: 'custom', path: ['chaos'], message: 'chaos experiments are not allowed in production; run them in staging' });
  }
  // Where images must be immutable (staging, production): a tag can be re-pushed, a digest cannot.
  // The same field makes Gatekeeper deny undigested images in the namespace (charts/security.ts).
  if (!env.security.requireImageDigest) return;
  for (const [svc, dep] of Object.entries(env.services)) {
    if (!parseImage(dep.image).digest) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', svc, 'image'],
        message: `image '${dep.image}' must be pinned by digest (repo@sha256:…) in ${env.name}`,
      });
    }
  }
  if (env.redis.mode === 'in-cluster') {
    for (const field of ['image', 'exporterImage'] as const) {
      if (!parseImage(env.redis[field]).digest) {
        ctx.addIssue({
          code: 'custom',
          path: ['redis', field],
          message: `image '${env.redis[field]}' must be pinned by digest (repo@sha256:…) in ${env.name}`,
        });
      }
    }
  }
});
export type Environment = z.infer<typeof environment>;

export const cluster = z.object({
  name: dnsLabel,
  /** API server URL as ArgoCD knows it; the in-cluster address for the cluster ArgoCD runs in. */
  server: z.url(),
  /**
   * Automated sync of the cluster-wide Applications (add-ons, dist/cluster) only inside this window.
   * @default - any time
   */
  syncWindow: syncWindow.optional(),
  /**
   * Its VPC: CIDR, subnets per zone, each hosted environment's data subnets, VPC endpoints
   * (config/network-ranges.ts). Terraform builds exactly this; NetworkPolicies allow exactly these.
   * @default - none; required once the cluster hosts an environment
   */
  network: clusterNetwork.optional(),
}).strict();

export const platform = z.object({
  /** What belongs to whoever runs the platform (account, domains, admin networks, …), placeholders until filled (config/site.ts). */
  site,
  /** `app.kubernetes.io/part-of` of every object, and the prefix of namespaces. */
  partOf: dnsLabel,
  /** Pod Security Admission version pinned on namespaces (matches the verified API server minor). */
  podSecurityVersion: z.string().regex(/^v1\.[0-9]+$/, 'must look like "v1.32"'),
  /** Where in-cluster telemetry goes; handed to apps as OTEL_EXPORTER_OTLP_ENDPOINT. */
  otelEndpoint: z.url(),
  clusters: z.array(cluster).min(1),
  priorityClasses: z.array(priorityClass).min(1),
  /** The class of the platform's own pods (tracing; add-ons name it in their values): at least every workload's. */
  platformPriorityClass: dnsLabel,
  services: z.array(service).min(1),
  environments: z.array(environment).min(1),
  /** The AWS ground: what terraform-bootstrap/ takes from config and gives back (docs/terraform.md). */
  aws,
  /** The Big 12 single sign-on (OIDC): the cluster's identity provider, Grafana's login, the RBAC groups (docs/network.md). */
  sso,
  /** Zero-trust NetworkPolicies: the intent table and its peers (config/network.ts, docs/network.md). */
  network,
  /** Public entry of api-svc: Ingress, TLS issuer, security headers (config/network.ts). */
  ingress,
  observability,
  security,
  secretStore,
  /** Secrets apps may receive, by environment variable name; values live in AWS Secrets Manager only. */
  secrets: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'secret names are environment variable names (UPPER_SNAKE)'), secretRef),
  /** Extra pods a rolling update may add (maxSurge); counted in the quota check. */
  maxSurgePercent: z.number().int().min(1).max(100).default(25),
  /** ArgoCD: repository, SSO roles, notifications and the sync order of components (docs/gitops.md). */
  gitops,
  /** Upstream Helm charts installed as ArgoCD Applications, pinned (config/addons.ts). */
  addons: z.array(addon).min(1),
  /** Defaults of `ephemeral-storage` for add-on containers that set none (a LimitRange per add-on namespace). */
  addonEphemeralStorage: z.object({ defaultRequest: memoryQuantity, default: memoryQuantity }).strict(),
  /** PgBouncer, backups, restore checks and their Pushgateway (config/database.ts, docs/database.md). */
  database,
  /** StorageClasses every cluster gets (config/storage.ts, dist/cluster/storage). */
  storage,
  /** k6 load tests of one environment (config/load-and-chaos.ts, docs/runbooks/load-and-chaos.md). */
  loadTesting,
}).strict().superRefine((p, ctx) => {
  uniqueBy(p.clusters, 'name', ['clusters'], ctx);
  uniqueBy(p.priorityClasses, 'name', ['priorityClasses'], ctx);
  uniqueBy(p.services, 'name', ['services'], ctx);
  uniqueBy(p.environments, 'name', ['environments'], ctx);
  checkAws(p, ctx);
  checkWorkloads(p, ctx);
  checkGitops(p, ctx);
  checkNetwork(p, ctx);
  checkClusterNetworks(p, ctx);
  checkSite(p, ctx);
  checkPeersAreInstalled(p, ctx);
  checkDatabase(p, ctx);
  checkStorage(p, ctx);
  checkPriorityClasses(p, ctx);
  checkDelivery(p, ctx);
  checkLoadAndChaos(p, ctx);
  if (p.aws.ssoGroupsPrefix !== p.sso.groupsPrefix) {
    ctx.addIssue({ code: 'custom', path: ['aws', 'ssoGroupsPrefix'], message: `must equal sso.groupsPrefix ('${p.sso.groupsPrefix}'): RBAC binds groups with that prefix` });
  }

  const clusters = new Set(p.clusters.map((c) => c.name));
  const services = new Set(p.services.map((s) => s.name));
  uniqueBy(p.observability.slos, 'name', ['observability', 'slos'], ctx);
  p.observability.slos.forEach((s, i) => {
    if (!services.has(s.service)) {
      ctx.addIssue({
        code: 'custom',
        path: ['observability', 'slos', i, 'service'],
        message: `unknown service '${s.service}'; allowed: ${[...services].join(', ')}`,
      });
    }
  });
  const collector = `otel-collector.${p.observability.tracing.namespace}.svc.cluster.local`;
  if (URL.canParse(p.otelEndpoint) && new URL(p.otelEndpoint).hostname !== collector) {
    ctx.addIssue({
      code: 'custom',
      path: ['otelEndpoint'],
      message: `must point at the collector this repo deploys (${collector}, from observability.tracing.namespace)`,
    });
  }
  p.environments.forEach((env, i) => {
    if (!clusters.has(env.cluster)) {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', i, 'cluster'],
        message: `unknown cluster '${env.cluster}'; allowed: ${[...clusters].join(', ')}`,
      });
    }
    for (const name of Object.keys(env.services)) {
      if (!services.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', i, 'services', name],
          message: `unknown service '${name}'; allowed: ${[...services].join(', ')}`,
        });
      }
    }
    for (const name of services) {
      if (!(name in env.services)) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', i, 'services'],
          message: `service '${name}' has no entry in ${env.name}; every service needs image, replicas and resources per environment`,
        });
      }
    }
    // Gatekeeper denies images from other registries in every environment namespace: fail here first.
    const registries = p.security.gatekeeper.allowedRegistries;
    for (const [name, dep] of Object.entries(env.services)) {
      if (!registries.some((r) => dep.image.startsWith(r))) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', i, 'services', name, 'image'],
          message: `image '${dep.image}' is not from an allowed registry (security.gatekeeper.allowedRegistries: ${registries.join(', ')})`,
        });
      }
    }
  });
  // An exempt environment namespace would silently switch every policy off for that environment.
  const envNamespaces = new Set(p.environments.map((e) => `${p.partOf}-${e.name}`));
  p.security.gatekeeper.exemptNamespaces.forEach((ns, i) => {
    if (envNamespaces.has(ns)) {
      ctx.addIssue({
        code: 'custom',
        path: ['security', 'gatekeeper', 'exemptNamespaces', i],
        message: `environment namespace '${ns}' cannot be exempt from admission policy; set environments[].security.enforcementAction instead`,
      });
    }
  });
});
/** The raw shape authors write (defaults not yet applied). */
export type PlatformInput = z.input<typeof platform>;
/** The validated shape the charts read. */
export type Platform = z.infer<typeof platform>;

/**
 * A cluster peer of the intent table in a namespace where nothing runs would make its allow
 * rules dead (Prometheus could not scrape, the ingress could not reach api-svc), silently.
 */
function checkPeersAreInstalled(
  p: {
    addons: ReadonlyArray<{ namespace: string }>;
    observability: { tracing: { namespace: string } };
    network: { clusterPeers: ReadonlyArray<{ namespace: string }> };
  },
  ctx: z.RefinementCtx,
): void {
  const installed = new Set([...p.addons.map((a) => a.namespace), p.observability.tracing.namespace, 'kube-system']);
  p.network.clusterPeers.forEach((peer, i) => {
    if (installed.has(peer.namespace)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['network', 'clusterPeers', i, 'namespace'],
      message: `nothing is installed in namespace '${peer.namespace}'; allowed: ${[...installed].sort().join(', ')}`,
    });
  });
}
