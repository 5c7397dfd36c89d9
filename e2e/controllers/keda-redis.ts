/**
 * The Redis servers KEDA's triggers read, for real: one Debian `redis-server` per address the
 * rendered ScaledObjects name (the in-cluster StatefulSet's Service in development and staging,
 * the ElastiCache endpoint in production), each on its own random 127.x.y.z at the rendered port,
 * with TLS where the trigger says `enableTLS` (certificate for the endpoint's name, from a
 * throw-away CA). The cluster DNS (cluster-dns.ts) maps each name to its address.
 *
 * Passwords: the `default` user (what KEDA and the services log in as) starts with an unknown
 * random password and takes the value of the Secret the Redis side reads — `redis-secrets`
 * where the StatefulSet mounts it, else another Secret of the same remote key (ElastiCache's
 * auth token is Secrets Manager's redis-auth-token) — never the TriggerAuthentication's own
 * Secret, so KEDA only gets in if that Secret holds the same value. The e2e's own commands use
 * an `e2e-admin` ACL user whose password is made at run time (work dir, mode 600).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Ca } from '../cluster/pki.ts';
import { issue } from '../cluster/pki.ts';
import { startProcess, type Proc } from './processes.ts';

/** A Redis trigger as rendered: where KEDA connects and with which Secret. */
export interface RedisTrigger {
  readonly namespace: string;
  readonly scaledObject: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** Secret and key the TriggerAuthentication's `password` parameter reads. */
  readonly passwordSecret: { readonly name: string; readonly key: string };
  /** Secret and key the Redis side's password comes from (see the module comment). */
  readonly serverSecret: { readonly name: string; readonly key: string };
}

/** What a scenario needs to talk to one Redis (serialisable). */
export interface RedisEndpoint extends RedisTrigger {
  readonly ip: string;
  /** CA of the TLS certificate (when tls). */
  readonly caFile?: string;
  readonly adminPasswordFile: string;
}

const walk = (dir: string, out: string[] = []): string[] => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.yaml')) out.push(p);
  }
  return out;
};

/** Every redis trigger of the rendered ScaledObjects, with the Secrets on both sides. */
export function readRedisTriggers(root: string): RedisTrigger[] {
  const objs = walk(join(root, 'dist')).map((f) => parseYaml(readFileSync(f, 'utf8'))).filter((o) => o?.kind);
  const find = (kind: string, ns: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
  const out: RedisTrigger[] = [];
  for (const so of objs.filter((o) => o.kind === 'ScaledObject')) {
    const ns: string = so.metadata.namespace;
    for (const t of (so.spec.triggers ?? []).filter((x: { type: string }) => x.type === 'redis')) {
      const [host, port] = String(t.metadata.address ?? `${t.metadata.host}:${t.metadata.port}`).split(':');
      const ta = find('TriggerAuthentication', ns, t.authenticationRef?.name);
      const ref = ta?.spec?.secretTargetRef?.find((r: { parameter: string }) => r.parameter === 'password');
      if (!ref) throw new Error(`ScaledObject ${ns}/${so.metadata.name}: no TriggerAuthentication with a password secretTargetRef (${t.authenticationRef?.name})`);
      // The remote key behind the TriggerAuthentication's Secret, and who else receives it.
      const remoteKey = (es: { spec: { data?: Array<{ secretKey: string; remoteRef: { key: string } }> } } | undefined, key: string) =>
        es?.spec.data?.find((d) => d.secretKey === key)?.remoteRef.key;
      const key = remoteKey(find('ExternalSecret', ns, ref.name), ref.key);
      const others = objs
        .filter((o) => o.kind === 'ExternalSecret' && o.metadata.namespace === ns && o.spec.target?.name !== ref.name)
        .flatMap((o) => (o.spec.data ?? []).filter((d: { remoteRef: { key: string } }) => key && d.remoteRef.key === key).map((d: { secretKey: string }) => ({ name: o.spec.target?.name ?? o.metadata.name, key: d.secretKey })))
        .sort((a: { name: string }, b: { name: string }) => Number(b.name.startsWith('redis')) - Number(a.name.startsWith('redis')) || a.name.localeCompare(b.name));
      out.push({
        namespace: ns,
        scaledObject: so.metadata.name,
        host,
        port: Number(port),
        tls: String(t.metadata.enableTLS) === 'true',
        passwordSecret: { name: ref.name, key: ref.key },
        serverSecret: others[0] ?? { name: ref.name, key: ref.key },
      });
    }
  }
  return out;
}

/** A random loopback address other than 127.0.0.1 / 127.0.1.1 whose `port` is free. */
async function freeLoopback(port: number): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const ip = `127.${randomInt(2, 255)}.${randomInt(0, 256)}.${randomInt(2, 255)}`;
    const free = await new Promise<boolean>((res) => {
      const s = createServer();
      s.once('error', () => res(false));
      s.listen(port, ip, () => s.close(() => res(true)));
    });
    if (free) return ip;
  }
  throw new Error(`no free loopback address for port ${port} after 20 tries`);
}

