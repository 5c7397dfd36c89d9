/**
 * dist/<env>/database: the path from the apps to PostgreSQL (RDS) and the proof that its backups
 * restore (docs/database.md):
 *   - PgBouncer (transaction pooling, TLS verify-full to RDS) with a pgbouncer_exporter sidecar,
 *     its ConfigMap (pgbouncer.ini) and ExternalSecret (userlist, RDS CA bundle);
 *   - the nightly `flextime-backup` CronJob (pg_dump → S3, SSE-KMS, IRSA) and the weekly
 *     `flextime-restore-verify` CronJob, both running scripts/db/*.sh from a ConfigMap generated
 *     from those files, as the ServiceAccount the Terraform backup role trusts;
 *   - the Pushgateway the jobs report flextime_backup_last_success_timestamp_seconds and
 *     flextime_restore_verify_success to (alerts: charts/alert-rules.ts), and its ServiceMonitor.
 * RDS endpoint, bucket, KMS key and role come from the environment's Terraform outputs.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { App } from 'cdk8s';
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { parseImage } from '../config/schema.ts';
import { HardenedCronJob } from '../lib/cron-job.ts';
import { selectorLabels } from '../lib/labels.ts';
import { MetricsScrape } from '../lib/monitoring/service-monitor.ts';
import { pgbouncerIni } from '../lib/pgbouncer-config.ts';
import { DEFAULT_RUN_AS_USER, ProbeCheck } from '../lib/pod.ts';
import { Disruption, HardenedWorkload, Replicas } from '../lib/workload.ts';
import { envChart, type EnvContext } from './context.ts';
import { PGBOUNCER_PORT, PGBOUNCER_SERVICE } from './database-endpoint.ts';
import { PROMETHEUS_SELECTOR_LABELS } from './monitoring.ts';
import { serviceSecrets } from './secrets.ts';
import { storageClassFor } from './storage.ts';

const SOURCE = 'charts/database.ts';
const COMPONENT = 'database';
const PGBOUNCER_EXPORTER_PORT = 9127;
export const PUSHGATEWAY_SERVICE = 'pushgateway';
const PUSHGATEWAY_PORT = 9091;

/** Scripts shipped into the CronJobs, read from the repo at synth time (sorted: stable ConfigMap). */
export const DATABASE_SCRIPTS = ['backup.sh', 'lib.sh', 'restore-verify.sh'] as const;
const SCRIPTS_DIR = new URL('../scripts/db/', import.meta.url);
const SCRIPTS_MOUNT = '/opt/flextime/db';
const SCRATCH_MOUNT = '/scratch';
const CA_MOUNT = '/etc/rds-ca';
const CA_FILE = 'rds-ca-bundle.pem';
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

export function databaseChart(app: App, ctx: EnvContext): void {
  const chart = envChart(app, ctx, 'database', SOURCE);
  const outputs = ctx.platform.aws.outputs.environments[ctx.env.name];
  if (!outputs) throw new Error(`the database of ${ctx.env.name} needs aws.outputs.environments.${ctx.env.name} (db_endpoint, backup_bucket, kms_key_arn, backup_role_arn)`);
  const rds = { host: outputs.db_endpoint, port: outputs.db_port };

  pgbouncer(chart, ctx, rds);
  const pushgatewayUrl = pushgateway(chart, ctx);
  backupJobs(chart, ctx, { ...rds, bucket: outputs.backup_bucket, kmsKeyArn: outputs.kms_key_arn, roleArn: outputs.backup_role_arn, region: outputs.region, pushgatewayUrl });
}

