/**
 * The one schema of the FlexTime platform config.
 *
 * Every TypeScript type the charts use is inferred from here (`z.infer`), so a field exists in
 * exactly one place. Cross-field rules (min <= max, digest required outside development,
 * references between sections) live in `superRefine` blocks next to the object they check, so
 * each error carries the full path of the field that is wrong.
 */
import { z } from 'zod';
import { parseCpu, parseMemory } from '../lib/quantity.ts';
import { recordedWindows } from '../lib/monitoring/slo-rules.ts';
import { KNOWN_METRICS, knownMetric } from './metrics.ts';
import { addon } from './schema-addons.ts';
import { checkNetwork, environmentAccess, environmentIngress, environmentNetwork, ingress, network, sso } from './schema-network.ts';

export const ENVIRONMENT_NAMES = ['development', 'staging', 'production'] as const;
export const environmentName = z.enum(ENVIRONMENT_NAMES);
export type EnvironmentName = z.infer<typeof environmentName>;

/** DNS-1123 label: what Kubernetes accepts as a name of a Service, namespace or label value. */
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)');

/** A CPU quantity as Kubernetes writes it: "250m", "1", "1.5". */
export const cpuQuantity = z.string().refine((v) => parseCpu(v) !== undefined, {
  message: 'must be a Kubernetes CPU quantity such as "250m", "1" or "1.5"',
});

/** A memory quantity as Kubernetes writes it: "512Mi", "2Gi", "1G". */
export const memoryQuantity = z.string().refine((v) => parseMemory(v) !== undefined, {
  message: 'must be a Kubernetes memory quantity such as "256Mi", "2Gi" or "1G"',
});

/**
 * An OCI image reference. Accepts `repo:tag`, `repo@sha256:<64 hex>` and `repo:tag@sha256:…`.
 * Whether a digest is *required* depends on the environment (see `environment` below).
 */
const IMAGE_PATTERN =
  /^(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;
export const imageRef = z
  .string()
  .regex(IMAGE_PATTERN, 'must be an image reference "registry/repo:tag" or "registry/repo@sha256:<64 hex>"')
  .refine((v) => /[:@]/.test(v.replace(/^[^/]*:[0-9]+\//, '')), {
    message: 'must name a tag or a digest ("repo:tag" or "repo@sha256:…"); an untagged image means :latest',
  })
  .refine((v) => !/:latest(@|$)/.test(v), { message: 'must not use the floating tag "latest"' });

export interface ParsedImage {
  repository: string;
  tag?: string;
  digest?: string;
}
export function parseImage(ref: string): ParsedImage {
  const groups = IMAGE_PATTERN.exec(ref)?.groups;
  if (!groups) throw new Error(`image '${ref}' is not a valid reference`);
  return { repository: groups.repository!, tag: groups.tag, digest: groups.digest };
}

export const resources = z.object({
  requests: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
  limits: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
}).strict().superRefine((r, ctx) => {
  for (const key of ['cpu', 'memory'] as const) {
    const parse = key === 'cpu' ? parseCpu : parseMemory;
    if (parse(r.requests[key])! > parse(r.limits[key])!) {
      ctx.addIssue({
        code: 'custom',
        path: ['requests', key],
        message: `request (${r.requests[key]}) must not exceed the limit (${r.limits[key]})`,
      });
    }
  }
});
export type Resources = z.infer<typeof resources>;

export const replicas = z.object({
  min: z.number().int().nonnegative(),
  max: z.number().int().positive(),
}).strict().superRefine((r, ctx) => {
  if (r.min > r.max) {
    ctx.addIssue({ code: 'custom', path: ['min'], message: `min (${r.min}) must be <= max (${r.max})` });
  }
});

// ------------------------------------------------------------------ workloads (docs/workloads.md)

/** An IAM role ARN (from Terraform outputs) assumed through IRSA. */
export const iamRoleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]+$/, 'must be an IAM role ARN such as "arn:aws:iam::111111111111:role/name"');

/**
 * How a progressive rollout is judged (docs/runbooks/load-and-chaos.md): after each step Argo
 * Rollouts reads the SLO recording rules `slo:sli_error:ratio_rate<window>` of `slos`; a
 * measurement passes while the error ratio stays within `maxBurnRate` × the SLO's error budget.
 */
