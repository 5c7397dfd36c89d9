/**
 * The backup half of dist/<env>/database (charts/database.ts): the nightly `flextime-backup`
 * CronJob (pg_dump → S3, SSE-KMS, IRSA) and the weekly `flextime-restore-verify` CronJob, both
 * running scripts/db/*.sh from a ConfigMap generated from those files, as the ServiceAccount the
 * Terraform backup role trusts (docs/database.md).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { parseImage } from '../config/schema.ts';
import { HardenedCronJob } from '../lib/cron-job.ts';
import { DEFAULT_RUN_AS_USER } from '../lib/pod.ts';
import type { EnvContext } from './context.ts';
import { serviceSecrets } from './secrets.ts';

/** Scripts shipped into the CronJobs, read from the repo at synth time (sorted: stable ConfigMap). */
export const DATABASE_SCRIPTS = ['backup.sh', 'lib.sh', 'restore-verify.sh'] as const;
const SCRIPTS_DIR = new URL('../scripts/db/', import.meta.url);
const SCRIPTS_MOUNT = '/opt/flextime/db';
const SCRATCH_MOUNT = '/scratch';
const CA_MOUNT = '/etc/rds-ca';
/** The RDS CA bundle's file name in the database Secrets (PgBouncer mounts it too). */
export const CA_FILE = 'rds-ca-bundle.pem';
/**
 * The jobs run as the platform's default UID (10001, DEFAULT_RUN_AS_USER): no system account of
 * the image or the node (999 is Debian's `postgres` and the Redis image's `redis`, and may be a
 * host daemon's). The tools do not care about the number; only initdb looks the user up, so the
 * restore check gets a passwd entry for it (IDENTITY_CONFIGMAP, mounted over /etc/passwd).
 */