async function waitListening(proc: Proc, ip: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.started.exited.then(() => (exited = true));
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, ip);
      s.once('connect', () => (s.destroy(), res(true)));
      s.once('error', () => res(false));
    });
    if (ok) return;
    if (exited) throw new Error(`${proc.name} exited before listening on ${ip}:${port}:\n${proc.tail()}`);
    if (Date.now() > deadline) throw new Error(`expected ${proc.name} to listen on ${ip}:${port} within ${timeoutMs / 1000} s:\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 100)); // no event for "port open": try again shortly
  }
}

/** redis-cli against one endpoint as e2e-admin (password from the environment, not argv). */
export function redisCli(r: RedisEndpoint, args: readonly string[], stdin?: string): string {
  const tls = r.tls ? ['--tls', '--cacert', r.caFile!, '--sni', r.host] : [];
  return execFileSync('redis-cli', ['-h', r.ip, '-p', String(r.port), '--user', 'e2e-admin', ...tls, ...(stdin !== undefined ? ['-x'] : []), ...args], {
    input: stdin,
    env: { ...process.env, REDISCLI_AUTH: readFileSync(r.adminPasswordFile, 'utf8') },
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  }).trim();
}

/**
 * Sets the password of Redis's `default` user and closes its connections, as a Redis restarted
 * with a rotated Secret would: clients must log in again with what they hold.
 */
export function setDefaultPassword(r: RedisEndpoint, password: string): void {
  const out = redisCli(r, ['ACL', 'SETUSER', 'default', 'on', 'resetpass', '~*', '&*', '+@all'], `>${password}`);
  if (out !== 'OK') throw new Error(`ACL SETUSER default on ${r.host}: ${out}`);
  redisCli(r, ['CLIENT', 'KILL', 'USER', 'default']);
}

export interface RedisServer {
  readonly endpoint: RedisEndpoint;
  readonly proc: Proc;
}

export async function startRedis(t: RedisTrigger, opts: { dir: string; ca: Ca; name: string }): Promise<RedisServer> {
  const ip = await freeLoopback(t.port);
  const adminPasswordFile = join(opts.dir, `${opts.name}.admin`);
  writeFileSync(adminPasswordFile, randomBytes(18).toString('hex'), { mode: 0o600 });
  const conf = [
    `bind ${ip}`,
    'save ""',
    'appendonly no',
    `dir ${opts.dir}`,
    // Nobody logs in as default until the Secret's value is set (keda.ts follows the Secret).
    `user default on >${randomBytes(18).toString('hex')} ~* &* +@all`,
    `user e2e-admin on >${readFileSync(adminPasswordFile, 'utf8')} ~* &* +@all`,
  ];
  let caFile: string | undefined;
  if (t.tls) {
    const leaf = issue(opts.ca, opts.name, { dns: [t.host] });
    caFile = opts.ca.cert;
    conf.push('port 0', `tls-port ${t.port}`, `tls-cert-file ${leaf.cert}`, `tls-key-file ${leaf.key}`, `tls-ca-cert-file ${opts.ca.cert}`, 'tls-auth-clients no');
  } else {
    conf.push(`port ${t.port}`);
  }
  const confFile = join(opts.dir, `${opts.name}.conf`);
  writeFileSync(confFile, `${conf.join('\n')}\n`, { mode: 0o600 });
  const proc = startProcess(`redis-${opts.name}`, 'redis-server', [confFile], { logFile: join(opts.dir, `${opts.name}.log`) });
  await waitListening(proc, ip, t.port, 15_000);
  return { endpoint: { ...t, ip, caFile, adminPasswordFile }, proc };
}