export const rolloutAnalysis = z.object({
  /** SLOs (names from observability.slos, of this service) that gate the rollout. */
  slos: z.array(dnsLabel).min(1),
  /** Window of the recording rule read; must be one the SLO records (charts/monitoring.ts). */
  window: z.string().regex(/^[1-9][0-9]*(m|h|d)$/, 'must be a Prometheus duration such as "5m" or "1h"').default('5m'),
  /** 1 = the objective itself: the error ratio may not exceed the error budget (100 - objective). */
  maxBurnRate: z.number().positive().max(100).default(1),
  /** Time between measurements. */
  interval: z.string().regex(/^[1-9][0-9]*(s|m)$/, 'must be a duration such as "30s" or "1m"').default('1m'),
  /** Measurements per analysis run (a step holds for about count × interval). */
  count: z.number().int().min(1).max(60).default(5),
  /** Failed measurements tolerated; one more aborts the rollout. */
  failureLimit: z.number().int().min(0).default(1),
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
export const containerLimits = z.object({
  defaultRequest: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
  default: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
  max: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
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
    /** @default - the cluster's default StorageClass */
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

// ------------------------------------------------------------------ database (docs/database.md)

/** A PostgreSQL identifier as the backup scripts and pgbouncer.ini may quote it unchanged. */
const pgIdentifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier (letters, digits, "_"; at most 63 characters)');
/** `schema.table`, as the restore check counts its rows. */
const pgTable = z.string().regex(/^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$/, 'must be a schema-qualified table such as "public.teams"');
const cronSchedule = z.string().regex(/^[0-9*,/-]+( [0-9*,/-]+){2} [0-9*,/A-Za-z-]+ [0-9*,/A-Za-z-]+$/, 'must be a 5-field cron schedule such as "15 2 * * *" (no CRON_TZ: set timeZone)');
const ianaTimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, { message: 'must be an IANA time zone such as "America/Chicago"' });

/** What every database CronJob (backup, restore check) needs: when, how long, how often to retry. */
const databaseJob = z.object({
  schedule: cronSchedule,
  /** A run that could not start within this many seconds of its time is skipped (and counted as missed). */
  startingDeadlineSeconds: z.number().int().min(10, 'must be >= 10 (the CronJob controller looks every 10 s)').max(86_400),
  /** The Job is killed after this long, retries included. */
  activeDeadlineSeconds: z.number().int().min(60).max(86_400),
  /** Pod retries before the Job counts as failed. */
  backoffLimit: z.number().int().min(0).max(6),
  successfulJobsHistoryLimit: z.number().int().min(0).max(10).default(3),
  failedJobsHistoryLimit: z.number().int().min(1, 'must be >= 1: keep a failed Job to read its logs').max(10).default(3),
  resources,
  /** Size limit of the emptyDir the dump is written to (and, for the restore check, the scratch PostgreSQL). */
  scratchStorage: memoryQuantity,
}).strict();

/**
 * The database tier shared by every environment: PgBouncer (charts/database.ts) in front of the
 * environment's RDS instance (Terraform outputs db_endpoint/db_port), the nightly pg_dump to the
 * environment's S3 bucket, the weekly restore check, and the Pushgateway both jobs report to.
 */
export const database = z.object({
  /** Database on RDS that apps use and backups dump (terraform-bootstrap/rds.tf `db_name`). */
  name: pgIdentifier,
  /** Role the apps log in as, through PgBouncer (password: secret `DATABASE_APP_PASSWORD`). */
  appUser: pgIdentifier,
  /** Time zone of the CronJob schedules. */
  timeZone: ianaTimeZone,
  pgbouncer: z.object({
    image: imageRef,
    /** prometheus-community pgbouncer_exporter sidecar on port 9127 (`metrics`). */
    exporterImage: imageRef,
    resources,
    exporterResources: resources,
    /** `transaction` returns the server connection after each transaction (apps must not rely on session state). */
    poolMode: z.enum(['transaction', 'session']).default('transaction'),
    /** How PgBouncer checks the RDS certificate against the RDS CA bundle (secret `RDS_CA_BUNDLE`). */
    serverTlsMode: z.enum(['verify-ca', 'verify-full']).default('verify-full'),
    /** Server connections idle this long are closed. */
    serverIdleTimeoutSeconds: z.number().int().min(10).max(3600).default(600),
    /** A client waiting longer than this for a server connection gets an error instead of hanging. */
    queryWaitTimeoutSeconds: z.number().int().min(1).max(600).default(60),
    priorityClass: dnsLabel.default('flextime-critical'),
  }).strict(),
  backup: databaseJob.extend({
    /** pg_dump 16 (the RDS major), aws CLI, curl, sha256sum; the restore check runs it too. */
    image: imageRef,
    /** Role pg_dump connects as (pg_read_all_data; password: secret `DATABASE_BACKUP_PASSWORD`). */
    user: pgIdentifier,
    /** pg_dump --compress level of the custom-format dump. */
    compressionLevel: z.number().int().min(0).max(9).default(6),
    /** Dumps are stored at s3://<backup_bucket>/<keyPrefix><database>/YYYY/MM/DD/. */
    keyPrefix: z.string().regex(/^([a-z0-9][a-z0-9-]*\/)*$/, 'must be empty or "/"-separated lower-case words ending in "/", such as "postgres/"'),
    priorityClass: dnsLabel.default('flextime-batch'),
  }).strict(),
  restoreVerify: databaseJob.extend({
    /** Tables that must exist with at least one row after the newest dump is restored. */
    keyTables: z.array(pgTable).min(1),
    priorityClass: dnsLabel.default('flextime-batch'),
  }).strict(),
  /** Prometheus Pushgateway the jobs push their result metrics to (scraped with honorLabels). */
  pushgateway: z.object({
    image: imageRef,
    resources,
    /** PersistentVolumeClaim keeping pushed metrics across restarts. */
    storage: memoryQuantity,
    /** @default - the cluster's default StorageClass */
    storageClassName: dnsLabel.optional(),
  }).strict(),
}).strict().superRefine((d, ctx) => {
  d.restoreVerify.keyTables.forEach((table, i) => {
    if (d.restoreVerify.keyTables.indexOf(table) !== i) ctx.addIssue({ code: 'custom', path: ['restoreVerify', 'keyTables', i], message: `duplicate table '${table}'` });
  });
  if (d.backup.user === d.appUser) {
    ctx.addIssue({ code: 'custom', path: ['backup', 'user'], message: `must differ from appUser ('${d.appUser}'): the backup role reads everything and writes nothing` });
  }
});
export type Database = z.infer<typeof database>;

/** PgBouncer of one environment: replicas and pool sizes (pgbouncer.ini). */
export const environmentDatabase = z.object({
  /**
   * RDS `max_connections` of the environment's instance class (LEAST(DBInstanceClassMemory/9531392, 5000)
   * minus what RDS reserves); every PgBouncer replica's maxDbConnections plus the backup must fit in it.
   */
  serverConnectionLimit: z.number().int().positive(),
  pgbouncer: z.object({
    /** >= 2 where an outage matters: with 2+ the PDB keeps one up and anti-affinity spreads them. */
    replicas: z.number().int().min(1),
    /** Client connections one PgBouncer replica accepts. */
    maxClientConn: z.number().int().positive(),
    /** Server connections per database/user pair and replica. */
    defaultPoolSize: z.number().int().positive(),
    /** Idle server connections kept open per pool. */
    minPoolSize: z.number().int().nonnegative().default(0),
    /** Extra server connections a pool may open when clients have waited reservePoolTimeoutSeconds. */
    reservePoolSize: z.number().int().nonnegative().default(0),
    reservePoolTimeoutSeconds: z.number().int().min(1).max(60).default(3),
    /** Hard cap of server connections per database and replica. */
    maxDbConnections: z.number().int().positive(),
  }).strict().superRefine((p, ctx) => {
    if (p.minPoolSize > p.defaultPoolSize) {
      ctx.addIssue({ code: 'custom', path: ['minPoolSize'], message: `must be <= defaultPoolSize (${p.defaultPoolSize})` });
    }
    if (p.defaultPoolSize + p.reservePoolSize > p.maxDbConnections) {
      ctx.addIssue({ code: 'custom', path: ['maxDbConnections'], message: `must be >= defaultPoolSize + reservePoolSize (${p.defaultPoolSize} + ${p.reservePoolSize}), or the pool can never fill` });
    }
    if (p.defaultPoolSize > p.maxClientConn) {
      ctx.addIssue({ code: 'custom', path: ['defaultPoolSize'], message: `must be <= maxClientConn (${p.maxClientConn}): more server than client connections is waste` });
    }
  }),
}).strict().superRefine((d, ctx) => {
  const needed = d.pgbouncer.replicas * d.pgbouncer.maxDbConnections + 1;
  if (needed > d.serverConnectionLimit) {
    ctx.addIssue({
      code: 'custom',
      path: ['pgbouncer', 'maxDbConnections'],
      message: `replicas × maxDbConnections + 1 backup connection (${d.pgbouncer.replicas} × ${d.pgbouncer.maxDbConnections} + 1 = ${needed}) must fit serverConnectionLimit (${d.serverConnectionLimit})`,
    });
  }
});

// ------------------------------------------------------------------ security (docs/security.md)

/** What Gatekeeper does with a violation: reject it, let it through with a warning, or only audit it. */
export const enforcementAction = z.enum(['deny', 'warn', 'dryrun']);
export type EnforcementAction = z.infer<typeof enforcementAction>;

export const environmentSecurity = z.object({
  /** enforcementAction of the Gatekeeper constraints that match this environment's namespace. */
  enforcementAction,
  /** Images must be `repo@sha256:…`: checked here for config and by Gatekeeper in the namespace. */
  requireImageDigest: z.boolean(),
  /** Severity of the alert on critical image vulnerabilities (Trivy Operator); `none`: no alert. */
  vulnerabilityAlert: z.enum(['critical', 'warning', 'none']),
}).strict();

// ------------------------------------------------------------------ gitops (docs/gitops.md)

/** A Slack channel name as ArgoCD notifications subscribe to it (no leading "#"). */
export const notifyChannel = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a Slack channel name without "#", such as "flextime-alerts"');

/** When ArgoCD may sync automatically (an ArgoCD `allow` sync window); manual sync stays possible. */
export const syncWindow = z.object({
  /** Cron schedule (5 fields) at which the window opens, in `timeZone`. */
  schedule: z.string().regex(/^\S+( \S+){4}$/, 'must be a 5-field cron schedule such as "0 14 * * 2-4"'),
  /** How long the window stays open. */
  duration: z.string().regex(/^[1-9][0-9]*[hm]$/, 'must be a duration in hours or minutes such as "4h" or "90m"'),
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, { message: 'must be an IANA time zone such as "America/Chicago"' }),
}).strict();
export type SyncWindow = z.infer<typeof syncWindow>;

/** How ArgoCD syncs one environment's Applications (charts/argocd.ts). */
export const environmentGitops = z.object({
  /** Delete removed objects only after everything else is synced and healthy. */
  pruneLast: z.boolean().default(false),
  /**
   * Automated sync and self-heal only inside this window.
   * @default - any time
   */
  syncWindow: syncWindow.optional(),
  /** What the `sso.groups.developers` group may do with this environment's Applications in ArgoCD. */
  developerAccess: z.enum(['sync', 'read-only']).default('sync'),
  /**
   * Slack channel for sync failures and degraded health.
   * @default - gitops.notifications.channel
   */
  notifyChannel: notifyChannel.optional(),
}).strict().prefault({});

// ------------------------------------------------------------------ load and chaos tests (docs/runbooks/load-and-chaos.md)

/** A Chaos Mesh / Go duration such as "30s", "2m" or "1h". */
const chaosDuration = z.string().regex(/^[1-9][0-9]*(ms|s|m|h)$/, 'must be a duration such as "30s", "2m" or "1h"');

const chaosCommon = {
  /** Name of the Chaos Mesh Schedule (and of the experiments it creates). */
  name: dnsLabel,
  /** When it runs (in `chaos.timeZone`), e.g. a few minutes into the nightly load test. */
  schedule: cronSchedule,
  /** What must hold while it runs (PDB, HPA, alerts); written next to the experiment as an annotation. */
  expect: z.string().min(20, 'must say what must hold while it runs (at least 20 characters)'),
};

/** One chaos experiment on a workload (a service or a `network.workloads` name) of the environment. */
export const chaosExperiment = z.discriminatedUnion('kind', [
  z.object({
    ...chaosCommon,
    /** Delete pods (the controller replaces them). */
    kind: z.literal('pod-kill'),
    target: dnsLabel,
    /** Per cent of the target's pods killed at once (at least one). */
    percent: z.number().int().min(1).max(100),
  }).strict(),
  z.object({
    ...chaosCommon,
    /** Make pods unavailable for `duration` (containers swapped for a pause image), e.g. mid-job. */
    kind: z.literal('pod-failure'),
    target: dnsLabel,
    percent: z.number().int().min(1).max(100),
    duration: chaosDuration,
  }).strict(),
  z.object({
    ...chaosCommon,
    /** Delay the packets `target` sends to `to` (another workload) by `latency` ± `jitter` for `duration`. */
    kind: z.literal('network-delay'),
    target: dnsLabel,
    to: dnsLabel,
    latency: chaosDuration,
    jitter: chaosDuration,
    duration: chaosDuration,
  }).strict(),
]);
export type ChaosExperiment = z.infer<typeof chaosExperiment>;

/** Chaos Mesh experiments of an environment (charts/chaos.ts); refused in production. */
export const environmentChaos = z.object({
  timeZone: ianaTimeZone,
  experiments: z.array(chaosExperiment).min(1),
}).strict();

/** The k6 scripts in loadtest/ (one file each, `loadtest/<script>.js`). */
export const LOADTEST_SCRIPTS = ['read-schedules', 'schedule-generation'] as const;

/**
 * k6 load tests of one environment's public API (charts/performance.ts): TestRuns for the
 * k6-operator and a nightly CronJob in the namespace `<partOf>-performance`, on the target's
 * cluster. Thresholds come from observability.slos (loadtest/thresholds.json).
 */
export const loadTesting = z.object({
  /** Environment whose API (api.<domain>, through its ingress controller) the tests drive. */
  target: environmentName,
  /** grafana/k6, mirrored to an allowed registry, by digest. */
  k6Image: imageRef,
  /** The k6-operator starter (curl) image, mirrored, by digest. */
  starterImage: imageRef,
  /** Requests and limits of each k6 pod (runner, starter, initializer, nightly). */
  resources,
  /** Secrets Manager secret (platform store; JSON property `token`) with an API token of a load-test user of the target. */
  apiTokenSecretKey: z.string().regex(/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/, 'must be a Secrets Manager name such as "flextime/performance/api-token"'),
  /** TestRuns (run once each time ArgoCD creates them). */
  tests: z.array(z.object({
    name: dnsLabel,
    script: z.enum(LOADTEST_SCRIPTS),
    /** Virtual users in total (split over `parallelism` runner pods). */
    vus: z.number().int().min(1).max(2000),
    duration: chaosDuration,
    parallelism: z.number().int().min(1).max(20).default(1),
  }).strict()).min(1),
  /** The nightly run: tests of `tests` side by side, one k6 container each, in a CronJob's hardened pod. */
  nightly: z.object({
    tests: z.array(dnsLabel).min(1),
    schedule: cronSchedule,
    timeZone: ianaTimeZone,
  }).strict(),
  /** ResourceQuota of the namespace. */
  quota: z.object({ requestsCpu: cpuQuantity, requestsMemory: memoryQuantity, limitsCpu: cpuQuantity, limitsMemory: memoryQuantity, pods: z.number().int().positive() }).strict(),
}).strict().superRefine((l, ctx) => {
  const names = l.tests.map((t) => t.name);
  l.nightly.tests.forEach((name, i) => {
    if (!names.includes(name)) ctx.addIssue({ code: 'custom', path: ['nightly', 'tests', i], message: `unknown test '${name}'; allowed: ${names.join(', ')}` });
  });
  l.tests.forEach((t, i) => {
    if (names.indexOf(t.name) !== i) ctx.addIssue({ code: 'custom', path: ['tests', i, 'name'], message: `duplicate test '${t.name}'` });
    if (t.parallelism > t.vus) ctx.addIssue({ code: 'custom', path: ['tests', i, 'parallelism'], message: `must be <= vus (${t.vus}): every runner needs a virtual user` });
  });
});
export type LoadTesting = z.infer<typeof loadTesting>;

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
}).strict();

