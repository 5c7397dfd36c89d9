/**
 * postgres_exporter for real (issue 20, database health): the pinned exporter (tools/postgres-exporter,
 * built by scripts/install-tools) runs with the collectors of the rendered production Deployment
 * against a real PostgreSQL started with the settings the RDS parameter group sets
 * (pg_stat_statements preloaded, I/O timing on), logged in over TCP with a password as the role
 * scripts/db/monitoring-role.sql creates. Its /metrics must carry every metric of the hand-written
 * list below, every postgres_exporter metric of the contract (config/metrics.ts), and a series for
 * every selector of the rendered Database dashboard and database alerts (namespace aside: a
 * target label Prometheus adds). A real deadlock and a long transaction show up in the metrics
 * the deadlock and long-transaction alerts read; the role reads statistics, not table data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_METRICS } from '../config/metrics.ts';
import { matches, metricNames, selectors } from '../lib/monitoring/promql.ts';
import { objects, renderPlatform } from './helpers.ts';
import { freePort } from './ports.ts';
import { PostgresServer } from './postgres-server.ts';
import { scrape as scrapeMetrics } from './metrics-text.ts';
import { requireTool, ROOT, skipWithout } from './tools.ts';

/** What the Database dashboard and the database alerts read: written by hand from the issue's list. */
const EXPECTED_METRICS = [
  'pg_up', // exporter health
  'pg_settings_max_connections', 'pg_stat_activity_count', // connections vs max
  'pg_locks_count', // locks
  'pg_stat_database_deadlocks', // deadlocks
  'pg_stat_activity_max_tx_duration', 'pg_long_running_transactions_oldest_timestamp_seconds', // long transactions
  'pg_stat_database_blks_hit', 'pg_stat_database_blks_read', 'pg_stat_database_numbackends', // cache hit ratio, backends
  'pg_replication_lag_seconds', 'pg_replication_is_replica', // replication lag
  'pg_stat_statements_seconds_total', 'pg_stat_statements_calls_total', 'pg_stat_statements_rows_total', 'pg_stat_statements_block_read_seconds_total', // top queries
];
/** What terraform-bootstrap/environment/rds.tf sets in the parameter group for query insight. */
const RDS_SETTINGS = { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'top', track_io_timing: 'on' };
const MONITOR_USER = 'flextime_monitor';

const files = renderPlatform();
const deployment = objects('dist/production/database/', files).find((o) => o.kind === 'Deployment' && o.metadata.name === 'postgres-exporter')!;
const container = (deployment.spec as { template: { spec: { containers: Array<{ args: string[] }> } } }).template.spec.containers[0]!;
/** Every PromQL expression of the rendered Database dashboard and the flextime-database alert group. */
const renderedQueries = [
  ...objects('dist/cluster/monitoring/', files).filter((o) => o.metadata.name === 'grafana-dashboard-database')
    .flatMap((cm) => Object.values((cm as unknown as { data: Record<string, string> }).data))
    .flatMap((json) => (JSON.parse(json) as { panels: Array<{ targets?: Array<{ expr: string }> }> }).panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))),
  ...objects('dist/production/monitoring/', files).filter((o) => o.kind === 'PrometheusRule')
    .flatMap((r) => (r.spec as { groups: Array<{ name: string; rules: Array<{ expr: string }> }> }).groups)
    .filter((g) => g.name === 'flextime-database').flatMap((g) => g.rules.map((r) => r.expr)),
];