function pgbouncer(chart: Construct, ctx: EnvContext, rds: { host: string; port: number }): void {
  const { platform, env, namespace } = ctx;
  const db = platform.database;
  const pool = env.database.pgbouncer;
  const secretName = serviceSecrets(chart, ctx, {
    name: PGBOUNCER_SERVICE,
    component: COMPONENT,
    keys: ['DATABASE_APP_PASSWORD', 'RDS_CA_BUNDLE'],
    // userlist.txt: PgBouncer checks clients (SCRAM) and logs in to RDS with the same password.
    templates: { 'userlist.txt': `"${db.appUser}" "{{ .DATABASE_APP_PASSWORD | replace "\\"" "\\"\\"" }}"\n` },
  });
  const ini = pgbouncerIni({
    databases: [{ alias: db.name, host: rds.host, port: rds.port }],
    listenPort: PGBOUNCER_PORT,
    authFile: '/etc/pgbouncer/secret/userlist.txt',
    poolMode: db.pgbouncer.poolMode,
    maxClientConn: pool.maxClientConn,
    defaultPoolSize: pool.defaultPoolSize,
    minPoolSize: pool.minPoolSize,
    reservePoolSize: pool.reservePoolSize,
    reservePoolTimeoutSeconds: pool.reservePoolTimeoutSeconds,
    maxDbConnections: pool.maxDbConnections,
    // Drivers' named prepared statements keep working in transaction mode (PgBouncer >= 1.21).
    maxPreparedStatements: 200,
    serverTls: { mode: db.pgbouncer.serverTlsMode, caFile: `/etc/pgbouncer/secret/${CA_FILE}` },
    statsUsers: [db.appUser],
    serverIdleTimeoutSeconds: db.pgbouncer.serverIdleTimeoutSeconds,
    queryWaitTimeoutSeconds: db.pgbouncer.queryWaitTimeoutSeconds,
  });
  const configMap = `${PGBOUNCER_SERVICE}-config`;
  new k8s.KubeConfigMap(chart, 'PgBouncerConfig', {
    metadata: { name: configMap, namespace, labels: ctx.labels(PGBOUNCER_SERVICE, COMPONENT) },
    data: { 'pgbouncer.ini': ini },
  });

  const password = { secretKeyRef: { name: secretName, key: 'DATABASE_APP_PASSWORD' } };
  new HardenedWorkload(chart, 'PgBouncer', {
    name: PGBOUNCER_SERVICE,
    namespace,
    labels: ctx.labels(PGBOUNCER_SERVICE, COMPONENT, parseImage(db.pgbouncer.image).tag),
    selectorLabels: selectorLabels(ctx.identity(PGBOUNCER_SERVICE, COMPONENT)),
    replicas: Replicas.fixed(pool.replicas),
    zoneSpread: ctx.zoneSpread,
    disruption: Disruption.maxUnavailable(1),
    // Rounded up: even one replica gets its successor before it goes (maxUnavailable is 0).
    maxSurge: `${platform.maxSurgePercent}%`,
    servicePorts: [
      { name: 'pgbouncer', port: PGBOUNCER_PORT, targetPort: 'pgbouncer' },
      { name: 'metrics', port: PGBOUNCER_EXPORTER_PORT, targetPort: 'metrics' },
    ],
    verticalRecommendations: true,
    pod: {
      priorityClassName: ctx.priorityClass(db.pgbouncer.priorityClass),
      // PgBouncer reads pgbouncer.ini at start: a changed file rolls the pods.
      annotations: { 'checksum/pgbouncer.ini': sha256(ini) },
      exceptions: {
        sameLivenessAndReadiness: 'PgBouncer has one health signal, its listener: no HTTP endpoint, and the image ships no client to ask its admin console; a lost RDS connection is reported per client, not by restarting the pooler',
      },
      // SIGTERM: PgBouncer stops accepting and waits for running transactions (up to the grace period).
      terminationGracePeriodSeconds: 60,
      preStopSleepSeconds: 10,
      volumes: [
        { name: 'config', configMap: { name: configMap, defaultMode: 0o444 } },
        {
          name: 'secret',
          secret: { secretName, defaultMode: 0o440, items: [{ key: 'userlist.txt', path: 'userlist.txt' }, { key: 'RDS_CA_BUNDLE', path: CA_FILE }] },
        },
      ],
      containers: [
        {
          name: 'pgbouncer',
          image: db.pgbouncer.image,
          command: ['pgbouncer', '/etc/pgbouncer/config/pgbouncer.ini'],
          ports: [{ name: 'pgbouncer', containerPort: PGBOUNCER_PORT }],
          resources: db.pgbouncer.resources,
          probes: { liveness: ProbeCheck.tcp('pgbouncer'), readiness: ProbeCheck.tcp('pgbouncer') },
          volumeMounts: [
            { name: 'config', mountPath: '/etc/pgbouncer/config', readOnly: true },
            { name: 'secret', mountPath: '/etc/pgbouncer/secret', readOnly: true },
          ],
        },
        {
          name: 'pgbouncer-exporter',
          image: db.pgbouncer.exporterImage,
          ports: [{ name: 'metrics', containerPort: PGBOUNCER_EXPORTER_PORT }],
          resources: db.pgbouncer.exporterResources,
          env: [
            // SHOW POOLS/STATS on the admin database as a stats user; the password via libpq's PGPASSWORD.
            { name: 'PGBOUNCER_EXPORTER_CONNECTION_STRING', value: `postgres://${db.appUser}@127.0.0.1:${PGBOUNCER_PORT}/pgbouncer?sslmode=disable` },
            { name: 'PGPASSWORD', valueFrom: password },
          ],
          // Alive: the listener answers; ready: it renders metrics (which asks PgBouncer's admin console).
          probes: { liveness: ProbeCheck.tcp('metrics'), readiness: ProbeCheck.http('/metrics', 'metrics') },
        },
      ],
    },
  });
}