export const priorityClass = z.object({
  name: dnsLabel,
  value: z.number().int().min(0).max(1_000_000_000),
  description: z.string().min(1),
  /** Batch work waits for room instead of evicting running pods. */
  preemptionPolicy: z.enum(['PreemptLowerPriority', 'Never']).default('PreemptLowerPriority'),
}).strict();

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

// ------------------------------------------------------------------ observability (docs/observability.md)

/** A Prometheus metric or label name as PromQL writes it. */
const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)');
/** A Prometheus duration: "5m", "1h", "3d". */
export const promDuration = z.string().regex(/^[0-9]+(ms|s|m|h|d|w)$/, 'must be a Prometheus duration such as "30s", "5m", "1h" or "3d"');

/** What an SLO measures: the share of bad events, read from metrics in config/metrics.ts. */
export const sloIndicator = z.discriminatedUnion('kind', [
  z.object({
    /** Bad events are the `metric` series whose labels match `bad` (label → regex); all series are the total. */
    kind: z.literal('errorRatio'),
    /** A counter from KNOWN_METRICS. */
    metric: metricName,
    bad: z.record(labelName, z.string().min(1)).refine((r) => Object.keys(r).length > 0, { message: 'must name at least one label matcher' }),
  }).strict(),
  z.object({
    /** Bad events are observations slower than `thresholdSeconds` in a histogram. */
    kind: z.literal('latency'),
    /** A histogram base name from KNOWN_METRICS. */
    metric: metricName,
    /** Must be one of the histogram's bucket bounds, or the ratio cannot be computed exactly. */
    thresholdSeconds: z.number().positive(),
  }).strict(),
]);

