/**
 * The e2e cluster: etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok, all
 * from the pinned builds in .tools/bin, on 127.0.0.1 only, on ephemeral ports. One start/stop
 * API in the spirit of controller-runtime's envtest: `startCluster()` hands out a kubeconfig and
 * a client, `stop()` ends every process (process groups) and removes the work dir. Processes are
 * also stopped on exit, on an uncaught error and on SIGINT/SIGTERM (./processes.ts).
 *
 * The API server runs with the same flags as scripts/verify (scripts/verify.d/kube-apiserver.flags:
 * the default admission plugins + those EKS adds, PodSecurity judging namespaces by their labels),
 * plus what a test cluster needs: short default NotReady/unreachable tolerations, so taint-based
 * eviction after a node is lost takes seconds instead of 5 minutes.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, toolPath } from '../../test/tools.ts';
import { Kube, type Connection } from './kube.ts';
import { freePort } from '../../test/ports.ts';
import { issue, makeCa, openssl } from './pki.ts';
import { onCleanup, startProcess, stopProcess, tail, type Started } from './processes.ts';

export type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';
export const ALL_COMPONENTS: readonly Component[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];

/** Node-loss timings of the test cluster (defaults: seconds, where a real cluster takes minutes). */
export interface Timings {
  /** kwok renews each node's Lease every quarter of this. @default 8 */
  nodeLeaseSeconds: number;
  /** kube-controller-manager marks a node NotReady/Unknown after this long without a lease renewal. @default 10 */
  nodeMonitorGraceSeconds: number;
  /** tolerationSeconds the API server gives every pod for not-ready/unreachable taints (EKS: 300). @default 5 */
  defaultTolerationSeconds: number;
}
export const DEFAULT_TIMINGS: Timings = { nodeLeaseSeconds: 8, nodeMonitorGraceSeconds: 10, defaultTolerationSeconds: 5 };

export interface ClusterOptions {
  /** Which processes to run. @default all of them */
  components?: readonly Component[];
  timings?: Partial<Timings>;
  /**
   * One kwok per zone (`kwok-<zone>`, managing the nodes labelled with that zone), so a zone's
   * "kubelets" can be frozen together (SIGSTOP: no more heartbeats) — a zone outage.
   * @default - one kwok for every node carrying the kwok annotation
   */
  kwokZones?: readonly string[];
  /** Keep the work dir (logs, certificates, kubeconfig) after stop(). @default false */
  keep?: boolean;
  log?: (msg: string) => void;
}

export interface Cluster {
  /** Work dir: kubeconfig, pki/, <component>.log. */
  dir: string;
  kubeconfig: string;
  connection: Connection;
  kube: Kube;
  /** pid (= process group id) of each running component. */
  pids: Record<string, number>;
  timings: Timings;
  /** Seconds each component took to become ready. */
  startup: Record<string, number>;
  stop(): Promise<void>;
}

