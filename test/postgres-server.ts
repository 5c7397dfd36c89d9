/**
 * A throw-away PostgreSQL from the distribution's server binaries (test/tools.ts `postgresql`), in
 * a temp folder, on 127.0.0.1:<free port> and a unix socket: local connections trusted (the
 * tests' superuser `postgres`), TCP connections by SCRAM password only by default, so a role's
 * password is really checked (`hostAuth: 'trust'` where the test checks a pooler's own auth).
 * As root the server and psql run as the `postgres` user (initdb refuses root).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

const AS_ROOT = process.getuid?.() === 0;

export interface Run { code: number; stdout: string; stderr: string }

export class PostgresServer {
  private constructor(
    /** Folder of the server binaries. */
    private readonly bin: string,
    /** Temp folder: data, socket, log. */
    public readonly root: string,
    public readonly port: number,
  ) {}

  get socket(): string { return join(this.root, 'socket'); }

  /** initdb + start with `settings` (`-c name=value` each), then create `databases`. */
  static async start(bin: string, settings: Readonly<Record<string, string>>, databases: readonly string[], hostAuth: 'scram-sha-256' | 'trust' = 'scram-sha-256'): Promise<PostgresServer> {
    const root = mkdtempSync(join(tmpdir(), 'flextime-pg-'));
    if (AS_ROOT) {
      const id = await new Promise<string>((resolve, reject) => execFile('id', ['-u', 'postgres'], (e, out) => (e ? reject(new Error('running as root needs a "postgres" user (initdb refuses root); the Debian postgresql package creates it')) : resolve(out.trim()))));
      chownSync(root, Number(id), Number(id));
    }
    const server = new PostgresServer(bin, root, await freePort());
    const options = [
      '-c listen_addresses=127.0.0.1', `-c unix_socket_directories='${server.socket}'`, `-p ${server.port}`, '-c fsync=off',
      ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
    ].join(' ');
    for (const [cmd, args] of [
      ['mkdir', ['-p', server.socket]],
      ['initdb', ['--pgdata', join(root, 'data'), '--username=postgres', '--auth-local=trust', `--auth-host=${hostAuth}`, '--encoding=UTF8', '--no-sync']],
      ['pg_ctl', ['--pgdata', join(root, 'data'), '--log', join(root, 'server.log'), '--wait', '--options', options, 'start']],
      ...databases.map((d) => ['createdb', ['--host', server.socket, '--port', String(server.port), '--username', 'postgres', d]] as const),
    ] as const) {
      const r = await server.run(cmd, [...args]);
      if (r.code !== 0) throw new Error(`${cmd} failed (${r.code}): ${r.stderr}`);
    }
    return server;
  }

  /** argv of `command` as the PostgreSQL user with PATH led by the server binaries. */
  private argv(command: string, args: readonly string[], env: Readonly<Record<string, string>>): [string, string[]] {
    const vars = { PATH: `${this.bin}:/usr/local/bin:/usr/bin:/bin`, LC_ALL: 'C.UTF-8', TZ: 'UTC', ...env };
    const assignments = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
    return AS_ROOT ? ['runuser', ['-u', 'postgres', '--', 'env', '-i', ...assignments, command, ...args]] : ['env', ['-i', ...assignments, command, ...args]];
  }

  run(command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Run> {
    const [file, argv] = this.argv(command, args, env);
    return new Promise((resolve) => {
      execFile(file, argv, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  }

  /** psql over the socket as the superuser; `args` after the connection options. */
  psqlArgs(database: string, args: readonly string[] = []): string[] {
    return ['--no-psqlrc', '--tuples-only', '--no-align', '--quiet', '--set=ON_ERROR_STOP=1', `--host=${this.socket}`, `--port=${this.port}`, '--username=postgres', `--dbname=${database}`, ...args];
  }

  /** One SQL string through psql; its output, or an error with psql's message. */
  async sql(database: string, sql: string): Promise<string> {
    const r = await this.run('psql', this.psqlArgs(database, [`--command=${sql}`]));
    if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** A psql session left running (e.g. holding a transaction open); the caller kills it. */
  spawnPsql(database: string, sql: string): ChildProcess {
    const [file, argv] = this.argv('psql', this.psqlArgs(database, [`--command=${sql}`]), {});
    return spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  async stop(): Promise<void> {
    await this.run('pg_ctl', ['--pgdata', join(this.root, 'data'), '--mode=immediate', 'stop']);
    rmSync(this.root, { recursive: true, force: true });
  }
}