/** One service-level objective over a rolling 30 days; lib/monitoring/slo-rules.ts turns it into rules. */
export const slo = z.object({
  /** Also the `slo` label of its recording rules; the alert is `<PascalName>ErrorBudgetBurn`. */
  name: dnsLabel,
  description: z.string().min(1),
  /** Service (from `services`) whose metrics the indicator reads. */
  service: dnsLabel,
  /** Per cent of events that must be good, e.g. 99.9 (error budget = 100 - objective). */
  objective: z.number().gt(0, 'must be > 0 (per cent)').lt(100, 'must be < 100 (per cent); 100 leaves no error budget'),
  indicator: sloIndicator,
  /**
   * `page`: fast burn pages (critical) and slow burn opens a ticket (warning).
   * `ticket`: a target we watch but do not wake anyone for; slow-burn tickets only.
   */
  alerting: z.enum(['page', 'ticket']).default('page'),
}).strict().superRefine((s, ctx) => {
  const known = knownMetric(s.indicator.metric);
  const wanted = s.indicator.kind === 'latency' ? 'histogram' : 'counter';
  if (!known || known.type !== wanted) {
    const allowed = KNOWN_METRICS.filter((m) => m.type === wanted).map((m) => m.name).join(', ');
    ctx.addIssue({ code: 'custom', path: ['indicator', 'metric'], message: `must be a ${wanted} listed in config/metrics.ts: ${allowed}` });
    return;
  }
  if (s.indicator.kind === 'latency' && !known.buckets?.includes(s.indicator.thresholdSeconds)) {
    ctx.addIssue({
      code: 'custom',
      path: ['indicator', 'thresholdSeconds'],
      message: `must be a bucket bound of ${known.name}: ${known.buckets?.join(', ')}`,
    });
  }
});
export type Slo = z.infer<typeof slo>;

