/**
 * A throw-away ghcr.io for test/signed-images.test.ts (policy-controller's CLI) and for the e2e's
 * policy-controller webhook (e2e/controllers/policy-controller.ts starts it, scenario 12 pushes and
 * signs through registryClient): go-containerregistry's registry
 * (`crane registry serve`, tools/policy-controller) on 127.0.0.1, reached as https://ghcr.io through
 * the e2e's upstream proxy (HTTPS_PROXY + a throw-away CA, e2e/controllers/upstream-proxy.ts). So
 * the images keep the names the policies match (ghcr.io/flextime/…), and every Go client — crane,
 * cosign, policy-controller's verifier — reaches them with its ordinary registry code.
 *
 * Signing uses cosign with a key pair generated at run time in the temp dir and no transparency
 * log (Rekor and Fulcio are out of reach offline).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startUpstreamProxy, type Handler, type UpstreamProxy } from '../e2e/controllers/upstream-proxy.ts';

const run = promisify(execFile);

/** What pushes and signs images in the throw-away ghcr.io; all it needs is serialisable (dir, env). */
export interface RegistryClient {
  /** Environment for a Go client that must reach ghcr.io here. */
  readonly env: NodeJS.ProcessEnv;
  /** Pushes a one-layer image holding `content`; returns `ghcr.io/<repository>@sha256:…`. */
  push(repository: string, content: string): Promise<string>;
  /** Generates a cosign key pair `<name>.key`/`<name>.pub` in the temp dir; returns both paths. */
  keyPair(name: string): Promise<{ key: string; pub: string }>;
  /** `cosign sign --key` without a transparency-log upload. */
  sign(image: string, key: string): Promise<void>;
}

export interface TestRegistry extends RegistryClient {
  /** The proxy's own variables (HTTPS_PROXY, SSL_CERT_FILE, …): what a server process needs to reach this ghcr.io. */
  readonly proxyEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** Forwards the proxy's decrypted ghcr.io requests to the local registry, as they came. */
function forwardTo(port: number): Handler {
  return (req, res) => {
    const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    upstream.on('error', (e) => res.writeHead(502).end(`registry: ${e.message}\n`));
    req.pipe(upstream);
  };
}

/** Starts `crane registry serve` on a free loopback port; resolves with the port it prints. */
function startRegistry(crane: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(crane, ['registry', 'serve', '--address', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`crane registry serve printed no port within 20 s: ${seen}`)); }, 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /serving on port (\d+)/.exec(seen);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]) }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`crane registry serve exited (${code}): ${seen}`)); });
  });
}

export async function startTestRegistry(opts: { dir: string; crane: string; cosign: string }): Promise<TestRegistry> {
  const { dir } = opts;
  const registry = await startRegistry(opts.crane);
  let proxy: UpstreamProxy;
  try {
    proxy = await startUpstreamProxy({ dir: join(dir, 'proxy'), routes: { 'ghcr.io': forwardTo(registry.port) } });
  } catch (e) {
    registry.child.kill();
    throw e;
  }
  mkdirSync(join(dir, 'docker'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    // No credentials anywhere: an empty Docker config, anonymous pulls and pushes.
    DOCKER_CONFIG: join(dir, 'docker'),
    ...proxy.env(),
    // cosign's key files are encrypted with this password; empty is allowed for test keys.
    COSIGN_PASSWORD: '',
  };
  return {
    ...registryClient({ ...opts, env }),
    proxyEnv: proxy.env(),
    async stop() {
      await proxy.stop();
      registry.child.kill();
    },
  };
}

/**
 * Pushing and signing in a registry startTestRegistry started, from any process that has its
 * `env` (the e2e hands it from the global setup to the scenario that signs images).
 */
export function registryClient(opts: { dir: string; env: NodeJS.ProcessEnv; crane: string; cosign: string }): RegistryClient {
  const { dir, env, crane, cosign } = opts;
  const exec = async (file: string, args: string[]) => {
    try {
      return (await run(file, args, { env, cwd: dir, timeout: 120_000 })).stdout;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`${file} ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
    }
  };
  return {
    env,
    async push(repository, content) {
      const layerDir = join(dir, 'layers', repository.replace(/\//g, '_') + '-' + content.length);
      mkdirSync(layerDir, { recursive: true });
      writeFileSync(join(layerDir, 'content.txt'), content);
      const tarball = `${layerDir}.tar`;
      await run('tar', ['-cf', tarball, '-C', layerDir, 'content.txt']);
      const tag = `ghcr.io/${repository}:test-${Date.now()}-${content.length}`;
      await exec(crane, ['append', '--new_layer', tarball, '--new_tag', tag]);
      const digest = (await exec(crane, ['digest', tag])).trim();
      if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`crane digest ${tag} printed '${digest}'`);
      return `ghcr.io/${repository}@${digest}`;
    },
    async keyPair(name) {
      await exec(cosign, ['generate-key-pair', '--output-key-prefix', join(dir, name)]);
      return { key: join(dir, `${name}.key`), pub: join(dir, `${name}.pub`) };
    },
    async sign(image, key) {
      await exec(cosign, ['sign', '--key', key, '--tlog-upload=false', '--yes', image]);
    },
  };
}
