/**
 * scripts/db/backup.sh and restore-verify.sh for real: a throw-away PostgreSQL (the Debian
 * server binaries, unix socket only) holds a small FlexTime schema; backup.sh dumps it to a local
 * directory target, restore-verify.sh restores the dump and counts the key tables' rows, and a
 * damaged dump must fail the check with its own exit code. A small HTTP server stands in for the
 * Pushgateway and records what the scripts push.
 *
 * Needs initdb/pg_ctl/pg_dump/pg_restore/psql (the distribution's postgresql packages, see
 * scripts/install-tools) and, for the pgbouncer.ini check, `pgbouncer`; the skip rule is
 * test/tools.ts's (skipped outside CI when missing, failing in CI). As root, the PostgreSQL side
 * runs as the `postgres` user (initdb refuses root).
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgbouncerIni } from '../lib/pgbouncer-config.ts';
import { RENDERED_READ_POOL, renderedIni } from './pgbouncer-ini.ts';
import { freePort } from './ports.ts';
import { PostgresServer } from './postgres-server.ts';
import { requireTool, ROOT, skipWithout } from './tools.ts';

const SCRIPTS = join(ROOT, 'scripts', 'db');
/** Where the tests run the scripts from: a copy in the test's own folder (see beforeAll). */
let scriptsDir = SCRIPTS;
const TABLES = ['public.teams', 'public.venues', 'public.schedules', 'public.games'];

const AS_ROOT = process.getuid?.() === 0;
/** The throw-away server (test/postgres-server.ts; TCP trusted: the pgbouncer rows check the pooler's own SCRAM). */
let pg: PostgresServer | undefined;
/** Runs a command as the PostgreSQL user (postgres when we are root) with PATH led by the server binaries. */
const run = (command: string, args: string[], env: Record<string, string> = {}) => pg!.run(command, args, env);