export const observability = z.object({
  slos: z.array(slo).min(1),
  /** Thresholds of the alerts that are not SLO burn rates (charts/alert-rules.ts). */
  alerts: z.object({
    /** Scheduler jobs waiting in the queue ... */
    queueBacklogJobs: z.number().int().positive(),
    /** ... for this long. */
    queueBacklogFor: promDuration,
    /** Failed or timed-out schedule jobs within one hour that raise a warning. */
    jobFailuresPerHour: z.number().int().positive(),
    /** An HPA pinned at maxReplicas this long means it cannot absorb more load. */
    hpaAtMaxFor: promDuration,
    pvcUsedPercent: z.number().gt(0).lt(100),
    certExpiryDays: z.number().int().positive(),
    /** Backups run nightly; this many hours without a success means one was missed. */
    backupMaxAgeHours: z.number().int().positive(),
    /** Clients waiting for a PgBouncer server connection this long means the pool is saturated. */
    pgbouncerWaitingFor: promDuration,
    redisMemoryPercent: z.number().gt(0).lt(100),
  }).strict(),
  alerting: z.object({
    /** runbook_url of an alert = `<runbookBaseUrl>/<AlertName>.md` (docs/runbooks/ in this repo). */
    runbookBaseUrl: z.url(),
    /** Environments whose critical alerts page the on-call; elsewhere critical goes to Slack only. */
    pagingEnvironments: z.array(environmentName).min(1),
    slackChannel: z.string().regex(/^#[a-z0-9_-]+$/, 'must be a Slack channel such as "#flextime-alerts"'),
    email: z.object({
      to: z.email(),
      from: z.email(),
      /** SMTP relay as host:port. */
      smarthost: z.string().regex(/^[a-z0-9.-]+:[0-9]+$/, 'must be host:port'),
      username: z.string().min(1),
    }).strict(),
    /** Secrets Manager secret (JSON, read through `secretStore`) with the receiver credentials, see docs/observability.md. */
    secretKey: z.string().min(1),
  }).strict(),
  grafana: z.object({
    /** OAuth client registered at `sso.issuer` for Grafana. */
    oauthClientId: z.string().min(1),
    /** Secrets Manager secret (JSON, property `client-secret`) holding the client secret. */
    oauthSecretKey: z.string().min(1),
    /** JMESPath mapping SSO claims to Grafana roles (Admin / Editor / Viewer). */
    roleAttributePath: z.string().min(1),
  }).strict(),
  tracing: z.object({
    /** Namespace of the OpenTelemetry Collector and Jaeger; `otelEndpoint` must point into it. */
    namespace: dnsLabel,
    /** How long Jaeger keeps spans (Go duration, e.g. "168h"). */
    retention: z.string().regex(/^[0-9]+h$/, 'must be whole hours such as "168h" (Go duration)'),
    /** Size of Jaeger's Badger volume. */
    storage: memoryQuantity,
    /** OpenTelemetry Collector (contrib distribution: spanmetrics connector, Prometheus exporter). */
    collector: z.object({ image: imageRef, replicas: z.number().int().min(1), resources }).strict(),
    /** Jaeger v2 (one replica: Badger is a local, single-writer store). */
    jaeger: z.object({ image: imageRef, resources }).strict(),
    /** Share of traces kept by the collector (probabilistic head sampling), per cent. */
    samplingPercent: z.number().gt(0).max(100),
  }).strict(),
}).strict();
export type Observability = z.infer<typeof observability>;

// ------------------------------------------------------------------ security, cluster-wide (docs/security.md)

/** A registry prefix images may come from, e.g. "ghcr.io/flextime/" (ends with "/" so "ghcr.io/flextime-evil/" does not match). */
const registryPrefix = z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*\/$/, 'must be a registry prefix ending in "/", such as "ghcr.io/flextime/"');
/** A label key as Kubernetes accepts it: optional DNS prefix, "/", name. */
const labelKey = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a label key such as "app.kubernetes.io/name"');
const absolutePath = z.string().regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, 'must be an absolute path without a trailing "/", such as "/app"');
const port = z.number().int().min(1).max(65535);
export const falcoPriority = z.enum(['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFORMATIONAL', 'DEBUG']);

export const security = z.object({
  gatekeeper: z.object({
    /** Namespaces no constraint looks at: the control plane and the add-ons that run the cluster. */
    exemptNamespaces: z.array(dnsLabel).min(1),
    /** The only namespaces where Services of type LoadBalancer or NodePort are allowed (the ingress controller's). */
    loadBalancerNamespaces: z.array(dnsLabel).min(1),
    /** enforcementAction for namespaces outside every environment and for our own cluster-scoped objects. */
    platformEnforcementAction: enforcementAction,
    /** Registries (prefixes) that containers in environment namespaces may pull from. */
    allowedRegistries: z.array(registryPrefix).min(1),
    /** Labels every workload, Pod template, Service and Ingress in an environment namespace must carry. */
    requiredLabels: z.array(labelKey).min(1),
  }).strict(),
  falco: z.object({
    /** Namespace of the Falco add-on; the custom rules ConfigMap and Falcosidekick secret go there. */
    namespace: dnsLabel,
    /** Where application code lives inside app images; writes below it (or /etc) raise an alert. */
    appDirectories: z.array(absolutePath).min(1),
    /** Process names allowed to read service-account tokens in app containers. */
    tokenReaders: z.array(z.string().regex(/^[A-Za-z0-9._-]{1,15}$/, 'must be a process name (Falco truncates proc.name to 15 characters)')),
    /** Per workload (`app.kubernetes.io/name`): the destination ports it may connect to; any other outbound connection alerts. */
    egress: z.record(dnsLabel, z.array(port).min(1)),
    /** Lowest Falco priority that Falcosidekick forwards to Slack (all events reach Prometheus). */
    slackMinimumPriority: falcoPriority,
    /** ClusterSecretStore the Falcosidekick Slack webhook URL is read from. */
    secretStore: dnsLabel,
    /** Secrets Manager secret (JSON, property `webhook-url`) holding the Slack webhook URL. */
    slackWebhookSecretKey: z.string().min(1),
  }).strict(),
}).strict();
export type Security = z.infer<typeof security>;

// ------------------------------------------------------------------ secrets (docs/workloads.md)

/** Where one secret value lives: Secrets Manager secret `<partOf>/<env>/<key>`, JSON `property`. */
export const secretRef = z.object({
  key: z.string().regex(/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/, 'must be a Secrets Manager name such as "database" or "api-svc/jwt"'),
  /** JSON property of the secret value; absent: the whole value. */
  property: z.string().min(1).optional(),
}).strict();

/**
 * External Secrets Operator's ClusterSecretStores (charts/secret-stores.ts): `<name>` for
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

/** The slice of the platform the workload checks read (kept structural to avoid a type cycle). */
interface WorkloadView {
  readonly services: readonly Service[];
  readonly environments: readonly Environment[];
  readonly secrets: Readonly<Record<string, unknown>>;
  readonly maxSurgePercent: number;
  readonly database: Database;
}

/**
 * Cross-field rules of the workloads: secret names exist, autoscaler bounds fit every
 * environment, and each environment's quota holds every workload at max replicas plus the
 * rolling-update surge (the same sum test/workloads.test.ts computes from the rendered YAML).
 */
function checkWorkloads(p: WorkloadView, ctx: z.RefinementCtx): void {
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
  env: Environment,
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
  out.push({ name: 'flextime-backup', pods: 1, resources: [db.backup.resources] });
  out.push({ name: 'flextime-restore-verify', pods: 1, resources: [db.restoreVerify.resources] });
  return out;
}

/**
 * Progressive delivery needs a workload to roll out (not a KEDA ScaledJob) and analysis on SLOs
 * of the same service, read from a window their recording rules actually record.
 */
function checkDelivery(
  p: { services: readonly Service[]; environments: readonly Environment[]; observability: { slos: ReadonlyArray<{ name: string; service: string; alerting: 'page' | 'ticket' }> } },
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
        const slo = own.find((s) => s.name === name);
        if (!slo) {
          ctx.addIssue({ code: 'custom', path: [...path, 'analysis', 'slos', i], message: `unknown SLO '${name}' of ${svc.name}; allowed: ${own.map((s) => s.name).join(', ') || 'none (observability.slos)'}` });
          return;
        }
        const recorded = recordedWindows(slo);
        if (!recorded.includes(analysis.window)) {
          ctx.addIssue({ code: 'custom', path: [...path, 'analysis', 'window'], message: `'${analysis.window}' is not recorded for SLO '${name}' (alerting: ${slo.alerting}); recorded: ${recorded.join(', ')}` });
        }
      });
    }
  });
}