/** The Pushgateway of the environment (metrics kept on a volume across restarts); returns its URL. */
function pushgateway(chart: Construct, ctx: EnvContext): string {
  const { platform, namespace } = ctx;
  const gw = platform.database.pushgateway;
  const selector = selectorLabels(ctx.identity(PUSHGATEWAY_SERVICE, 'metrics'));
  new HardenedWorkload(chart, 'Pushgateway', {
    name: PUSHGATEWAY_SERVICE,
    namespace,
    kind: 'StatefulSet',
    labels: ctx.labels(PUSHGATEWAY_SERVICE, 'metrics', parseImage(gw.image).tag),
    selectorLabels: selector,
    replicas: Replicas.fixed(1),
    servicePorts: [{ name: 'metrics', port: PUSHGATEWAY_PORT, targetPort: 'metrics' }],
    volumeClaims: [{ name: 'data', storage: gw.storage, storageClassName: storageClassFor(platform, gw.storageClassName) }],
    pod: {
      priorityClassName: ctx.priorityClass(gw.priorityClass),
      containers: [{
        name: 'pushgateway',
        image: gw.image,
        args: [`--web.listen-address=:${PUSHGATEWAY_PORT}`, '--persistence.file=/data/metrics', '--persistence.interval=1m'],
        ports: [{ name: 'metrics', containerPort: PUSHGATEWAY_PORT }],
        resources: gw.resources,
        probes: { liveness: ProbeCheck.http('/-/healthy', 'metrics'), readiness: ProbeCheck.http('/-/ready', 'metrics') },
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      }],
    },
  });
  new MetricsScrape(chart, 'PushgatewayScrape', {
    name: PUSHGATEWAY_SERVICE,
    namespace,
    labels: { ...ctx.labels(PUSHGATEWAY_SERVICE, 'monitoring'), ...PROMETHEUS_SELECTOR_LABELS },
    selector,
    // The pushed job/namespace/database labels identify the backup, not the Pushgateway pod.
    honorLabels: true,
  });
  return `http://${PUSHGATEWAY_SERVICE}.${namespace}.svc.cluster.local:${PUSHGATEWAY_PORT}`;
}

interface BackupGround {
  readonly host: string;
  readonly port: number;
  readonly bucket: string;
  readonly kmsKeyArn: string;
  readonly roleArn: string;
  readonly region: string;
  readonly pushgatewayUrl: string;
}

function backupJobs(chart: Construct, ctx: EnvContext, ground: BackupGround): void {
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

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
