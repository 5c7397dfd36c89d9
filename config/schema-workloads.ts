/**
 * Schema of the workloads (docs/workloads.md): services and how each environment runs them
 * (image, replicas, resources, IRSA role), autoscaling (HPA or KEDA), delivery (rolling update,
 * or canary / blue-green gated by SLO analysis), namespace quota and limits, Redis, and the
 * secrets apps receive through External Secrets.
 * Part of the platform schema in ./schema.ts (`services`, `secrets`, `secretStore` and the
 * per-environment `services`, `quota`, `containerLimits`, `logLevel`, `redis`).
 *
 * This module must not import ./schema.ts (schema.ts imports it). The rules that look at other
 * sections are in ./schema-workloads-checks.ts.
 */
import { z } from 'zod';
import { parseMemory } from '../lib/values/quantity.ts';
import { cpuQuantity, dnsLabel, imageRef, memoryQuantity, replicas, resources } from './schema-primitives.ts';

/** An IAM role ARN (from Terraform outputs) assumed through IRSA. */
export const iamRoleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]+$/, 'must be an IAM role ARN such as "arn:aws:iam::111111111111:role/name"');

/**
 * How a progressive rollout is judged (docs/runbooks/load-and-chaos.md): after each step Argo
 * Rollouts computes the error ratio of each SLO in `slos` over `window` on the new version's pods
 * (charts/rollout-analysis.ts); a measurement passes while it stays within `maxBurnRate` × the
 * SLO's error budget, fails above it, and is inconclusive without traffic.
 */
export const rolloutAnalysis = z.object({
  /** SLOs (names from observability.slos, of this service) that gate the rollout. */
  slos: z.array(dnsLabel).min(1),
  /** Rate window of each measurement (over the new version's pods only). */
  window: z.string().regex(/^[1-9][0-9]*(m|h|d)$/, 'must be a Prometheus duration such as "5m" or "1h"').default('5m'),
  /** 1 = the objective itself: the error ratio may not exceed the error budget (100 - objective). */
  maxBurnRate: z.number().positive().max(100).default(1),
  /** Time between measurements. */
  interval: z.string().regex(/^[1-9][0-9]*(s|m)$/, 'must be a duration such as "30s" or "1m"').default('1m'),
  /** Measurements per analysis run (a step holds for about count × interval). */
  count: z.number().int().min(1).max(60).default(5),
  /**
   * Failed measurements tolerated; one more aborts the rollout. 0: the first measurement above
   * the bound aborts. The rate window is as long as a whole run (5 × 1m against 5m), so an error
   * a measurement sees stays in every later one: a failure is tolerated only when it comes in a
   * run's last measurement(s) — a late burst would pass (Argo: count reached, failed ≤ failureLimit
   * → Successful). Quiet windows are Inconclusive, never Failed: 0 does not abort on no traffic.
   */
  failureLimit: z.number().int().min(0).default(0),
}).strict().superRefine((a, ctx) => {
  if (a.failureLimit >= a.count) {
    ctx.addIssue({ code: 'custom', path: ['failureLimit'], message: `must be less than count (${a.count}), or no analysis can fail` });
  }
});

/**
 * How new versions of a service reach its pods: a Deployment's rolling update, or an Argo
 * Rollout (canary steps or blue-green) gated by the SLOs, which rolls back on its own.
 */
export const delivery = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('deployment') }).strict(),
  z.object({
    kind: z.literal('canary'),
    /** Per cent of the pods running the new version at each step, increasing; then 100 %. */
    steps: z.array(z.number().int().min(1).max(99)).min(1),
    /** Pause after each step, before its analysis. */
    pauseSeconds: z.number().int().min(0).max(3600).default(0),
    analysis: rolloutAnalysis,
  }).strict().superRefine((d, ctx) => {
    d.steps.forEach((weight, i) => {
      if (i > 0 && weight <= d.steps[i - 1]!) ctx.addIssue({ code: 'custom', path: ['steps', i], message: `must be greater than the previous step (${d.steps[i - 1]})` });
    });
  }),
  z.object({
    kind: z.literal('blue-green'),
    /** Old pods stay up this long after the switch, so a failed analysis switches back at once. */
    scaleDownDelaySeconds: z.number().int().min(30).max(3600).default(600),
    analysis: rolloutAnalysis,
  }).strict(),
]);
export type Delivery = z.infer<typeof delivery>;