/** Chaos targets are workloads of their environment; load tests never drive production. */
function checkLoadAndChaos(
  p: { services: readonly Service[]; environments: readonly Environment[]; network: { workloads: ReadonlyArray<{ name: string; environments?: readonly string[] }> }; loadTesting: LoadTesting },
  ctx: z.RefinementCtx,
): void {
  if (p.loadTesting.target === 'production') {
    ctx.addIssue({ code: 'custom', path: ['loadTesting', 'target'], message: 'load tests must not target production; use staging' });
  }
  if (!p.environments.some((e) => e.name === p.loadTesting.target)) {
    ctx.addIssue({ code: 'custom', path: ['loadTesting', 'target'], message: `unknown environment '${p.loadTesting.target}'; allowed: ${p.environments.map((e) => e.name).join(', ')}` });
  }
  p.environments.forEach((env, e) => {
    const workloads = [
      ...p.services.map((s) => s.name),
      ...p.network.workloads.filter((w) => !w.environments || w.environments.includes(env.name)).map((w) => w.name),
    ];
    const names = new Set<string>();
    env.chaos?.experiments.forEach((x, i) => {
      const path = ['environments', e, 'chaos', 'experiments', i];
      if (names.has(x.name)) ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: `duplicate experiment '${x.name}'` });
      names.add(x.name);
      for (const field of x.kind === 'network-delay' ? (['target', 'to'] as const) : (['target'] as const)) {
        const name = (x as Record<typeof field, string>)[field];
        if (!workloads.includes(name)) {
          ctx.addIssue({ code: 'custom', path: [...path, field], message: `unknown workload '${name}' in ${env.name}; allowed: ${workloads.join(', ')}` });
        }
      }
    });
  });
}

/** Secrets charts/database.ts reads (names in `secrets`). */
export const DATABASE_SECRETS = ['DATABASE_APP_PASSWORD', 'DATABASE_BACKUP_PASSWORD', 'RDS_CA_BUNDLE'] as const;

/** Cross-field rules of `database`: its images follow each environment's digest rule, its names exist. */
function checkDatabase(
  p: Pick<WorkloadView, 'database' | 'environments' | 'secrets'> & { priorityClasses: ReadonlyArray<{ name: string }>; security: { gatekeeper: { allowedRegistries: readonly string[] } } },
  ctx: z.RefinementCtx,
): void {
  const db = p.database;
  const images: Array<[string[], string]> = [
    [['database', 'pgbouncer', 'image'], db.pgbouncer.image],
    [['database', 'pgbouncer', 'exporterImage'], db.pgbouncer.exporterImage],
    [['database', 'backup', 'image'], db.backup.image],
    [['database', 'pushgateway', 'image'], db.pushgateway.image],
  ];
  const strict = p.environments.filter((e) => e.security.requireImageDigest).map((e) => e.name);
  const registries = p.security.gatekeeper.allowedRegistries;
  for (const [path, image] of images) {
    if (strict.length && !parseImage(image).digest) {
      ctx.addIssue({ code: 'custom', path, message: `image '${image}' must be pinned by digest (repo@sha256:…): ${strict.join(', ')} require digests` });
    }
    if (!registries.some((r) => image.startsWith(r))) {
      ctx.addIssue({ code: 'custom', path, message: `image '${image}' is not from an allowed registry (security.gatekeeper.allowedRegistries: ${registries.join(', ')})` });
    }
  }
  const priorities = p.priorityClasses.map((c) => c.name);
  for (const part of ['pgbouncer', 'backup', 'restoreVerify'] as const) {
    const name = db[part].priorityClass;
    if (!priorities.includes(name)) {
      ctx.addIssue({ code: 'custom', path: ['database', part, 'priorityClass'], message: `unknown priority class '${name}'; allowed: ${priorities.join(', ')}` });
    }
  }
  for (const name of DATABASE_SECRETS) {
    if (!(name in p.secrets)) {
      ctx.addIssue({ code: 'custom', path: ['secrets'], message: `must define '${name}': charts/database.ts reads it (docs/database.md)` });
    }
  }
}

// ------------------------------------------------------------------ AWS ground (terraform-bootstrap/, docs/terraform.md)

/** A Kubernetes service account that something outside the cluster names (an IAM role's trust policy). */
export const serviceAccountRef = z.object({ namespace: dnsLabel, name: dnsLabel }).strict();

const awsRoleArn = z.string().regex(/^arn:aws:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_-]+$/, 'must be an IAM role ARN such as "arn:aws:iam::111111111111:role/name"');
const awsDnsName = z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS name');
const awsPort = z.number().int().min(1).max(65535);

const awsAccountId = z.string().regex(/^[0-9]{12}$/, 'must be a 12-digit AWS account id');
const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, 'must be an AWS region such as "us-east-2"');

/**
 * What `terraform apply` of one cluster produced (terraform-bootstrap/cluster/outputs.tf),
 * committed as `clusters.<cluster>` of config/terraform-outputs.json. Keys are Terraform's output
 * names, so a test can hold both sides together. Non-secret values only.
 */
