/**
 * dist/<env>/database: the path from the apps to PostgreSQL (RDS) and the proof that its backups
 * restore (docs/database.md):
 *   - PgBouncer (transaction pooling, TLS verify-full to RDS) with a pgbouncer_exporter sidecar,
 *     its ConfigMap (pgbouncer.ini) and ExternalSecret (userlist, RDS CA bundle);
 *   - the nightly `flextime-backup` CronJob (pg_dump → S3, SSE-KMS, IRSA) and the weekly
 *     `flextime-restore-verify` CronJob, both running scripts/db/*.sh from a ConfigMap generated
 *     from those files, as the ServiceAccount the Terraform backup role trusts;
 *   - the Pushgateway the jobs report flextime_backup_last_success_timestamp_seconds and
 *     flextime_restore_verify_success to (alerts: charts/alert-rules.ts), and its ServiceMonitor;
 *   - postgres_exporter, the database's own health and query statistics (charts/database-exporter.ts).
 * RDS endpoint, bucket, KMS key and role come from the environment's Terraform outputs.
 */
import type { App } from 'cdk8s';
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { parseImage } from '../config/schema.ts';
import { selectorLabels } from '../lib/labels.ts';
import { MetricsScrape } from '../lib/monitoring/service-monitor.ts';
import { pgbouncerIni } from '../lib/pgbouncer-config.ts';
import { ProbeCheck } from '../lib/pod-props.ts';
import { Disruption, HardenedWorkload, Replicas } from '../lib/workload.ts';
import { backupJobs, CA_FILE, sha256 } from './database-backups.ts';
import { postgresExporter } from './database-exporter.ts';
import { envChart, type EnvContext } from './context.ts';
import { PGBOUNCER_PORT, PGBOUNCER_READ_SERVICE, PGBOUNCER_SERVICE } from './database-endpoint.ts';
import { PROMETHEUS_SELECTOR_LABELS } from './monitoring.ts';
import { serviceSecrets } from './secrets.ts';
import { storageClassFor } from './storage.ts';

const SOURCE = 'charts/database.ts';
const COMPONENT = 'database';
const PGBOUNCER_EXPORTER_PORT = 9127;
export const PUSHGATEWAY_SERVICE = 'pushgateway';
const PUSHGATEWAY_PORT = 9091;

export function databaseChart(app: App, ctx: EnvContext): void {
  const chart = envChart(app, ctx, 'database', SOURCE);
  const outputs = ctx.platform.aws.outputs.environments[ctx.env.name];
  if (!outputs) throw new Error(`the database of ${ctx.env.name} needs aws.outputs.environments.${ctx.env.name} (db_endpoint, backup_bucket, kms_key_arn, backup_role_arn)`);
  const rds = { host: outputs.db_endpoint, port: outputs.db_port };

  const secretName = pgbouncerSecret(chart, ctx);
  pgbouncer(chart, ctx, { name: PGBOUNCER_SERVICE, id: 'PgBouncer', server: rds, pool: ctx.env.database.pgbouncer, readOnly: false, secretName });
  const readPool = ctx.env.database.readPool;
  if (readPool) {
    // Read traffic to the read replica, through a pool of its own (databaseReadEndpoint).
    const replica = outputs.db_replica_endpoint;
    if (!replica) throw new Error(`environments[${ctx.env.name}].database.readPool needs aws.outputs.environments.${ctx.env.name}.db_replica_endpoint (terraform-bootstrap/environment: a tier with db_read_replicas > 0)`);
    pgbouncer(chart, ctx, { name: PGBOUNCER_READ_SERVICE, id: 'PgBouncerReadOnly', server: { host: replica, port: outputs.db_port }, pool: readPool, readOnly: true, secretName });
  }
  postgresExporter(chart, ctx, rds);
  const pushgatewayUrl = pushgateway(chart, ctx);
  backupJobs(chart, ctx, { ...rds, bucket: outputs.backup_bucket, kmsKeyArn: outputs.kms_key_arn, roleArn: outputs.backup_role_arn, region: outputs.region, pushgatewayUrl });
}


/** The userlist and RDS CA bundle every PgBouncer pool of the environment mounts; returns the Secret's name. */
function pgbouncerSecret(chart: Construct, ctx: EnvContext): string {
  const db = ctx.platform.database;
  return serviceSecrets(chart, ctx, {
    name: PGBOUNCER_SERVICE,
    component: COMPONENT,
    keys: ['DATABASE_APP_PASSWORD', 'RDS_CA_BUNDLE'],
    // userlist.txt: PgBouncer checks clients (SCRAM) and logs in to RDS with the same password.
    templates: { 'userlist.txt': `"${db.appUser}" "{{ .DATABASE_APP_PASSWORD | replace "\\"" "\\"\\"" }}"\n` },
  });
}

interface PgBouncerTarget {
  /** Deployment, Service and ConfigMap prefix (`pgbouncer`, `pgbouncer-ro`). */
  readonly name: string;
  /** Construct id (kept for the primary pool, so its objects do not move). */
  readonly id: string;
  readonly server: { readonly host: string; readonly port: number };
  readonly pool: EnvContext['env']['database']['pgbouncer'];
  /** Every transaction read-only (the pool in front of the read replica). */
  readonly readOnly: boolean;
  readonly secretName: string;
}

function pgbouncer(chart: Construct, ctx: EnvContext, target: PgBouncerTarget): void {
  const { platform, namespace } = ctx;
  const db = platform.database;
  const { pool, secretName, name } = target;
  const ini = pgbouncerIni({
    databases: [{ alias: db.name, host: target.server.host, port: target.server.port, readOnly: target.readOnly }],
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
  const configMap = `${name}-config`;
  new k8s.KubeConfigMap(chart, `${target.id}Config`, {
    metadata: { name: configMap, namespace, labels: ctx.labels(name, COMPONENT) },
    data: { 'pgbouncer.ini': ini },
  });

  const password = { secretKeyRef: { name: secretName, key: 'DATABASE_APP_PASSWORD' } };
  new HardenedWorkload(chart, target.id, {
    name,
    namespace,
    labels: ctx.labels(name, COMPONENT, parseImage(db.pgbouncer.image).tag),
    selectorLabels: selectorLabels(ctx.identity(name, COMPONENT)),
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