/** What one service looks like in one environment: only the values that differ per env. */
export const serviceDeployment = z.object({
  image: imageRef,
  replicas,
  resources,
  /** IAM role of the service's ServiceAccount (IRSA); absent: the pods get no AWS identity. */
  roleArn: iamRoleArn.optional(),
  /** Rolling update (Deployment), or canary / blue-green with SLO analysis (Argo Rollout). */
  delivery: delivery.default({ kind: 'deployment' }),
}).strict();
export type ServiceDeployment = z.infer<typeof serviceDeployment>;

/** ResourceQuota of an environment namespace. */
export const quota = z.object({
  requestsCpu: cpuQuantity,
  requestsMemory: memoryQuantity,
  limitsCpu: cpuQuantity,
  limitsMemory: memoryQuantity,
  pods: z.number().int().positive(),
  services: z.number().int().positive(),
  persistentVolumeClaims: z.number().int().nonnegative(),
  /** Cloud load balancers are created by the ingress controller only, never by app namespaces. */
  loadBalancers: z.literal(0).default(0),
  nodePorts: z.literal(0).default(0),
}).strict();

/** LimitRange of an environment namespace: per-container defaults and ceiling. */
/** `ephemeralStorage`: local disk (logs, writable layer, emptyDirs); the max must hold the restore check's scratch volume. */
const limitEntry = z.object({ cpu: cpuQuantity, memory: memoryQuantity, ephemeralStorage: memoryQuantity }).strict();
export const containerLimits = z.object({
  defaultRequest: limitEntry,
  default: limitEntry,
  max: limitEntry,
}).strict();

export const logLevel = z.enum(['debug', 'info', 'warn', 'error']);

/**
 * Redis of an environment: a StatefulSet in the namespace (charts/redis.ts) or an external
 * endpoint (ElastiCache, from Terraform outputs). Apps and KEDA read host/port/TLS from here.
 */
export const redis = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('in-cluster'),
    image: imageRef,
    /** redis_exporter sidecar serving Prometheus metrics on port 9121 (`metrics`). */
    exporterImage: imageRef,
    resources,
    exporterResources: resources,
    /** Size of the PersistentVolumeClaim holding the AOF and RDB files. */
    storage: memoryQuantity,
    /** @default - the default class of `storage.classes` (named explicitly in the claim) */
    storageClassName: dnsLabel.optional(),
    /** Redis `maxmemory`; keep it below the memory limit so Redis refuses writes before the kernel kills it. */
    maxMemory: memoryQuantity,
    priorityClass: dnsLabel.default('flextime-critical'),
  }).strict().superRefine((r, ctx) => {
    if (parseMemory(r.maxMemory)! >= parseMemory(r.resources.limits.memory)!) {
      ctx.addIssue({ code: 'custom', path: ['maxMemory'], message: `must be below resources.limits.memory (${r.resources.limits.memory})` });
    }
  }),
  z.object({
    /** ElastiCache: host and port are the environment's Terraform outputs redis_endpoint / redis_port. */
    mode: z.literal('external'),
    /** In-transit encryption (ElastiCache transit_encryption_enabled). */
    tls: z.boolean().default(true),
  }).strict(),
]);
export type Redis = z.infer<typeof redis>;

/** An HTTP path served by the app, e.g. "/healthz". */
const httpPath = z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, 'must be an absolute HTTP path such as "/healthz"');
/** An unprivileged TCP port: pods run as non-root without NET_BIND_SERVICE. */
const appPort = z.number().int().min(1024, 'must be >= 1024 (pods run as non-root)').max(65535);

/** Scale on CPU/memory utilization with an autoscaling/v2 HPA (replicas.min must be >= 1). */
export const hpaScaling = z.object({
  kind: z.literal('hpa'),
  /** Target average CPU utilization, per cent of requests. */
  cpuUtilization: z.number().int().min(1).max(100),
  /** Target average memory utilization, per cent of requests. */
  memoryUtilization: z.number().int().min(1).max(100).optional(),
  /** Load must stay low this long before pods are removed. */
  scaleDownStabilizationSeconds: z.number().int().min(0).max(3600).default(300),
  /** Scale up by up to this per cent (or 4 pods, whichever is more) per period. */
  scaleUpPercent: z.number().int().positive().default(100),
  scaleUpPeriodSeconds: z.number().int().min(1).max(1800).default(15),
}).strict();