const IDENTITY_FILES = {
  passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\npostgres:x:${DEFAULT_RUN_AS_USER}:${DEFAULT_RUN_AS_USER}:restore check:/tmp:/usr/sbin/nologin\n`,
  group: `root:x:0:\npostgres:x:${DEFAULT_RUN_AS_USER}:\n`,
};

export const BACKUP_JOB = 'flextime-backup';
export const RESTORE_VERIFY_JOB = 'flextime-restore-verify';

export interface BackupGround {
  readonly host: string;
  readonly port: number;
  readonly bucket: string;
  readonly kmsKeyArn: string;
  readonly roleArn: string;
  readonly region: string;
  readonly pushgatewayUrl: string;
}

export function backupJobs(chart: Construct, ctx: EnvContext, ground: BackupGround): void {
  const { platform, namespace } = ctx;
  const db = platform.database;
  const serviceAccount = platform.aws.serviceAccounts.backup;

  // One ServiceAccount for both jobs: the Terraform backup role trusts exactly this name.
  new k8s.KubeServiceAccount(chart, 'BackupServiceAccount', {
    metadata: { name: serviceAccount, namespace, labels: ctx.labels(serviceAccount, 'backup'), annotations: { 'eks.amazonaws.com/role-arn': ground.roleArn } },
    automountServiceAccountToken: false,
  });
  const secretName = serviceSecrets(chart, ctx, { name: BACKUP_JOB, component: 'backup', keys: ['DATABASE_BACKUP_PASSWORD', 'RDS_CA_BUNDLE'] });

  const scripts = `${platform.partOf}-db-scripts`;
  const files = Object.fromEntries(DATABASE_SCRIPTS.map((f) => [f, readFileSync(new URL(f, SCRIPTS_DIR), 'utf8')]));
  new k8s.KubeConfigMap(chart, 'Scripts', {
    metadata: { name: scripts, namespace, labels: ctx.labels(scripts, 'backup') },
    data: files,
  });
  const identity = `${platform.partOf}-db-identity`;
  new k8s.KubeConfigMap(chart, 'Identity', { metadata: { name: identity, namespace, labels: ctx.labels(identity, 'backup') }, data: IDENTITY_FILES });

  const target = `s3://${ground.bucket}/${db.backup.keyPrefix}`;
  const common = [
    { name: 'BACKUP_TARGET', value: target },
    { name: 'AWS_REGION', value: ground.region },
    { name: 'PUSHGATEWAY_URL', value: ground.pushgatewayUrl },
    { name: 'METRICS_NAMESPACE', value: namespace },
    // The aws CLI keeps its cache under $HOME; the root filesystem is read-only.
    { name: 'HOME', value: '/tmp' },
  ];
  const volumes = (job: { scratchStorage: string }, extra: k8s.Volume[] = []): k8s.Volume[] => [
    { name: 'scripts', configMap: { name: scripts, defaultMode: 0o555 } },
    { name: 'scratch', emptyDir: { sizeLimit: k8s.Quantity.fromString(job.scratchStorage) } },
    ...extra,
  ];
  const mounts = [
    { name: 'scripts', mountPath: SCRIPTS_MOUNT, readOnly: true },
    { name: 'scratch', mountPath: SCRATCH_MOUNT },
  ];
  // Annotated with the scripts' hash so a reviewer sees in the diff that the job code changed.
  const annotations = { 'checksum/scripts': sha256(DATABASE_SCRIPTS.map((f) => files[f]).join('\0')) };
  const job = (j: typeof db.backup | typeof db.restoreVerify) => ({
    schedule: j.schedule,
    timeZone: db.timeZone,
    concurrencyPolicy: 'Forbid' as const,
    startingDeadlineSeconds: j.startingDeadlineSeconds,
    activeDeadlineSeconds: j.activeDeadlineSeconds,
    backoffLimit: j.backoffLimit,
    successfulJobsHistoryLimit: j.successfulJobsHistoryLimit,
    failedJobsHistoryLimit: j.failedJobsHistoryLimit,
    serviceAccountName: serviceAccount,
  });

  new HardenedCronJob(chart, 'Backup', {
    name: BACKUP_JOB,
    namespace,
    labels: ctx.labels(BACKUP_JOB, 'backup', parseImage(db.backup.image).tag),
    ...job(db.backup),
    pod: {
      priorityClassName: ctx.priorityClass(db.backup.priorityClass),
      annotations,
      volumes: volumes(db.backup, [{ name: 'rds-ca', secret: { secretName, defaultMode: 0o440, items: [{ key: 'RDS_CA_BUNDLE', path: CA_FILE }] } }]),
      containers: [{
        name: 'backup',
        image: db.backup.image,
        command: ['bash', `${SCRIPTS_MOUNT}/backup.sh`],
        resources: db.backup.resources,
        env: [
          // pg_dump needs a session of its own: straight to RDS, not through the transaction pool.
          { name: 'PGHOST', value: ground.host },
          { name: 'PGPORT', value: String(ground.port) },
          { name: 'PGDATABASE', value: db.name },
          { name: 'PGUSER', value: db.backup.user },
          { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: secretName, key: 'DATABASE_BACKUP_PASSWORD' } } },
          { name: 'PGSSLMODE', value: 'verify-full' },
          { name: 'PGSSLROOTCERT', value: `${CA_MOUNT}/${CA_FILE}` },
          { name: 'PGCONNECT_TIMEOUT', value: '30' },
          { name: 'BACKUP_KMS_KEY_ID', value: ground.kmsKeyArn },
          { name: 'BACKUP_COMPRESSION', value: String(db.backup.compressionLevel) },
          { name: 'BACKUP_WORK_DIR', value: SCRATCH_MOUNT },
          ...common,
        ],
        volumeMounts: [...mounts, { name: 'rds-ca', mountPath: CA_MOUNT, readOnly: true }],
      }],
    },
  });

  new HardenedCronJob(chart, 'RestoreVerify', {
    name: RESTORE_VERIFY_JOB,
    namespace,
    labels: ctx.labels(RESTORE_VERIFY_JOB, 'backup', parseImage(db.backup.image).tag),
    ...job(db.restoreVerify),
    pod: {
      priorityClassName: ctx.priorityClass(db.restoreVerify.priorityClass),
      annotations,
      volumes: volumes(db.restoreVerify, [{ name: 'identity', configMap: { name: identity, defaultMode: 0o444 } }]),
      containers: [{
        name: 'restore-verify',
        image: db.backup.image,
        command: ['bash', `${SCRIPTS_MOUNT}/restore-verify.sh`],
        resources: db.restoreVerify.resources,
        env: [
          // No database credentials: the dump is restored into a PostgreSQL the script starts in /scratch.
          { name: 'DATABASE_NAME', value: db.name },
          { name: 'VERIFY_TABLES', value: db.restoreVerify.keyTables.join(' ') },
          { name: 'RESTORE_WORK_DIR', value: SCRATCH_MOUNT },
          ...common,
        ],
        volumeMounts: [
          ...mounts,
          { name: 'identity', mountPath: '/etc/passwd', subPath: 'passwd', readOnly: true },
          { name: 'identity', mountPath: '/etc/group', subPath: 'group', readOnly: true },
        ],
      }],
    },
  });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
