/**
 * Schema of the database tier (docs/database.md): PgBouncer in front of each environment's RDS
 * instance, the nightly pg_dump backup, the weekly restore check and their Pushgateway.
 * Part of the platform schema in ./schema.ts (`database` and the per-environment `database`).
 *
 * This module must not import ./schema.ts (schema.ts imports it). `checkDatabase` holds the rules
 * that look at other sections; schema.ts calls it from the platform's superRefine.
 */
import { z } from 'zod';
import { cronSchedule, dnsLabel, ianaTimeZone, imageRef, memoryQuantity, parseImage, resources } from './schema-primitives.ts';

/** A PostgreSQL identifier as the backup scripts and pgbouncer.ini may quote it unchanged. */
const pgIdentifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier (letters, digits, "_"; at most 63 characters)');
/** `schema.table`, as the restore check counts its rows. */
const pgTable = z.string().regex(/^[a-z_][a-z0-9_]{0,62}\.[a-z_][a-z0-9_]{0,62}$/, 'must be a schema-qualified table such as "public.teams"');

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
  /** Database on RDS that apps use and backups dump (terraform-bootstrap/environment/rds.tf `db_name`). */
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
  /**
   * prometheus-community postgres_exporter per environment (charts/database-exporter.ts): reads the
   * statistics views (connections, locks, deadlocks, transactions, cache, replication,
   * pg_stat_statements) straight from RDS, not through PgBouncer, whose transaction pool would
   * hand each query to another server session.
   */
  exporter: z.object({
    image: imageRef,
    resources,
    /** Login role with pg_monitor and nothing else (scripts/db/monitoring-role.sql; password: secret `DATABASE_MONITOR_PASSWORD`). */
    user: pgIdentifier,
    priorityClass: dnsLabel.default('flextime-standard'),
  }).strict(),
  /** Prometheus Pushgateway the jobs push their result metrics to (scraped with honorLabels). */
  pushgateway: z.object({
    image: imageRef,
    resources,
    /** PersistentVolumeClaim keeping pushed metrics across restarts. */
    storage: memoryQuantity,
    /** @default - the default class of `storage.classes` (named explicitly in the claim) */
    storageClassName: dnsLabel.optional(),
    /** Without a class its pod would run at priority 0, below everything, even other environments' pods. */
    priorityClass: dnsLabel.default('flextime-standard'),
  }).strict(),
}).strict().superRefine((d, ctx) => {
  d.restoreVerify.keyTables.forEach((table, i) => {
    if (d.restoreVerify.keyTables.indexOf(table) !== i) ctx.addIssue({ code: 'custom', path: ['restoreVerify', 'keyTables', i], message: `duplicate table '${table}'` });
  });
  if (d.backup.user === d.appUser) {
    ctx.addIssue({ code: 'custom', path: ['backup', 'user'], message: `must differ from appUser ('${d.appUser}'): the backup role reads everything and writes nothing` });
  }
  if (d.exporter.user === d.appUser || d.exporter.user === d.backup.user) {
    ctx.addIssue({ code: 'custom', path: ['exporter', 'user'], message: `must differ from appUser ('${d.appUser}') and backup.user ('${d.backup.user}'): the monitoring role reads statistics, no table data` });
  }
});
export type Database = z.infer<typeof database>;

/** One PgBouncer Deployment's replicas and pool sizes (pgbouncer.ini). */
const pgbouncerPool = z.object({
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
});

/** PgBouncer of one environment: replicas and pool sizes (pgbouncer.ini). */
export const environmentDatabase = z.object({
  /**
   * RDS `max_connections` of the environment's instance class (LEAST(DBInstanceClassMemory/9531392, 5000)
   * minus what RDS reserves); every PgBouncer replica's maxDbConnections plus the backup must fit in it.
   */
  serverConnectionLimit: z.number().int().positive(),
  pgbouncer: pgbouncerPool,
  /**
   * A read-only PgBouncer pool (`pgbouncer-ro`) in front of the read replica (Terraform output
   * db_replica_endpoint); api-svc gets PGBOUNCER_READ_HOST for its read traffic. Every transaction
   * through it is read-only (default_transaction_read_only).
   * @default - no read pool: reads go to `pgbouncer` like writes
   */
  readPool: pgbouncerPool.optional(),
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

/** Secrets charts/database.ts reads (names in `secrets`). */
export const DATABASE_SECRETS = ['DATABASE_APP_PASSWORD', 'DATABASE_BACKUP_PASSWORD', 'DATABASE_MONITOR_PASSWORD', 'RDS_CA_BUNDLE'] as const;

/** Cross-field rules of `database`: its images follow each environment's digest rule, its names exist. */
export function checkDatabase(
  p: {
    database: Database;
    environments: ReadonlyArray<{ name: string; security: { requireImageDigest: boolean } }>;
    secrets: Readonly<Record<string, unknown>>;
  } & { security: { gatekeeper: { allowedRegistries: readonly string[] } } },
  ctx: z.RefinementCtx,
): void {
  const db = p.database;
  const images: Array<[string[], string]> = [
    [['database', 'pgbouncer', 'image'], db.pgbouncer.image],
    [['database', 'pgbouncer', 'exporterImage'], db.pgbouncer.exporterImage],
    [['database', 'backup', 'image'], db.backup.image],
    [['database', 'pushgateway', 'image'], db.pushgateway.image],
    [['database', 'exporter', 'image'], db.exporter.image],
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
  for (const name of DATABASE_SECRETS) {
    if (!(name in p.secrets)) {
      ctx.addIssue({ code: 'custom', path: ['secrets'], message: `must define '${name}': charts/database.ts reads it (docs/database.md)` });
    }
  }
}