export const clusterTerraformOutputs = z.object({
  account_id: awsAccountId,
  region: awsRegion,
  cluster_name: dnsLabel,
  cluster_endpoint: z.url(),
  oidc_provider_arn: z.string().regex(/^arn:aws:iam::[0-9]{12}:oidc-provider\/.+$/, 'must be an IAM OIDC provider ARN'),
  efs_file_system_id: z.string().regex(/^fs-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be an EFS id such as "fs-0123456789abcdef0"'),
  /** The one External Secrets role of the cluster: reads the secrets of every environment on it. */
  external_secrets_role_arn: awsRoleArn,
  cert_manager_role_arn: awsRoleArn,
  cluster_autoscaler_role_arn: awsRoleArn,
}).strict();
export type ClusterTerraformOutputs = z.infer<typeof clusterTerraformOutputs>;

/**
 * What `terraform apply` of one environment produced (terraform-bootstrap/environment/outputs.tf),
 * committed as `environments.<env>` of config/terraform-outputs.json. Secrets appear by ARN or name.
 */
export const environmentTerraformOutputs = z.object({
  account_id: awsAccountId,
  region: awsRegion,
  /** The cluster whose VPC the data stores were built in. */
  cluster_name: dnsLabel,
  db_endpoint: awsDnsName,
  db_port: awsPort,
  db_master_user_secret_arn: z.string().regex(/^arn:aws:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$/, 'must be a Secrets Manager secret ARN'),
  redis_endpoint: awsDnsName,
  redis_port: awsPort,
  redis_auth_secret_name: z.string().regex(/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/, 'must be a Secrets Manager secret name'),
  backup_bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  backup_role_arn: awsRoleArn,
  /** The environment's customer-managed key: SSE-KMS of the backups (and RDS, Redis, logs). */
  kms_key_arn: z.string().regex(/^arn:aws:kms:[a-z0-9-]+:[0-9]{12}:key\/[0-9a-f-]{36}$/, 'must be a KMS key ARN such as "arn:aws:kms:us-east-2:111111111111:key/<uuid>"'),
}).strict();
export type EnvironmentTerraformOutputs = z.infer<typeof environmentTerraformOutputs>;

/** config/terraform-outputs.json: one part per root module of terraform-bootstrap/, keyed by cluster / environment name. */
export const terraformOutputs = z.object({
  clusters: z.record(z.string(), clusterTerraformOutputs),
  environments: z.record(z.string(), environmentTerraformOutputs),
}).strict();
export type TerraformOutputs = z.infer<typeof terraformOutputs>;

/** Inputs Terraform takes from config (generated.auto.tfvars.json) and outputs it gives back. */
export const aws = z.object({
  /** EKS Kubernetes version: the minor of `podSecurityVersion` and of the verify API server. */
  eksVersion: z.string().regex(/^1\.[0-9]+$/, 'must look like "1.32"'),
  /** EKS prefixes SSO users and groups with this; RBAC binds `<prefix><group>`. */
  ssoGroupsPrefix: z.string().regex(/^[a-z0-9-]+:$/, 'must be a word ending in ":", such as "sso:"'),
  /** Service accounts with an IAM role (IRSA); each role trusts exactly this namespace and name. */
  serviceAccounts: z.object({
    /** The backup job's service account, in every environment namespace. */
    backup: dnsLabel,
    externalSecrets: serviceAccountRef,
    certManager: serviceAccountRef,
    clusterAutoscaler: serviceAccountRef,
    efsCsiDriver: serviceAccountRef,
  }).strict(),
  /** The outputs of every cluster's and every environment's Terraform state (config/terraform-outputs.json). */
  outputs: terraformOutputs,
}).strict();
export type Aws = z.infer<typeof aws>;

/** ArgoCD settings shared by every Application (charts/argocd.ts, docs/gitops.md). */
export const gitops = z.object({
  /** This repository, as ArgoCD clones it (https). */
  repoURL: z.url({ protocol: /^https$/, error: 'must be the https clone URL of this repository' }),
  /** The branch ArgoCD follows; a change reaches the clusters when it is merged here. */
  targetRevision: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'must be a branch name such as "main"').refine((r) => r !== 'HEAD', { message: 'must name a branch, not HEAD' }),
  /** Namespace ArgoCD runs in; every Application and AppProject lives there. */
  namespace: dnsLabel.default('argocd'),
  /** The cluster (from `clusters`) ArgoCD runs in: the root Application's destination. */
  controlCluster: dnsLabel,
  /** Sync results ArgoCD keeps per Application (for rollback). */
  revisionHistoryLimit: z.number().int().min(1).max(100).default(10),
  /** Retry of a failed sync, for every Application. */
  retry: z.object({
    limit: z.number().int().min(1).max(20),
    backoff: z.object({
      duration: z.string().regex(/^[1-9][0-9]*[smh]$/, 'must be a duration such as "30s"'),
      factor: z.number().int().min(1).max(10),
      maxDuration: z.string().regex(/^[1-9][0-9]*[smh]$/, 'must be a duration such as "5m"'),
    }).strict(),
  }).strict(),
  notifications: z.object({
    service: z.enum(['slack']),
    /** Default channel; environments may override it (`environments[].gitops.notifyChannel`). */
    channel: notifyChannel,
    triggers: z.array(z.enum(['on-sync-failed', 'on-health-degraded', 'on-sync-status-unknown', 'on-deployed'])).min(1),
  }).strict(),
  /**
   * Sync waves of the FlexTime components (dist/<env>/<component> and dist/cluster/<component>),
   * in order. Every rendered component must be listed; add-ons come before the first stage.
   */
  syncWaves: z.array(z.object({
    stage: z.string().min(1),
    wave: z.number().int(),
    components: z.array(dnsLabel).min(1),
  }).strict()).min(1),
}).strict();
export type Gitops = z.infer<typeof gitops>;

export const platform = z.object({
  /** `app.kubernetes.io/part-of` of every object, and the prefix of namespaces. */
  partOf: dnsLabel,
  /** Pod Security Admission version pinned on namespaces (matches the verified API server minor). */
  podSecurityVersion: z.string().regex(/^v1\.[0-9]+$/, 'must look like "v1.32"'),
  /** Where in-cluster telemetry goes; handed to apps as OTEL_EXPORTER_OTLP_ENDPOINT. */
  otelEndpoint: z.url(),
  clusters: z.array(cluster).min(1),
  priorityClasses: z.array(priorityClass).min(1),
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
  /** PgBouncer, backups, restore checks and their Pushgateway (config/database.ts, docs/database.md). */
  database,
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
  checkPeersAreInstalled(p, ctx);
  checkDatabase(p, ctx);
  checkDelivery(p, ctx);
  checkLoadAndChaos(p, ctx);
  if (p.aws.ssoGroupsPrefix !== p.sso.groupsPrefix) {
    ctx.addIssue({ code: 'custom', path: ['aws', 'ssoGroupsPrefix'], message: `must equal sso.groupsPrefix ('${p.sso.groupsPrefix}'): RBAC binds groups with that prefix` });
  }

  const clusters = new Set(p.clusters.map((c) => c.name));
  const services = new Set(p.services.map((s) => s.name));
  const priorities = new Set(p.priorityClasses.map((c) => c.name));
  p.services.forEach((s, i) => {
    if (!priorities.has(s.priorityClass)) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', i, 'priorityClass'],
        message: `unknown priority class '${s.priorityClass}'; allowed: ${[...priorities].join(', ')}`,
      });
    }
  });
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

