/**
 * The health half of dist/<env>/database (charts/database.ts): prometheus-community
 * postgres_exporter, one per environment, connected straight to the environment's RDS instance
 * (TLS verify-full against the RDS CA bundle) as the monitoring role of
 * scripts/db/monitoring-role.sql, which holds pg_monitor and nothing else. Its password and the CA
 * bundle come from the `postgres-exporter-secrets` ExternalSecret. Prometheus scrapes the
 * `metrics` port (charts/monitoring.ts); the Database dashboard (charts/dashboard-database.ts) and
 * the `flextime-database` alerts (charts/alert-rules-database.ts) read what it exports.
 */
import type { Construct } from 'constructs';
import { parseImage } from '../config/schema.ts';
import { selectorLabels } from '../lib/labels.ts';
import { ProbeCheck } from '../lib/pod-props.ts';
import { Disruption, HardenedWorkload, Replicas } from '../lib/workload.ts';
import { CA_FILE } from './database-backups.ts';
import type { EnvContext } from './context.ts';
import { serviceSecrets } from './secrets.ts';

export const POSTGRES_EXPORTER = 'postgres-exporter';
const COMPONENT = 'database';
const EXPORTER_PORT = 9187;
const SECRET_MOUNT = '/etc/postgres-exporter/secret';
const PASSWORD_FILE = 'password';

/**
 * Collectors besides the exporter's defaults (database, locks, replication, stat_database, …):
 * pg_stat_statements (top statements by total time, the "recommendations" view) and the age of
 * the oldest open transaction (the long-transaction alert). Both are off upstream by default.
 */
export const EXTRA_COLLECTORS = ['stat_statements', 'long_running_transactions'] as const;

export function postgresExporter(chart: Construct, ctx: EnvContext, rds: { host: string; port: number }): void {
  const { platform, namespace } = ctx;
  const db = platform.database;
  const exporter = db.exporter;
  const secretName = serviceSecrets(chart, ctx, {
    name: POSTGRES_EXPORTER,
    component: COMPONENT,
    keys: ['DATABASE_MONITOR_PASSWORD', 'RDS_CA_BUNDLE'],
  });
  // libpq parameters after the host: the exporter adds user and password (DATA_SOURCE_USER/PASS_FILE).
  const uri = `${rds.host}:${rds.port}/${db.name}?sslmode=verify-full&sslrootcert=${SECRET_MOUNT}/${CA_FILE}&application_name=${POSTGRES_EXPORTER}`;
  new HardenedWorkload(chart, 'PostgresExporter', {
    name: POSTGRES_EXPORTER,
    namespace,
    labels: ctx.labels(POSTGRES_EXPORTER, COMPONENT, parseImage(exporter.image).tag),
    selectorLabels: selectorLabels(ctx.identity(POSTGRES_EXPORTER, COMPONENT)),
    // One is enough: a restart loses no data (the statistics live in PostgreSQL), and two would
    // double the load of the pg_stat_statements query on the database.
    replicas: Replicas.fixed(1),
    disruption: Disruption.maxUnavailable(1),
    servicePorts: [{ name: 'metrics', port: EXPORTER_PORT, targetPort: 'metrics' }],
    verticalRecommendations: true,
    pod: {
      priorityClassName: ctx.priorityClass(exporter.priorityClass),
      volumes: [{
        name: 'secret',
        secret: { secretName, defaultMode: 0o440, items: [{ key: 'DATABASE_MONITOR_PASSWORD', path: PASSWORD_FILE }, { key: 'RDS_CA_BUNDLE', path: CA_FILE }] },
      }],
      containers: [{
        name: POSTGRES_EXPORTER,
        image: exporter.image,
        args: [
          `--web.listen-address=:${EXPORTER_PORT}`,
          ...EXTRA_COLLECTORS.map((c) => `--collector.${c}`),
          '--log.format=json',
        ],
        ports: [{ name: 'metrics', containerPort: EXPORTER_PORT }],
        resources: exporter.resources,
        env: [
          { name: 'DATA_SOURCE_URI', value: uri },
          { name: 'DATA_SOURCE_USER', value: exporter.user },
          // A file, not an environment variable: the password stays out of `kubectl describe` and /proc/<pid>/environ.
          { name: 'DATA_SOURCE_PASS_FILE', value: `${SECRET_MOUNT}/${PASSWORD_FILE}` },
        ],
        // Alive: the listener answers; ready: its landing page renders (no database round trip, so
        // an RDS failover shows as pg_up 0, not as a restart loop).
        probes: { liveness: ProbeCheck.tcp('metrics'), readiness: ProbeCheck.http('/', 'metrics') },
        volumeMounts: [{ name: 'secret', mountPath: SECRET_MOUNT, readOnly: true }],
      }],
    },
  });
}
