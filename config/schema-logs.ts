/**
 * Schema of container logs (docs/observability.md "Logs"): the node-level OpenTelemetry Collector
 * that tails /var/log/pods on every node (charts/logging.ts), the CloudWatch Logs groups it ships
 * to (one per environment plus the platform's), their retention, and the S3 archive of the groups
 * that need one. Part of `observability` (./schema-observability.ts).
 */
import { z } from 'zod';
import { dnsLabel, ENVIRONMENT_NAMES, imageRef, resources } from './schema-primitives.ts';

/** The retention values CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
const retentionDays = z.number().int().refine((d) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(d), {
  message: `must be a retention CloudWatch Logs accepts: ${CLOUDWATCH_RETENTION_DAYS.join(', ')}`,
});

/** The log group key of what runs outside the environments (add-ons, the platform's own pods). */
export const PLATFORM_LOG_GROUP = 'platform';
export const LOG_GROUP_KEYS = [...ENVIRONMENT_NAMES, PLATFORM_LOG_GROUP] as const;
export type LogGroupKey = (typeof LOG_GROUP_KEYS)[number];

/** One CloudWatch Logs group: how long it keeps events and whether they are archived to S3. */
const logGroup = z.object({
  retentionDays,
  /** Copy every event to the archive bucket (subscription filter -> Firehose -> S3) as it arrives. */
  archive: z.boolean(),
}).strict();

export const logs = z.object({
  /** Namespace of the collector DaemonSet: Pod Security `privileged` (hostPath), its own Gatekeeper exception. */
  namespace: dnsLabel,
  /** Prefix of every group: `<prefix>/<environment>` and `<prefix>/platform`. */
  logGroupPrefix: z.string().regex(/^(\/[A-Za-z0-9_.-]+)+$/, 'must be a CloudWatch Logs group path such as "/flextime/containers"'),
  /** Per group key (every environment name, and `platform`): retention and archive. */
  groups: z.object(Object.fromEntries(LOG_GROUP_KEYS.map((k) => [k, logGroup])) as Record<LogGroupKey, typeof logGroup>).strict(),
  archive: z.object({
    /** S3 storage class the archive moves to after `transitionDays` (an archive class: retrieval takes hours). */
    storageClass: z.enum(['GLACIER', 'DEEP_ARCHIVE']),
    transitionDays: z.number().int().min(0),
    /** Archived objects are deleted after this many days (after the transition). */
    expireDays: z.number().int().positive(),
  }).strict().refine((a) => a.expireDays > a.transitionDays, { message: 'expireDays must be greater than transitionDays', path: ['expireDays'] }),
  collector: z.object({
    /** OpenTelemetry Collector image with the components of tools/otelcol (mirrored, by digest). */
    image: imageRef,
    resources,
    /** Host directory (hostPath, writable) for read offsets and the persistent sending queue. */
    stateDirectory: z.string().regex(/^\/var\/lib\/[a-z0-9-]+$/, 'must be a directory of its own under /var/lib'),
    /** Batches held per group while CloudWatch Logs is unreachable (on disk, in stateDirectory). */
    queueSize: z.number().int().positive(),
    /** Memory the collector refuses data above, as a share of its limit (memory_limiter). */
    memoryLimitPercent: z.number().int().min(50).max(90),
  }).strict(),
}).strict();
export type Logs = z.infer<typeof logs>;