/** Scale on the length of a Redis list (job queue) with KEDA. */
export const redisQueueScaling = z.object({
  kind: z.literal('redis-queue'),
  /** The Redis list producers push jobs to. */
  listName: z.string().min(1),
  /** Target jobs waiting per replica. */
  listLength: z.number().int().positive('must be > 0 (jobs waiting per replica)'),
  /** Queue length that wakes the service from zero replicas. */
  activationListLength: z.number().int().nonnegative().default(0),
  pollingIntervalSeconds: z.number().int().min(1).max(600).default(15),
  /** Quiet time before scaling to zero; also the scale-down stabilization window. */
  cooldownPeriodSeconds: z.number().int().min(0).max(3600).default(300),
  /** Replicas to run while the queue length cannot be read (after `failureThreshold` failed polls). */
  fallback: z.object({
    failureThreshold: z.number().int().positive().default(3),
    replicas: z.number().int().positive(),
  }).strict(),
  /** `deployment`: long-running workers (ScaledObject). `job`: one Job per queued item (ScaledJob). */
  runAs: z.enum(['deployment', 'job']).default('deployment'),
  /** With `runAs: job`: a Job running longer than this is killed (activeDeadlineSeconds). */
  jobDeadlineSeconds: z.number().int().min(60).max(86400).default(600),
}).strict();

export const autoscaling = z.discriminatedUnion('kind', [hpaScaling, redisQueueScaling]);
export type Autoscaling = z.infer<typeof autoscaling>;

/** What a service is, independent of environment. */
export const service = z.object({
  name: dnsLabel,
  /** `app.kubernetes.io/component` of its objects. */
  component: dnsLabel,
  description: z.string().min(1),
  /** HTTP port (container port and Service port `http`). */
  port: appPort,
  priorityClass: dnsLabel,
  /** Probe paths on `port`: liveness restarts the pod, readiness takes it out of the Service. */
  health: z.object({ liveness: httpPath, readiness: httpPath }).strict(),
  /**
   * Prometheus endpoint; the Service always has a port named `metrics`. Without `port` the
   * metrics are served on the HTTP port.
   */
  metrics: z.object({ path: httpPath.default('/metrics'), port: appPort.optional() }).strict(),
  /** Fixed non-root UID (and GID) the image is built for. */
  runAsUser: z.number().int().min(1000).max(2147483647).default(10001),
  /** SIGTERM to SIGKILL: long enough to finish in-flight work (e.g. a 5-minute solve). */
  terminationGracePeriodSeconds: z.number().int().min(1).max(3600).default(30),
  /** preStop sleep so endpoints drop the pod before it stops accepting connections. */
  preStopSleepSeconds: z.number().int().min(0).max(120).default(5),
  /** Keep at least this many pods up during voluntary disruptions when replicas.min allows it. */
  minAvailable: z.number().int().positive().default(1),
  /** Environment variables from `secrets` (by name) the service receives through its ExternalSecret. */
  secrets: z.array(z.string()).default([]),
  autoscaling,
  /** Recommendation-only VerticalPodAutoscaler (updateMode Off). */
  verticalRecommendations: z.boolean().default(true),
}).strict().superRefine((svc, ctx) => {
  if (svc.preStopSleepSeconds >= svc.terminationGracePeriodSeconds) {
    ctx.addIssue({
      code: 'custom',
      path: ['preStopSleepSeconds'],
      message: `must be less than terminationGracePeriodSeconds (${svc.terminationGracePeriodSeconds})`,
    });
  }
  if (svc.metrics.port === svc.port) {
    ctx.addIssue({ code: 'custom', path: ['metrics', 'port'], message: `leave it out to serve metrics on the HTTP port (${svc.port})` });
  }
});
export type Service = z.infer<typeof service>;

// ------------------------------------------------------------------ secrets (docs/workloads.md)

/** Where one secret value lives: Secrets Manager secret `<partOf>/<env>/<key>`, JSON `property`. */
export const secretRef = z.object({
  key: z.string().regex(/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/, 'must be a Secrets Manager name such as "database" or "api-svc/jwt"'),
  /** JSON property of the secret value; absent: the whole value. */
  property: z.string().min(1).optional(),
}).strict();

/**
 * External Secrets Operator's ClusterSecretStores (charts/secrets.ts): `<name>` for
 * namespaces outside the environments (monitoring, falco, …; keys are full names), and
 * `<name>-<env>` per environment, usable only from its namespace and only below
 * `<partOf>/<env>/`. They authenticate as aws.serviceAccounts.externalSecrets (IRSA).
 */
export const secretStore = z.object({
  name: dnsLabel,
  /** Region of the platform store; environment stores use their Terraform output `region`. */
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, 'must be an AWS region such as "us-east-2"'),
  /** How often ExternalSecrets re-read their keys (rotation delay). */
  refreshInterval: z.string().regex(/^[0-9]+(s|m|h)$/, 'must be a duration such as "1h"').default('1h'),
}).strict();