describe.skipIf(skipWithout('postgresql') || skipWithout('postgres_exporter'))('postgres_exporter against a real PostgreSQL', () => {
  let pg: PostgresServer;
  let exporter: ChildProcess | undefined;
  let url = '';
  let password = '';
  const scrape = () => scrapeMetrics(url);

  beforeAll(async () => {
    pg = await PostgresServer.start(requireTool('postgresql'), RDS_SETTINGS, ['flextime']);
    await pg.sql('flextime', `
      CREATE ROLE flextime_app LOGIN;
      CREATE TABLE teams (id int PRIMARY KEY, name text NOT NULL);
      INSERT INTO teams SELECT g, 'Team ' || g FROM generate_series(1, 16) g;
      GRANT SELECT, UPDATE ON teams TO flextime_app;`);
    // The role script as an operator runs it (a copy the postgres user can read), password from the environment.
    const script = join(pg.root, 'monitoring-role.sql');
    cpSync(join(ROOT, 'scripts', 'db', 'monitoring-role.sql'), script);
    chmodSync(script, 0o644);
    password = randomBytes(18).toString('base64url');
    const role = await pg.run('psql', pg.psqlArgs('flextime', ['-v', `monitor_user=${MONITOR_USER}`, '-f', script]), { MONITOR_PASSWORD: password });
    expect(role.code, role.stderr).toBe(0);
    // Statements for pg_stat_statements, as the app would run them.
    for (let i = 0; i < 5; i++) await pg.sql('flextime', 'SELECT count(*) FROM teams WHERE name LIKE \'Team 1%\'');

    const passFile = join(pg.root, 'exporter-password');
    writeFileSync(passFile, password, { mode: 0o600 });
    const port = await freePort();
    url = `http://127.0.0.1:${port}/metrics`;
    // The rendered arguments, listening on loopback instead of the pod's port.
    const args = container.args.map((a) => (a.startsWith('--web.listen-address=') ? `--web.listen-address=127.0.0.1:${port}` : a));
    exporter = spawn(requireTool('postgres_exporter'), args, {
      env: { PATH: '/usr/bin:/bin', DATA_SOURCE_URI: `127.0.0.1:${pg.port}/flextime?sslmode=disable`, DATA_SOURCE_USER: MONITOR_USER, DATA_SOURCE_PASS_FILE: passFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    exporter.stderr!.on('data', (d) => (log += d));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const up = await scrape().then((s) => s.find((x) => x.name === 'pg_up')?.value, () => undefined);
      if (up === 1) break;
      if (Date.now() > deadline) throw new Error(`postgres_exporter did not report pg_up 1 within 20 s (last: ${up}); its log:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);

  afterAll(async () => {
    exporter?.kill();
    await pg?.stop();
  });

  it('exports every metric the Database dashboard and alerts read (hand-written list) and every one of the contract', async () => {
    const names = new Set((await scrape()).map((s) => s.name));
    expect(EXPECTED_METRICS.filter((m) => !names.has(m))).toEqual([]);
    const contract = KNOWN_METRICS.filter((m) => m.source === 'postgres_exporter').map((m) => m.name);
    expect(contract.length).toBeGreaterThanOrEqual(EXPECTED_METRICS.length);
    expect(contract.filter((m) => !names.has(m))).toEqual([]);
    const read = [...new Set(renderedQueries.flatMap(metricNames))].filter((m) => m.startsWith('pg_')).sort();
    expect(read).toEqual([...EXPECTED_METRICS].filter((m) => m !== 'pg_long_running_transactions_oldest_timestamp_seconds').sort());
  });

  it('has a series for every selector of the rendered dashboard and alerts (labels as the exporter sets them)', async () => {
    const series = await scrape();
    expect(renderedQueries.length).toBeGreaterThan(15);
    const unmatched = renderedQueries.flatMap((q) => selectors(q.replaceAll('$environment', 'production')))
      .filter((s) => s.metric.startsWith('pg_'))
      .filter((s) => !series.some((x) => x.name === s.metric && s.matchers.filter((m) => m.label !== 'namespace').every((m) => matches(m, x.labels[m.label]))))
      .map((s) => `${s.metric}{${s.matchers.map((m) => `${m.label}${m.op}"${m.value}"`).join(',')}}`);
    expect([...new Set(unmatched)]).toEqual([]);
  });

  it('reports pg_stat_statements of the app\'s statements by queryid, logged in as the pg_monitor role', async () => {
    const calls = (await scrape()).filter((s) => s.name === 'pg_stat_statements_calls_total' && s.labels.datname === 'flextime' && s.labels.user === 'postgres');
    expect(calls.some((s) => s.value >= 5 && /^-?[0-9]+$/.test(s.labels.queryid!))).toBe(true);
  });

  it('sees a real deadlock in pg_stat_database_deadlocks and a held transaction in pg_stat_activity_max_tx_duration', async () => {
    const deadlocks = async () => (await scrape()).find((s) => s.name === 'pg_stat_database_deadlocks' && s.labels.datname === 'flextime')!.value;
    expect(await deadlocks()).toBe(0);
    // Two sessions take the same two rows in opposite orders; PostgreSQL aborts one after
    // deadlock_timeout (1 s). After locking its first row each session takes an advisory lock
    // named by that row, then waits until both advisory locks are held, so both rows are locked
    // before either asks for its second. (A fixed sleep let one session finish before the other
    // began on a loaded machine; a relation lock in pg_locks comes before the row lock itself.)
    const bothRowsLocked = `DO $$ DECLARE deadline timestamptz := clock_timestamp() + interval '20 seconds'; BEGIN
      WHILE (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND objid IN (1, 2) AND granted) < 2 LOOP
        IF clock_timestamp() > deadline THEN RAISE EXCEPTION 'the other session locked no row within 20 s'; END IF;
        PERFORM pg_sleep(0.02);
      END LOOP; END $$;`;
    const lockBoth = (first: number, second: number) =>
      pg.sql('flextime', `BEGIN; UPDATE teams SET name = name WHERE id = ${first}; SELECT pg_advisory_xact_lock(${first}); ${bothRowsLocked}
        UPDATE teams SET name = name WHERE id = ${second}; COMMIT;`).then(() => 'ok', (e: Error) => e.message);
    const held = pg.sql('flextime', 'BEGIN; SELECT pg_sleep(3); COMMIT;');
    const outcomes = await Promise.all([lockBoth(1, 2), lockBoth(2, 1)]);
    expect(outcomes.filter((o) => o.includes('deadlock detected')), outcomes.join('\n')).toHaveLength(1);
    const series = await scrape();
    expect(series.find((s) => s.name === 'pg_stat_database_deadlocks' && s.labels.datname === 'flextime')!.value).toBe(1);
    const oldest = Math.max(...series.filter((s) => s.name === 'pg_stat_activity_max_tx_duration' && s.labels.datname === 'flextime' && s.labels.usename === 'postgres').map((s) => s.value));
    expect(oldest).toBeGreaterThanOrEqual(1);
    await held;
  }, 30_000);

  it('gives the monitoring role statistics only: no table data, no superuser, pg_monitor', async () => {
    const asMonitor = (sql: string, secret: string) => pg.run('psql', ['--no-psqlrc', '--tuples-only', '--no-align', '--host=127.0.0.1', `--port=${pg.port}`, `--username=${MONITOR_USER}`, '--dbname=flextime', `--command=${sql}`], { PGPASSWORD: secret });
    expect((await asMonitor('SELECT 1', 'wrong')).stderr).toContain(`password authentication failed for user "${MONITOR_USER}"`);
    expect((await asMonitor('SELECT count(*) FROM teams', password)).stderr).toContain('permission denied for table teams');
    expect((await asMonitor('UPDATE teams SET name = name', password)).stderr).toContain('permission denied for table teams');
    expect((await asMonitor("SELECT count(*) > 0 FROM pg_stat_activity WHERE usename = 'postgres' AND query <> '<insufficient privilege>'", password)).stdout.trim()).toBe('t');
    expect(await pg.sql('flextime', `SELECT rolsuper, rolcreaterole, rolcreatedb, pg_has_role('${MONITOR_USER}', 'pg_monitor', 'USAGE'), has_table_privilege('${MONITOR_USER}', 'teams', 'SELECT') FROM pg_roles WHERE rolname = '${MONITOR_USER}'`)).toBe('f|f|f|t|f');
  });
});