function uniqueBy<T>(items: readonly T[], key: keyof T, path: (string | number)[], ctx: z.RefinementCtx): void {
  const seen = new Map<unknown, number>();
  items.forEach((item, i) => {
    const value = item[key];
    if (seen.has(value)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, i, key as string],
        message: `duplicate ${String(key)} '${String(value)}' (also at ${path.join('.')}[${seen.get(value)}])`,
      });
    } else {
      seen.set(value, i);
    }
  });
}

/**
 * Config and Terraform describe the same AWS ground: versions, clusters, environments and accounts
 * agree. Every cluster that hosts an environment and every environment needs the outputs of its
 * Terraform state. (An environment's outputs from another cluster than the one config now puts it
 * on are not an error here: config may move an environment before its stack is re-applied;
 * test/terraform-config.test.ts flags the stale outputs.)
 */
function checkAws(
  p: { podSecurityVersion: string; clusters: ReadonlyArray<{ name: string }>; environments: ReadonlyArray<{ name: string; cluster: string }>; aws: Aws },
  ctx: z.RefinementCtx,
): void {
  if (`v${p.aws.eksVersion}` !== p.podSecurityVersion) {
    ctx.addIssue({
      code: 'custom',
      path: ['aws', 'eksVersion'],
      message: `must be the Kubernetes minor of podSecurityVersion (${p.podSecurityVersion})`,
    });
  }
  const parts = [
    { part: 'clusters', what: 'cluster', names: p.clusters.map((c) => c.name), outputs: p.aws.outputs.clusters },
    { part: 'environments', what: 'environment', names: p.environments.map((e) => e.name), outputs: p.aws.outputs.environments },
  ] as const;
  for (const { part, what, names, outputs } of parts) {
    for (const key of Object.keys(outputs)) {
      if (!names.includes(key)) {
        ctx.addIssue({ code: 'custom', path: ['aws', 'outputs', part, key], message: `unknown ${what} '${key}'; allowed: ${names.join(', ')}` });
      }
    }
    for (const [key, out] of Object.entries<Record<string, unknown> & { account_id: string }>(outputs)) {
      for (const [field, value] of Object.entries(out)) {
        const account = typeof value === 'string' ? /^arn:aws:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12}):/.exec(value)?.[1] : undefined;
        if (account && account !== out.account_id) {
          ctx.addIssue({ code: 'custom', path: ['aws', 'outputs', part, key, field], message: `must be in the ${what}'s account ${out.account_id} (account_id)` });
        }
      }
    }
  }
  for (const cluster of p.clusters) {
    const hosted = p.environments.filter((e) => e.cluster === cluster.name).map((e) => e.name);
    if (hosted.length && !p.aws.outputs.clusters[cluster.name]) {
      ctx.addIssue({
        code: 'custom',
        path: ['aws', 'outputs', 'clusters', cluster.name],
        message: `cluster '${cluster.name}' hosts ${hosted.join(', ')} and needs the outputs of its Terraform state (terraform-bootstrap/cluster) in config/terraform-outputs.json (docs/terraform.md)`,
      });
    }
  }
  for (const env of p.environments) {
    if (!p.aws.outputs.environments[env.name]) {
      ctx.addIssue({
        code: 'custom',
        path: ['aws', 'outputs', 'environments', env.name],
        message: `every environment needs the outputs of its Terraform state (terraform-bootstrap/environment) in config/terraform-outputs.json (docs/terraform.md)`,
      });
    }
  }
}

/** Cross-field rules of `gitops`, `addons` and `clusters[].syncWindow` (charts/argocd.ts relies on them). */
interface GitopsView {
  readonly partOf: string;
  readonly clusters: ReadonlyArray<{ readonly name: string }>;
  readonly environments: ReadonlyArray<{ readonly name: string }>;
  readonly gitops: Gitops;
  readonly addons: ReadonlyArray<z.infer<typeof addon>>;
}
function checkGitops(p: GitopsView, ctx: z.RefinementCtx): void {
  const clusters = p.clusters.map((c) => c.name);
  if (!clusters.includes(p.gitops.controlCluster)) {
    ctx.addIssue({
      code: 'custom',
      path: ['gitops', 'controlCluster'],
      message: `unknown cluster '${p.gitops.controlCluster}'; allowed: ${clusters.join(', ')}`,
    });
  }
  const stageOf = new Map<string, number>();
  p.gitops.syncWaves.forEach((stage, i) => {
    const previous = p.gitops.syncWaves[i - 1];
    if (previous && stage.wave <= previous.wave) {
      ctx.addIssue({
        code: 'custom',
        path: ['gitops', 'syncWaves', i, 'wave'],
        message: `must be greater than the wave of '${previous.stage}' (${previous.wave}): stages are listed in sync order`,
      });
    }
    stage.components.forEach((component, j) => {
      const other = stageOf.get(component);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['gitops', 'syncWaves', i, 'components', j],
          message: `component '${component}' is already in stage '${p.gitops.syncWaves[other]!.stage}'`,
        });
      }
      stageOf.set(component, i);
    });
  });

  uniqueBy(p.addons, 'name', ['addons'], ctx);
  const firstWave = p.gitops.syncWaves[0]!.wave;
  const addons = new Map(p.addons.map((a) => [a.name as string, a]));
  const environments = p.environments.map((e) => e.name as string);
  p.addons.forEach((a, i) => {
    if (a.wave >= firstWave) {
      ctx.addIssue({
        code: 'custom',
        path: ['addons', i, 'wave'],
        message: `must be less than ${firstWave} (the first component wave, '${p.gitops.syncWaves[0]!.stage}'): add-ons provide the CRDs and webhooks components need`,
      });
    }
    a.dependsOn.forEach((dep, j) => {
      const needed = addons.get(dep);
      if (!needed) {
        ctx.addIssue({ code: 'custom', path: ['addons', i, 'dependsOn', j], message: `missing dependency: no add-on '${dep}' in addons` });
      } else if (needed.wave >= a.wave) {
        ctx.addIssue({
          code: 'custom',
          path: ['addons', i, 'wave'],
          message: `must be greater than the wave of its dependency '${dep}' (${needed.wave})`,
        });
      }
    });
    a.environments?.forEach((env, j) => {
      if (!environments.includes(env)) {
        ctx.addIssue({ code: 'custom', path: ['addons', i, 'environments', j], message: `unknown environment '${env}'; allowed: ${environments.join(', ')}` });
      }
    });
    if (a.namespace.startsWith(`${p.partOf}-`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['addons', i, 'namespace'],
        message: `must not start with '${p.partOf}-': those namespaces belong to the environments (AppProject '${p.partOf}')`,
      });
    }
  });
}

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
