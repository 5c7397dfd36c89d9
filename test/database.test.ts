/**
 * dist/<env>/database (charts/database.ts): PgBouncer, the backup and restore-verify CronJobs,
 * the Pushgateway; the constructs behind them (lib/cron-job.ts, lib/pgbouncer-config.ts); and the
 * config errors of `database` / `environments[].database`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { KNOWN_METRICS } from '../config/metrics.ts';
import { HardenedCronJob, type HardenedCronJobProps } from '../lib/cron-job.ts';
import { pgbouncerIni, type PgBouncerIniProps } from '../lib/pgbouncer-config.ts';
import { configError, find, objects, rawConfig, renderPlatform } from './helpers.ts';

const platform = loadConfig();
const files = renderPlatform(platform);
const ENVS = platform.environments.map((e) => e.name);
const ROOT = join(import.meta.dirname, '..');

interface Container { name: string; image: string; env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>; ports?: Array<{ name: string; containerPort: number }>; securityContext?: Record<string, unknown>; volumeMounts?: Array<{ name: string; mountPath: string }> }
interface PodSpec { containers: Container[]; securityContext: Record<string, unknown>; serviceAccountName: string; automountServiceAccountToken: boolean; restartPolicy?: string; priorityClassName?: string; affinity?: unknown; volumes: Array<Record<string, unknown>> }
interface CronJobSpec {
  schedule: string; timeZone: string; concurrencyPolicy: string; startingDeadlineSeconds: number; successfulJobsHistoryLimit: number; failedJobsHistoryLimit: number;
  jobTemplate: { spec: { activeDeadlineSeconds: number; backoffLimit: number; template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec } } };
}

const envOf = (container: Container) => Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
const cronJob = (env: string, name: string) => find('CronJob', name, `dist/${env}/database/`, files).spec as CronJobSpec;

describe.each(ENVS)('database in %s', (envName) => {
  const env = platform.environments.find((e) => e.name === envName)!;
  const outputs = platform.aws.outputs.environments[envName]!;
  const prefix = `dist/${envName}/database/`;
  const namespace = `flextime-${envName}`;
  // Development and staging share production's nodes: all their pods run below it (test/priorities.test.ts).
  const nonProduction = envName !== 'production';

  it('runs PgBouncer with the configured replicas, a PDB, an exporter sidecar and a Service on 6432 and 9127', () => {
    const deployment = find('Deployment', 'pgbouncer', prefix, files).spec as { replicas: number; template: { metadata: { annotations: Record<string, string> }; spec: PodSpec } };
    expect(deployment.replicas).toBe(env.database.pgbouncer.replicas);
    expect(deployment.template.spec.containers.map((c) => [c.name, c.ports?.map((p) => `${p.name}:${p.containerPort}`)])).toEqual([
      ['pgbouncer', ['pgbouncer:6432']],
      ['pgbouncer-exporter', ['metrics:9127']],
    ]);
    expect(deployment.template.spec.priorityClassName).toBe(nonProduction ? `flextime-${envName}` : 'flextime-critical');
    expect(deployment.template.spec.affinity).toBeDefined(); // one replica per node preferred
    const service = find('Service', 'pgbouncer', prefix, files).spec as { ports: Array<{ name: string; port: number }> };
    expect(service.ports.map((p) => `${p.name}:${p.port}`)).toEqual(['pgbouncer:6432', 'metrics:9127']);
    expect((find('PodDisruptionBudget', 'pgbouncer', prefix, files).spec as { maxUnavailable: number }).maxUnavailable).toBe(1);
    const exporter = envOf(deployment.template.spec.containers[1]!);
    expect(exporter.PGBOUNCER_EXPORTER_CONNECTION_STRING).toBe('postgres://flextime_app@127.0.0.1:6432/pgbouncer?sslmode=disable');
    expect(exporter.PGPASSWORD).toEqual({ secretKeyRef: { name: 'pgbouncer-secrets', key: 'DATABASE_APP_PASSWORD' } });
  });

  it('pools transactions into RDS with TLS verify-full and the pool sizes of config; the pods roll when pgbouncer.ini changes', () => {
    const ini = (find('ConfigMap', 'pgbouncer-config', prefix, files).data as Record<string, string>)['pgbouncer.ini']!;
    const pool = env.database.pgbouncer;
    expect(ini).toContain(`flextime = host=${outputs.db_endpoint} port=${outputs.db_port} dbname=flextime\n`);
    for (const line of [
      'pool_mode = transaction', `max_client_conn = ${pool.maxClientConn}`, `default_pool_size = ${pool.defaultPoolSize}`,
      `reserve_pool_size = ${pool.reservePoolSize}`, `max_db_connections = ${pool.maxDbConnections}`,
      'server_tls_sslmode = verify-full', 'server_tls_ca_file = /etc/pgbouncer/secret/rds-ca-bundle.pem',
      'auth_file = /etc/pgbouncer/secret/userlist.txt', 'stats_users = flextime_app',
    ]) expect(ini.split('\n')).toContain(line);
    const template = (find('Deployment', 'pgbouncer', prefix, files).spec as { template: { metadata: { annotations: Record<string, string> } } }).template;
    expect(template.metadata.annotations['checksum/pgbouncer.ini']).toBe(createHash('sha256').update(ini).digest('hex'));
  });

  it('reads PgBouncer credentials and the RDS CA bundle through an ExternalSecret, without values', () => {
    const spec = find('ExternalSecret', 'pgbouncer-secrets', prefix, files).spec as { data: Array<{ secretKey: string; remoteRef: { key: string } }>; target: { template: { data: Record<string, string> } } };
    expect(spec.data.map((d) => `${d.secretKey}<-${d.remoteRef.key}`)).toEqual(['DATABASE_APP_PASSWORD<-app/database', 'RDS_CA_BUNDLE<-database/rds-ca-bundle']);
    expect(spec.target.template.data['userlist.txt']).toBe('"flextime_app" "{{ .DATABASE_APP_PASSWORD | replace "\\"" "\\"\\"" }}"\n');
    expect(objects(prefix, files).filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('points the apps at PgBouncer in the settings ConfigMap', () => {
    const settings = find('ConfigMap', 'flextime-settings', `dist/${envName}/`, files).data as Record<string, string>;
    expect(settings).toMatchObject({ PGHOST: `pgbouncer.${namespace}.svc.cluster.local`, PGPORT: '6432', PGDATABASE: 'flextime', PGUSER: 'flextime_app', PGBOUNCER_PORT: '6432' });
  });

  it('backs up daily in Chicago time with Forbid, deadlines, retries and history, as the IRSA ServiceAccount Terraform trusts', () => {
    const spec = cronJob(envName, 'flextime-backup');
    expect({ ...spec, jobTemplate: undefined }).toEqual({
      schedule: '15 3 * * *', timeZone: 'America/Chicago', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3, jobTemplate: undefined,
    });
    expect(spec.jobTemplate.spec.activeDeadlineSeconds).toBe(3600);
    expect(spec.jobTemplate.spec.backoffLimit).toBe(2);
    const pod = spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe(platform.aws.serviceAccounts.backup);
    const sa = find('ServiceAccount', 'flextime-backup', prefix, files);
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': outputs.backup_role_arn });
    expect(envOf(pod.containers[0]!)).toMatchObject({
      PGHOST: outputs.db_endpoint, PGPORT: String(outputs.db_port), PGDATABASE: 'flextime', PGUSER: 'flextime_backup',
      PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/rds-ca/rds-ca-bundle.pem',
      BACKUP_TARGET: `s3://${outputs.backup_bucket}/postgres/`, BACKUP_KMS_KEY_ID: outputs.kms_key_arn,
      PUSHGATEWAY_URL: `http://pushgateway.${namespace}.svc.cluster.local:9091`, METRICS_NAMESPACE: namespace,
      PGPASSWORD: { secretKeyRef: { name: 'flextime-backup-secrets', key: 'DATABASE_BACKUP_PASSWORD' } },
    });
  });

  it('verifies a restore weekly of the key tables in config, with no database credentials', () => {
    const spec = cronJob(envName, 'flextime-restore-verify');
    expect([spec.schedule, spec.timeZone, spec.concurrencyPolicy]).toEqual(['30 5 * * 0', 'America/Chicago', 'Forbid']);
    const pod = spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe('flextime-backup');
    const vars = envOf(pod.containers[0]!);
    expect(vars).toMatchObject({ VERIFY_TABLES: 'public.teams public.venues public.schedules public.games', DATABASE_NAME: 'flextime', BACKUP_TARGET: `s3://${outputs.backup_bucket}/postgres/` });
    expect(Object.keys(vars).filter((k) => k.startsWith('PG'))).toEqual([]);
  });

  it.each(['flextime-backup', 'flextime-restore-verify'])('runs %s as a PSS-restricted pod from the scripts ConfigMap', (name) => {
    const template = cronJob(envName, name).jobTemplate.spec.template;
    const pod = template.spec;
    expect(template.metadata.labels['app.kubernetes.io/name']).toBe(name); // NetworkPolicies select on it
    // Not 999 (Debian's postgres, a system UID): the platform default (issue 19).
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.priorityClassName).toBe(nonProduction ? `flextime-${envName}` : 'flextime-batch');
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
      expect(c.volumeMounts?.map((m) => m.mountPath)).toEqual(expect.arrayContaining(['/tmp', '/scratch', '/opt/flextime/db']));
    }
    expect(pod.volumes.find((v) => v.name === 'scripts')).toEqual({ name: 'scripts', configMap: { name: 'flextime-db-scripts', defaultMode: 0o555 } });
  });

  it('ships the scripts byte for byte from scripts/db, with their hash on the job pods', () => {
    const data = find('ConfigMap', 'flextime-db-scripts', prefix, files).data as Record<string, string>;
    expect(Object.keys(data)).toEqual(['backup.sh', 'lib.sh', 'restore-verify.sh']);
    for (const [file, text] of Object.entries(data)) expect(text).toBe(readFileSync(join(ROOT, 'scripts/db', file), 'utf8'));
    const hash = createHash('sha256').update(['backup.sh', 'lib.sh', 'restore-verify.sh'].map((f) => data[f]).join('\0')).digest('hex');
    expect(cronJob(envName, 'flextime-backup').jobTemplate.spec.template.metadata.annotations['checksum/scripts']).toBe(hash);
  });

  it('keeps pushed metrics in a Pushgateway on a volume, scraped with honorLabels', () => {
    const sts = find('StatefulSet', 'pushgateway', prefix, files).spec as { volumeClaimTemplates: Array<{ spec: { resources: { requests: { storage: string } } } }> };
    expect(sts.volumeClaimTemplates[0]!.spec.resources.requests.storage).toBe(platform.database.pushgateway.storage);
    const monitor = find('ServiceMonitor', 'pushgateway', prefix, files).spec as { endpoints: Array<{ port: string; honorLabels?: boolean }> };
    expect(monitor.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s', honorLabels: true }]);
  });
});

describe('the metric contract', () => {
  const pushed = ['backup.sh', 'lib.sh', 'restore-verify.sh']
    .flatMap((f) => [...readFileSync(join(ROOT, 'scripts/db', f), 'utf8').matchAll(/^(flextime_[a-z_]+) /gm)].map((m) => m[1]));

  it('pushes exactly the backup-job metrics config/metrics.ts lists', () => {
    expect([...new Set(pushed)].sort()).toEqual(KNOWN_METRICS.filter((m) => m.source === 'backup-job').map((m) => m.name).sort());
  });

  it('has the backup, restore and PgBouncer alerts on those metrics in every environment', () => {
    for (const env of ENVS) {
      const rules = (find('PrometheusRule', 'flextime-alerts', `dist/${env}/monitoring/`, files).spec as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> }).groups.flatMap((g) => g.rules);
      const expr = (alert: string) => rules.filter((r) => r.alert === alert).map((r) => r.expr).join('\n');
      expect(expr('FlextimeBackupMissing')).toContain('flextime_backup_last_success_timestamp_seconds');
      expect(expr('FlextimeBackupMissing')).toContain(`> ${26 * 3600}`);
      expect(expr('FlextimeRestoreVerificationFailed')).toContain('flextime_restore_verify_success');
      expect(expr('FlextimePgBouncerSaturated')).toContain('pgbouncer_pools_client_waiting_connections');
    }
  });
});

describe('HardenedCronJob', () => {
  const base: HardenedCronJobProps = {
    name: 'job', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'job' }, schedule: '0 1 * * *',
    startingDeadlineSeconds: 60, activeDeadlineSeconds: 600,
    pod: { containers: [{ name: 'main', image: 'registry.example/job:1', resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } } }] },
  };
  const synth = (props: Partial<HardenedCronJobProps>) => {
    const chart = new Chart(new App(), 'test');
    new HardenedCronJob(chart, 'job', { ...base, ...props });
    return Testing.synth(chart) as Array<{ kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec: CronJobSpec }>;
  };

  it('defaults to Forbid, UTC, no retries, three of each history, its own ServiceAccount and no probes (recorded)', () => {
    const [sa, job] = synth({});
    expect(sa!.kind).toBe('ServiceAccount');
    expect(job!.spec).toMatchObject({ concurrencyPolicy: 'Forbid', timeZone: 'Etc/UTC', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    expect(job!.spec.jobTemplate.spec.backoffLimit).toBe(0);
    expect(job!.spec.jobTemplate.spec.template.metadata.annotations['exceptions.hardened-workload/without-probes']).toBe('run-to-completion Job: success is its exit code');
  });

  it('uses an existing ServiceAccount without creating one', () => {
    const rendered = synth({ serviceAccountName: 'shared' });
    expect(rendered.map((o) => o.kind)).toEqual(['CronJob']);
    expect(rendered[0]!.spec.jobTemplate.spec.template.spec.serviceAccountName).toBe('shared');
  });

  it('rejects a schedule with a time zone prefix, a short starting deadline, and a role for a ServiceAccount it does not create', () => {
    expect(() => synth({ schedule: 'CRON_TZ=UTC 0 1 * * *' })).toThrow("'schedule' (CRON_TZ=UTC 0 1 * * *) must have five cron fields and no CRON_TZ/TZ prefix; set 'timeZone' instead");
    expect(() => synth({ startingDeadlineSeconds: 5 })).toThrow("'startingDeadlineSeconds' (5) must be >= 10, or runs may never start");
    expect(() => synth({ serviceAccountName: 'shared', roleArn: 'arn:aws:iam::111111111111:role/x' })).toThrow("'roleArn' applies only to a ServiceAccount this construct creates; annotate 'shared' where it is defined");
  });
});

describe('pgbouncerIni', () => {
  const base: PgBouncerIniProps = { databases: [{ alias: 'app', host: 'db.example', port: 5432 }], listenPort: 6432, authFile: '/a', maxClientConn: 100, defaultPoolSize: 10 };

  it('renders [databases] and [pgbouncer] in a fixed order, without TLS unless asked', () => {
    const ini = pgbouncerIni(base);
    expect(ini.startsWith('[databases]\napp = host=db.example port=5432 dbname=app\n\n[pgbouncer]\nlisten_addr = 0.0.0.0\nlisten_port = 6432\nunix_socket_dir =\n')).toBe(true);
    expect(ini).toContain('server_tls_sslmode = disable\n');
    expect(ini).not.toContain('server_tls_ca_file');
  });

  it('writes max_prepared_statements only when set, since PgBouncer before 1.21 refuses to start with the key', () => {
    expect(pgbouncerIni(base)).not.toContain('max_prepared_statements');
    expect(pgbouncerIni({ ...base, maxPreparedStatements: 200 })).toContain('\nmax_prepared_statements = 200\n');
  });

  it('names the prop and values of an impossible pool', () => {
    expect(() => pgbouncerIni({ ...base, reservePoolSize: 5, maxDbConnections: 12 })).toThrow("'defaultPoolSize' + 'reservePoolSize' (10 + 5) must be <= 'maxDbConnections' (12)");
    expect(() => pgbouncerIni({ ...base, minPoolSize: 11 })).toThrow("'minPoolSize' (11) must be <= 'defaultPoolSize' (10)");
    expect(() => pgbouncerIni({ ...base, databases: [{ alias: 'app;drop', host: 'db', port: 5432 }] })).toThrow("database 'alias' (app;drop) must be a plain identifier");
  });
});

describe('database config errors', () => {
  const env = (c: ReturnType<typeof rawConfig>, name: string) => c.environments.find((e) => e.name === name)!;

  it('rejects PgBouncer replicas whose server connections exceed what RDS allows', () => {
    const c = rawConfig();
    env(c, 'staging').database.pgbouncer.replicas = 20;
    expect(configError(c)).toContain('environments[staging].database.pgbouncer.maxDbConnections = 40: replicas × maxDbConnections + 1 backup connection (20 × 40 + 1 = 801) must fit serverConnectionLimit (800)');
  });

  it('rejects a pool that cannot fill under its own cap', () => {
    const c = rawConfig();
    env(c, 'production').database.pgbouncer.maxDbConnections = 45;
    expect(configError(c)).toContain('environments[production].database.pgbouncer.maxDbConnections = 45: must be >= defaultPoolSize + reservePoolSize (40 + 10), or the pool can never fill');
  });

  it('rejects a key table without its schema, a CRON_TZ schedule and an unknown time zone', () => {
    const c = rawConfig();
    c.database.restoreVerify.keyTables = ['teams'];
    c.database.backup.schedule = 'CRON_TZ=UTC 15 2 * * *';
    c.database.timeZone = 'Central';
    expect(configError(c)).toBe([
      'invalid platform config:',
      '  - database.timeZone = "Central": must be an IANA time zone such as "America/Chicago"',
      '  - database.backup.schedule = "CRON_TZ=UTC 15 2 * * *": must be a 5-field cron schedule such as "15 2 * * *" (no CRON_TZ: set timeZone)',
      '  - database.restoreVerify.keyTables[0] = "teams": must be a schema-qualified table such as "public.teams"',
    ].join('\n'));
  });

  it('rejects a starting deadline under the controller period', () => {
    const c = rawConfig();
    c.database.backup.startingDeadlineSeconds = 5;
    expect(configError(c)).toBe('invalid platform config:\n  - database.backup.startingDeadlineSeconds = 5: must be >= 10 (the CronJob controller looks every 10 s)');
  });

  it('rejects an image without digest where an environment requires digests, and a missing database secret', () => {
    const c = rawConfig();
    c.database.pgbouncer.image = 'ghcr.io/flextime/pgbouncer:1.23.1';
    delete (c.secrets as Record<string, unknown>).RDS_CA_BUNDLE;
    expect(configError(c)).toBe([
      'invalid platform config:',
      '  - database.pgbouncer.image = "ghcr.io/flextime/pgbouncer:1.23.1": image \'ghcr.io/flextime/pgbouncer:1.23.1\' must be pinned by digest (repo@sha256:…): staging, production require digests',
      "  - secrets = " + JSON.stringify(c.secrets) + ": must define 'RDS_CA_BUNDLE': charts/database.ts reads it (docs/database.md)",
    ].join('\n'));
  });

  it('rejects the app role as the backup role', () => {
    const c = rawConfig();
    c.database.backup.user = 'flextime_app';
    expect(configError(c)).toBe('invalid platform config:\n  - database.backup.user = "flextime_app": must differ from appUser (\'flextime_app\'): the backup role reads everything and writes nothing');
  });
});