describe.skipIf(skipWithout('postgresql'))('database backup and restore scripts against a real PostgreSQL', () => {
  let root = '';
  const socket = () => pg!.socket;
  const port = () => pg!.port;
  let server: Server | undefined;
  let pushgateway = '';
  const pushes: Array<{ url: string; body: string }> = [];
  const db = () => ({ PGHOST: socket(), PGPORT: String(port()), PGUSER: 'postgres' });
  const psql = async (database: string, sql: string) => {
    const r = await run('psql', ['--no-psqlrc', '--tuples-only', '--no-align', '--quiet', '--set=ON_ERROR_STOP=1', `--dbname=${database}`, `--command=${sql}`], db());
    if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  const target = (dir: string) => `file://${join(root, dir)}`;
  const backup = (dir: string, env: Record<string, string> = {}) =>
    run('bash', [join(scriptsDir, 'backup.sh')], { ...db(), PGDATABASE: 'flextime', BACKUP_TARGET: target(dir), BACKUP_WORK_DIR: root, PUSHGATEWAY_URL: pushgateway, METRICS_NAMESPACE: 'flextime-test', ...env });
  const verify = (dir: string, env: Record<string, string> = {}) =>
    run('bash', [join(scriptsDir, 'restore-verify.sh')], { BACKUP_TARGET: target(dir), DATABASE_NAME: 'flextime', VERIFY_TABLES: TABLES.join(' '), RESTORE_WORK_DIR: root, PUSHGATEWAY_URL: pushgateway, METRICS_NAMESPACE: 'flextime-test', ...env });
  /** `rows <table> <n>` lines restore-verify.sh prints, as a map. */
  const rowsOf = (stdout: string) => Object.fromEntries(stdout.split('\n').filter((l) => l.startsWith('rows ')).map((l) => [l.split(' ')[1], Number(l.split(' ')[2])]));
  const dumps = (dir: string) => {
    const found: string[] = [];
    const walk = (d: string) => readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(join(d, e.name)) : found.push(join(d, e.name))));
    if (existsSync(join(root, dir))) walk(join(root, dir));
    return found.sort();
  };
  /** A fresh backup target holding one dump, damaged by `damage`. */
  const damagedCopy = async (dir: string, damage: (dump: string) => void) => {
    expect((await backup(dir)).code).toBe(0);
    const dump = dumps(dir).find((f) => f.endsWith('.dump'))!;
    damage(dump);
  };

  beforeAll(async () => {
    pg = await PostgresServer.start(requireTool('postgresql'), {}, ['flextime'], 'trust');
    root = mkdtempSync(join(tmpdir(), 'flextime-db-'));
    if (AS_ROOT) {
      const id = await new Promise<string>((resolve, reject) => execFile('id', ['-u', 'postgres'], (e, out) => (e ? reject(new Error('running as root needs a "postgres" user (initdb refuses root); the Debian postgresql package creates it')) : resolve(out.trim()))));
      chownSync(root, Number(id), Number(id));
    }
    // The scripts run as the postgres user, which may not read this checkout (a clone under a
    // private 0700 folder such as mktemp -d, or made with umask 077): run a copy in this test's
    // own folder, readable by everyone whatever modes the clone has, as the pods run the
    // ConfigMap's copy.
    scriptsDir = join(root, 'scripts');
    cpSync(SCRIPTS, scriptsDir, { recursive: true });
    chmodSync(scriptsDir, 0o755);
    for (const file of readdirSync(scriptsDir)) chmodSync(join(scriptsDir, file), 0o644);
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        pushes.push({ url: req.url ?? '', body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    pushgateway = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    await psql('flextime', `
      CREATE TABLE teams (id serial PRIMARY KEY, name text NOT NULL UNIQUE, conference text NOT NULL DEFAULT 'Big 12');
      CREATE TABLE venues (id serial PRIMARY KEY, team_id int NOT NULL REFERENCES teams, name text NOT NULL, capacity int CHECK (capacity > 0));
      CREATE TABLE schedules (id serial PRIMARY KEY, sport text NOT NULL, season int NOT NULL, generated_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE games (id bigserial PRIMARY KEY, schedule_id int NOT NULL REFERENCES schedules, home int NOT NULL REFERENCES teams, away int NOT NULL REFERENCES teams, venue_id int REFERENCES venues, starts_at timestamptz, CHECK (home <> away));
      CREATE INDEX games_schedule ON games (schedule_id);
      INSERT INTO teams (name) SELECT 'Team ' || g FROM generate_series(1, 16) g;
      INSERT INTO venues (team_id, name, capacity) SELECT id, name || ' Arena', 10000 + id * 1000 FROM teams;
      INSERT INTO schedules (sport, season) VALUES ('football', 2025), ('basketball', 2025), ('baseball', 2026);
      INSERT INTO games (schedule_id, home, away, venue_id, starts_at)
        SELECT 1 + g % 3, 1 + g % 16, 1 + (g + 5) % 16, 1 + g % 16, timestamptz '2025-09-01 18:00+00' + g * interval '1 day' FROM generate_series(1, 240) g;
    `);
  }, 120_000);

  afterAll(async () => {
    await pg?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('backs up to <database>/YYYY/MM/DD/<database>-<UTC time>.dump with its sha256 beside it, and pushes the success time', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await backup('store');
    expect(r.code, r.stderr).toBe(0);
    const files = dumps('store').map((f) => f.slice(join(root, 'store').length + 1));
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^flextime\/[0-9]{4}\/[0-9]{2}\/[0-9]{2}\/flextime-[0-9]{8}T[0-9]{6}Z\.dump$/);
    expect(files[1]).toBe(`${files[0]}.sha256`);
    const dump = readFileSync(join(root, 'store', files[0]!));
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP'); // pg_dump custom format
    const name = files[0]!.split('/').pop();
    expect(readFileSync(join(root, 'store', files[1]!), 'utf8')).toBe(`${createHash('sha256').update(dump).digest('hex')}  ${name}\n`);

    const push = pushes.find((p) => p.url.startsWith('/metrics/job/flextime-backup/'))!;
    expect(push.url).toBe('/metrics/job/flextime-backup/namespace/flextime-test/database/flextime');
    const value = Number(/^flextime_backup_last_success_timestamp_seconds ([0-9]+)$/m.exec(push.body)?.[1]);
    expect(value).toBeGreaterThanOrEqual(before);
    expect(push.body).toContain('# TYPE flextime_backup_last_success_timestamp_seconds gauge');
  }, 60_000);

  it('restores the newest dump into its own throw-away PostgreSQL with the same row counts as the source, and pushes success 1', async () => {
    pushes.length = 0;
    const r = await verify('store');
    expect(r.code, r.stderr).toBe(0);
    const source = Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, Number(await psql('flextime', `SELECT count(*) FROM ${t}`))])));
    expect(source).toEqual({ 'public.teams': 16, 'public.venues': 16, 'public.schedules': 3, 'public.games': 240 });
    expect(rowsOf(r.stdout)).toEqual(source);
    expect(pushes.map((p) => [p.url, p.body.trim().split('\n').pop()])).toEqual([
      ['/metrics/job/flextime-restore-verify/namespace/flextime-test/database/flextime', 'flextime_restore_verify_success 1'],
    ]);
  }, 60_000);

  it('restores into a scratch database on an existing server, and drops it afterwards', async () => {
    const r = await verify('store', { ...db(), SCRATCH_PGHOST: socket() });
    expect(r.code, r.stderr).toBe(0);
    expect(rowsOf(r.stdout)['public.games']).toBe(240);
    expect(await psql('postgres', "SELECT count(*) FROM pg_database WHERE datname LIKE 'restore_verify_%'")).toBe('0');
  }, 60_000);

  it('picks the newest of several dumps', async () => {
    await psql('flextime', "INSERT INTO schedules (sport, season) VALUES ('soccer', 2026)");
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the key has one-second resolution
    expect((await backup('store')).code).toBe(0);
    const r = await verify('store', { ...db(), SCRATCH_PGHOST: socket() });
    expect(r.code, r.stderr).toBe(0);
    expect(rowsOf(r.stdout)['public.schedules']).toBe(4);
    await psql('flextime', "DELETE FROM schedules WHERE sport = 'soccer'");
  }, 60_000);

  it('fails with exit code 4 and names the mismatch when the dump is not the file the backup wrote', async () => {
    await damagedCopy('corrupt', (dump) => {
      const bytes = readFileSync(dump);
      bytes.write('XXXX', 2000, 'latin1');
      writeFileSync(dump, bytes);
    });
    pushes.length = 0;
    const r = await verify('corrupt');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/FAILED: checksum mismatch: flextime-[0-9T]+Z\.dump is not the file the backup wrote/);
    expect(pushes.map((p) => p.body.trim().split('\n').pop())).toEqual(['flextime_restore_verify_success 0']);
  }, 60_000);

  it('fails with exit code 5 when a dump with a matching checksum does not restore (damaged before it was summed)', async () => {
    await damagedCopy('unrestorable', (dump) => {
      const bytes = readFileSync(dump);
      writeFileSync(dump, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const name = dump.split('/').pop()!;
      writeFileSync(`${dump}.sha256`, `${createHash('sha256').update(readFileSync(dump)).digest('hex')}  ${name}\n`);
    });
    const r = await verify('unrestorable', { ...db(), SCRATCH_PGHOST: socket() });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/FAILED: pg_restore of flextime-[0-9T]+Z\.dump into a scratch database failed/);
  }, 60_000);

  it('fails with exit code 6 when a key table is missing from the restored dump', async () => {
    const r = await verify('store', { ...db(), SCRATCH_PGHOST: socket(), VERIFY_TABLES: 'public.teams public.referees' });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('FAILED: table public.referees is missing from the restored dump');
  }, 60_000);

  it('fails with exit code 3 when there is no dump to check', async () => {
    mkdirSync(join(root, 'empty'), { recursive: true });
    const r = await verify('empty');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`FAILED: no dump of flextime in ${target('empty')}`);
  });

  it('fails the backup with exit code 3 when pg_dump fails, and stores nothing', async () => {
    const r = await backup('nothing', { PGDATABASE: 'no_such_database' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('FAILED: pg_dump of no_such_database exited with 1');
    expect(dumps('nothing')).toEqual([]);
  });

  it('refuses a target that is neither s3:// nor file:// (exit code 2), and an s3:// target without a KMS key', async () => {
    const ftp = await backup('x', { BACKUP_TARGET: 'ftp://backups/flextime' });
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toContain("FAILED: BACKUP_TARGET 'ftp://backups/flextime' must be s3://<bucket>/<prefix> or file:///<dir>");
    const s3 = await backup('x', { BACKUP_TARGET: 's3://flextime-test-backups/postgres/' });
    expect(s3.code).toBe(2);
    expect(s3.stderr).toContain('FAILED: environment variable BACKUP_KMS_KEY_ID is not set');
  });

  it.skipIf(skipWithout('pgbouncer'))('serves the pgbouncer.ini lib/pgbouncer-config.ts renders: SCRAM from a userlist with a quoted password, transaction pooling into PostgreSQL', async () => {
    const PGBOUNCER = requireTool('pgbouncer');
    await psql('flextime', 'CREATE ROLE flextime_app LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO flextime_app');
    const listen = await freePort();
    const dir = join(root, 'pgbouncer');
    await run('mkdir', ['-p', dir]);
    // The userlist line as the ExternalSecret template renders it: a " in the password doubled.
    writeFileSync(join(dir, 'userlist.txt'), '"flextime_app" "s3""cret"\n');
    writeFileSync(join(dir, 'pgbouncer.ini'), pgbouncerIni({
      databases: [{ alias: 'flextime', host: '127.0.0.1', port: port() }],
      listenPort: listen, authFile: join(dir, 'userlist.txt'), maxClientConn: 20, defaultPoolSize: 2, reservePoolSize: 1, maxDbConnections: 5,
      statsUsers: ['flextime_app'],
    }));
    if (AS_ROOT) await run('chmod', ['-R', 'a+rX', dir]);
    const args = [PGBOUNCER, join(dir, 'pgbouncer.ini')];
    const bouncer = AS_ROOT ? spawn('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'pipe' }) : spawn(args[0]!, args.slice(1), { stdio: 'pipe' });
    let log = '';
    bouncer.stderr.on('data', (chunk) => (log += chunk));
    const exited = new Promise((resolve) => bouncer.on('exit', resolve));
    const client = (password: string, database: string, sql: string) =>
      run('psql', ['--no-psqlrc', '--tuples-only', '--no-align', '--host=127.0.0.1', `--port=${listen}`, '--username=flextime_app', `--dbname=${database}`, `--command=${sql}`], { PGPASSWORD: password });
    try {
      let answer = await client('s3"cret', 'flextime', 'SELECT current_user, count(*) FROM public.teams');
      for (let i = 0; answer.code !== 0 && i < 50; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100)); // until PgBouncer listens
        answer = await client('s3"cret', 'flextime', 'SELECT current_user, count(*) FROM public.teams');
      }
      expect(answer.code, answer.stderr + log).toBe(0);
      expect(answer.stdout.trim()).toBe('flextime_app|16');
      const pools = await client('s3"cret', 'pgbouncer', 'SHOW POOLS');
      expect(pools.stdout.split('\n').find((l) => l.startsWith('flextime|'))).toMatch(/\|transaction$/);
      const wrong = await client('wrong', 'flextime', 'SELECT 1');
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toMatch(/authentication failed/);
    } finally {
      bouncer.kill('SIGTERM');
      await exited;
    }
  }, 60_000);

  it.skipIf(skipWithout('pgbouncer'))('serves the read-only pool (pgbouncer-ro) from its rendered pgbouncer.ini: reads pass, a write the role may do is refused by the pool', async () => {
    await psql('flextime', // the role may write: only the pool's default_transaction_read_only can stop the INSERT below
      'CREATE ROLE flextime_reader LOGIN; GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO flextime_reader; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO flextime_reader');
    const listen = await freePort(), dir = join(root, 'pgbouncer-ro'); mkdirSync(dir, { recursive: true }); writeFileSync(join(dir, 'userlist.txt'), '"flextime_reader" "r3ad"\n');
    writeFileSync(join(dir, 'pgbouncer.ini'), renderedIni(RENDERED_READ_POOL, { port: port(), listenPort: listen, authFile: join(dir, 'userlist.txt') }));
    if (AS_ROOT) await run('chmod', ['-R', 'a+rX', dir]);
    const args = [requireTool('pgbouncer'), join(dir, 'pgbouncer.ini')], bouncer = AS_ROOT ? spawn('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'pipe' }) : spawn(args[0]!, args.slice(1), { stdio: 'pipe' });
    const exited = new Promise((resolve) => bouncer.on('exit', resolve)), client = (sql: string) => run('psql', ['--no-psqlrc', '--tuples-only', '--no-align', '--host=127.0.0.1', `--port=${listen}`, '--username=flextime_reader', '--dbname=flextime', `--command=${sql}`], { PGPASSWORD: 'r3ad' });
    try {
      let answer = await client('SELECT count(*) FROM public.teams'); // then again every 100 ms until PgBouncer listens
      for (let i = 0; answer.code !== 0 && i < 50; i++) answer = await new Promise((resolve) => setTimeout(resolve, 100)).then(() => client('SELECT count(*) FROM public.teams'));
      expect([answer.code, answer.stdout.trim()], answer.stderr).toEqual([0, '16']);
      const write = await client("INSERT INTO public.teams (name) VALUES ('Read Only U')"); expect([write.code === 0, write.stderr.includes('cannot execute INSERT in a read-only transaction')], write.stderr).toEqual([false, true]);
      expect((await client('SELECT count(*) FROM public.teams')).stdout.trim()).toBe('16');
    } finally { bouncer.kill('SIGTERM'); await exited; }
  }, 60_000);
});