/** Throw-away cluster CA and API server certificate for 127.0.0.1, front proxy, service-account key pair, admin token. */
function makePki(dir: string): { token: string; ca: string } {
  const ca = makeCa(dir, 'cluster');
  issue(ca, 'apiserver', { ips: ['127.0.0.1'], dns: ['localhost', 'kubernetes.default.svc'] }, 'kube-apiserver');
  // The aggregation layer's front proxy (as on EKS): the API server presents this client
  // certificate to aggregated API servers (KEDA's metrics server), which trust the CA through the
  // extension-apiserver-authentication ConfigMap the API server publishes.
  issue(makeCa(dir, 'front-proxy'), 'front-proxy-client', {});
  openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key');
  openssl(dir, 'ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
  const token = execFileSync('openssl', ['rand', '-hex', '24'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'tokens.csv'), `${token},flextime-e2e,flextime-e2e,"system:masters"\n`);
  return { token, ca: ca.cert };
}

/** The API server flags scripts/verify uses too (one file, read by both). */
export function sharedApiServerFlags(): string[] {
  return readFileSync(join(ROOT, 'scripts/verify.d/kube-apiserver.flags'), 'utf8')
    .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** GET url until it answers 2xx, or fail with the component's log when it exits or times out. */
async function waitHealthy(name: string, url: string, proc: Started, timeoutMs: number, headers: Record<string, string> = {}, ca?: Buffer): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = https.get(url, { headers, ...(ca ? { ca } : { rejectUnauthorized: false }), timeout: 2000 }, (res) => {
        res.resume();
        resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => { req.destroy(); resolve(false); });
    });
    if (ok) return;
    if (exited) throw new Error(`${name} exited during start-up; last lines of ${proc.log}:\n${tail(proc.log)}`);
    if (Date.now() > deadline) throw new Error(`${name}: expected ${url} to answer 200 within ${timeoutMs / 1000} s; last lines of ${proc.log}:\n${tail(proc.log)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const components = new Set(opts.components ?? ALL_COMPONENTS);
  const timings = { ...DEFAULT_TIMINGS, ...opts.timings };
  const log = opts.log ?? ((m: string) => process.stderr.write(`[e2e-cluster] ${m}\n`));
  for (const c of components) {
    const bin = toolPath(c);
    try { execFileSync(bin, ['--version'], { stdio: 'ignore' }); } catch {
      throw new Error(`${c} not found or not runnable at ${bin}; run scripts/install-tools`);
    }
  }
  const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'flextime-e2e.'));
  const procs: Started[] = [];
  const startup: Record<string, number> = {};
  let kube: Kube | undefined;
  const removeDir = (): void => {
    if (opts.keep) return;
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (e) {
      log(`could not remove ${dir}: ${(e as Error).message}`);
    }
  };
  const unregister = onCleanup(removeDir);
  const stop = async (): Promise<void> => {
    kube?.close();
    // Clients first (all at once), then the API server, then etcd.
    await Promise.all(procs.slice(2).map((p) => stopProcess(p)));
    for (const p of procs.slice(0, 2).reverse()) await stopProcess(p);
    unregister();
    removeDir();
    if (opts.keep) log(`kept ${dir}`);
  };
  try {
    const t0 = Date.now();
    const pki = join(dir, 'pki');
    const { token, ca: caFile } = makePki(pki);
    const [etcdPort, etcdPeer, apiPort, kcmPort, schedPort] = await Promise.all(Array.from({ length: 5 }, freePort));

    // etcd
    const etcd = startProcess('etcd', toolPath('etcd'), [
      '--name', 'e2e', '--data-dir', join(dir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdPort}`, '--advertise-client-urls', `http://127.0.0.1:${etcdPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster', `e2e=http://127.0.0.1:${etcdPeer}`, '--unsafe-no-fsync', '--log-level', 'warn',
    ], join(dir, 'etcd.log'));
    procs.push(etcd);
    await waitHttp('etcd', `http://127.0.0.1:${etcdPort}/health`, etcd, 30_000);
    startup.etcd = (Date.now() - t0) / 1000;

    // kube-apiserver
    const ca = readFileSync(caFile);
    const api = startProcess('kube-apiserver', toolPath('kube-apiserver'), [
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--tls-cert-file=${pki}/apiserver.crt`, `--tls-private-key-file=${pki}/apiserver.key`,
      `--cert-dir=${pki}`, `--client-ca-file=${caFile}`, `--token-auth-file=${pki}/tokens.csv`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki}/sa.pub`, `--service-account-signing-key-file=${pki}/sa.key`,
      ...sharedApiServerFlags(),
      // Aggregation layer (EKS enables it): front-proxy identity for aggregated APIs.
      `--requestheader-client-ca-file=${pki}/front-proxy-ca.crt`, '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group', '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki}/front-proxy-client.crt`, `--proxy-client-key-file=${pki}/front-proxy-client.key`,
      `--default-not-ready-toleration-seconds=${timings.defaultTolerationSeconds}`,
      `--default-unreachable-toleration-seconds=${timings.defaultTolerationSeconds}`,
    ], join(dir, 'kube-apiserver.log'));
    procs.push(api);
    const t1 = Date.now();
    await waitHealthy('kube-apiserver', `https://127.0.0.1:${apiPort}/readyz`, api, 120_000, { Authorization: `Bearer ${token}` }, ca);
    startup['kube-apiserver'] = (Date.now() - t1) / 1000;

    const connection: Connection = { server: `https://127.0.0.1:${apiPort}`, token, caFile };
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config',
      'clusters:', '- name: e2e', `  cluster: {server: "${connection.server}", certificate-authority: "${connection.caFile}"}`,
      'users:', '- name: e2e', `  user: {token: "${token}"}`,
      'contexts:', '- name: e2e', '  context: {cluster: e2e, user: e2e}', 'current-context: e2e', '',
    ].join('\n'));
    chmodSync(kubeconfig, 0o600);
    kube = new Kube(connection);
    const auth = [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`];

    const waits: Promise<void>[] = [];
    if (components.has('kube-controller-manager')) {
      const kcm = startProcess('kube-controller-manager', toolPath('kube-controller-manager'), [
        ...auth, '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`, `--cert-dir=${join(dir, 'kcm')}`,
        '--leader-elect=false', '--cluster-name=flextime-e2e',
        // Service-account tokens and the kube-root-ca.crt ConfigMap in every namespace.
        `--service-account-private-key-file=${pki}/sa.key`, `--root-ca-file=${caFile}`,
        // Node lifecycle: a node whose Lease is not renewed for the grace period turns Unknown and
        // gets the unreachable NoExecute taint at once (no rate limit worth the name), so its pods
        // are evicted after defaultTolerationSeconds. Zones come from topology.kubernetes.io/zone.
        '--node-monitor-period=1s', `--node-monitor-grace-period=${timings.nodeMonitorGraceSeconds}s`,
        '--node-eviction-rate=100', '--secondary-node-eviction-rate=100', '--large-cluster-size-threshold=1',
        '--node-startup-grace-period=30s',
        '--horizontal-pod-autoscaler-sync-period=5s',
        '--v=1',
      ], join(dir, 'kube-controller-manager.log'));
      procs.push(kcm);
      const t = Date.now();
      waits.push(waitHealthy('kube-controller-manager', `https://127.0.0.1:${kcmPort}/healthz`, kcm, 60_000).then(() => { startup['kube-controller-manager'] = (Date.now() - t) / 1000; }));
    }
    if (components.has('kube-scheduler')) {
      const sched = startProcess('kube-scheduler', toolPath('kube-scheduler'), [
        ...auth, '--bind-address=127.0.0.1', `--secure-port=${schedPort}`, `--cert-dir=${join(dir, 'scheduler')}`,
        '--leader-elect=false', '--v=1',
      ], join(dir, 'kube-scheduler.log'));
      procs.push(sched);
      const t = Date.now();
      waits.push(waitHealthy('kube-scheduler', `https://127.0.0.1:${schedPort}/healthz`, sched, 60_000).then(() => { startup['kube-scheduler'] = (Date.now() - t) / 1000; }));
    }
    if (components.has('kwok')) {
      // kwok's own config only, never ~/.kwok/kwok.yaml: default node stages (node-initialize,
      // heartbeat), the pod stages of ./kwok-stages.yaml (kwok's defaults + pods Ready again when
      // their node comes back), leases renewed every nodeLeaseSeconds / 4.
      const kwokConfig = join(dir, 'kwok.yaml');
      writeFileSync(kwokConfig, `apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\noptions: {}\n---\n${readFileSync(join(import.meta.dirname, 'kwok-stages.yaml'), 'utf8')}`);
      const shards: Array<[string, string]> = opts.kwokZones?.length
        ? opts.kwokZones.map((z) => [`kwok-${z}`, `--manage-nodes-with-label-selector=topology.kubernetes.io/zone=${z}`])
        : [['kwok', `--manage-nodes-with-annotation-selector=${KWOK_MANAGED_ANNOTATION}=fake`]];
      // Each kwok its own pod CIDR (a /18 of 10.244.0.0/16), so pod IPs stay unique.
      for (const [i, [name, selector]] of shards.entries()) {
        const port = await freePort();
        const kwok = startProcess(name, toolPath('kwok'), [
          `--config=${kwokConfig}`, `--kubeconfig=${kubeconfig}`, selector,
          `--node-lease-duration-seconds=${timings.nodeLeaseSeconds}`,
          `--server-address=127.0.0.1:${port}`, `--cidr=10.244.${i * 64}.0/18`, '--node-ip=127.0.0.1',
        ], join(dir, `${name}.log`), { ...process.env, HOME: dir });
        procs.push(kwok);
        const t = Date.now();
        waits.push(waitHttp(name, `http://127.0.0.1:${port}/healthz`, kwok, 60_000).then(() => { startup[name] = (Date.now() - t) / 1000; }));
      }
    }
    await Promise.all(waits);
    const pids = Object.fromEntries(procs.map((p) => [p.name, p.pid]));
    log(`${[...components].join(' + ')} ready on ${connection.server} in ${((Date.now() - t0) / 1000).toFixed(1)} s (work dir ${dir})`);
    return { dir, kubeconfig, connection, kube, pids, timings, startup, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Without kwokZones, kwok manages the nodes that carry this annotation (= "fake"). */
export const KWOK_MANAGED_ANNOTATION = 'kwok.x-k8s.io/node';

async function waitHttp(name: string, url: string, proc: Started, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
    } catch { /* not yet */ }
    if (exited) throw new Error(`${name} exited during start-up; last lines of ${proc.log}:\n${tail(proc.log)}`);
    if (Date.now() > deadline) throw new Error(`${name}: expected ${url} to answer 200 within ${timeoutMs / 1000} s; last lines of ${proc.log}:\n${tail(proc.log)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
