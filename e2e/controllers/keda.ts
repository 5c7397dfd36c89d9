/**
 * KEDA in the e2e, for real: the operator and the metrics API server of the release the keda
 * add-on chart deploys (2.17.2, tools/keda), as local processes against the e2e API server,
 * with real Redis servers behind every rendered trigger (keda-redis.ts).
 *
 * The path a queue takes to a replica count is the one on EKS: KEDA creates the HPA of each
 * ScaledObject; kube-controller-manager's HPA controller reads the external metric through the
 * aggregation layer (APIService v1beta1.external.metrics.k8s.io → the metrics server, which
 * asks the operator over its mTLS gRPC link, which reads the Redis list) and scales the target.
 *
 * Wiring that differs from the chart, each listed in `differences`:
 * - the APIService's Service is an ExternalName 127.0.0.1 (no kube-proxy here: the aggregator
 *   dials a ClusterIP Service's ClusterIP, an ExternalName Service's name);
 * - one throw-away CA: the metrics server's serving certificate (for the Service's DNS name,
 *   which the aggregator checks), the gRPC link's mTLS certificate, production Redis's TLS
 *   certificate (KEDA trusts it through its own --ca-dir);
 * - KEDA resolves cluster names through the e2e's DNS (cluster-dns.ts, E2E_DNS).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolPath } from '../../test/tools.ts';
import { startClusterDns } from './cluster-dns.ts';
import { readRedisTriggers, startRedis, type RedisEndpoint, type RedisServer } from './keda-redis.ts';
import { followServerSecret, writeStandInSecrets } from './keda-secrets.ts';
import { kubePath } from './kube.ts';
import { makeCa, issue } from '../cluster/pki.ts';
import type { ControllerContext, ControllerEntry, PlatformController } from './platform-controllers.ts';
import { freePort, startProcess, type Proc } from './processes.ts';

export const KEDA_VERSION = '2.17.2';
export const KEDA_NAMESPACE = 'keda';
/** The chart's names (keda chart 2.17.2, release "keda"). */
export const METRICS_SERVICE = 'keda-operator-metrics-apiserver';
export const EXTERNAL_METRICS_APISERVICE = 'v1beta1.external.metrics.k8s.io';
/** The operator's LeaderElectionID (KEDA cmd/operator/main.go), in its POD_NAMESPACE. */
const OPERATOR_LEASE = 'operator.keda.sh';
/** A platform controller by this name writes the Secrets ExternalSecrets describe. */
const EXTERNAL_SECRETS_CONTROLLER = /external.?secrets|^eso$/i;

/** What scenario files get as `inject('gitops').controllers.keda`. */
export interface KedaHandle extends Record<string, unknown> {
  readonly redis: Record<string, RedisEndpoint>;
  readonly operatorLog: string;
  readonly adapterLog: string;
  /** Whether the e2e wrote the Secrets (no External Secrets controller in this run). */
  readonly standInSecrets: boolean;
  /** The operator's leader Lease (--leader-elect): renewed every 2 s while it runs. */
  readonly operatorLease: { readonly namespace: string; readonly name: string };
}

async function waitHttpOk(proc: Proc, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.started.exited.then(() => (exited = true));
  for (;;) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch { /* not listening yet */ }
    if (exited) throw new Error(`${proc.name} exited during start-up:\n${proc.tail(30)}`);
    if (Date.now() > deadline) throw new Error(`expected ${proc.name} to answer ${url} within ${timeoutMs / 1000} s:\n${proc.tail(30)}`);
    await new Promise((r) => setTimeout(r, 200)); // no event for "ready": ask again shortly
  }
}

async function start(ctx: ControllerContext): Promise<PlatformController> {
  const { kube, log } = ctx;
  const operatorBin = toolPath('keda-operator');
  const adapterBin = toolPath('keda-adapter');
  for (const b of [operatorBin, adapterBin]) if (!existsSync(b)) throw new Error(`${b} missing: run scripts/install-tools keda`);
  mkdirSync(ctx.workDir, { recursive: true });
  const t0 = Date.now();
  const stops: Array<() => Promise<void> | void> = [];
  const abort = new AbortController();
  stops.push(() => abort.abort());
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const dns = await startClusterDns();
    stops.push(() => dns.stop());

    // Certificates: the operator's and metrics server's (one, as the chart's kedaorg-certs).
    const ca = makeCa(join(ctx.workDir, 'pki'), 'keda');
    const svcNames = ['keda-operator', METRICS_SERVICE, 'keda-admission-webhooks'].flatMap((s) => [`${s}.${KEDA_NAMESPACE}.svc`, `${s}.${KEDA_NAMESPACE}.svc.cluster.local`]);
    const leaf = issue(ca, 'keda', { dns: svcNames, ips: ['127.0.0.1'] }, 'keda-operator');
    const certDir = join(ctx.workDir, 'certs');
    mkdirSync(certDir, { recursive: true });
    writeFileSync(join(certDir, 'ca.crt'), readFileSync(ca.cert));
    writeFileSync(join(certDir, 'tls.crt'), readFileSync(leaf.cert));
    writeFileSync(join(certDir, 'tls.key'), readFileSync(leaf.key), { mode: 0o600 });
    // KEDA's --ca-dir: CAs its scalers trust beyond the system roots (production Redis's).
    const caDir = join(ctx.workDir, 'scaler-ca');
    mkdirSync(caDir, { recursive: true });
    const redisCa = makeCa(join(ctx.workDir, 'redis'), 'redis');
    writeFileSync(join(caDir, 'redis-ca.crt'), readFileSync(redisCa.cert));

    // Redis behind every trigger, named by the cluster DNS.
    const triggers = readRedisTriggers(ctx.root);
    const servers: RedisServer[] = await Promise.all(triggers.map((t) => startRedis(t, { dir: join(ctx.workDir, 'redis'), ca: redisCa, name: t.namespace })));
    for (const s of servers) {
      stops.push(() => s.proc.stop());
      dns.map(s.endpoint.host, s.endpoint.ip);
    }
    const { PLATFORM_CONTROLLERS } = await import('./platform-controllers.ts');
    const standIn = !PLATFORM_CONTROLLERS.some((e) => EXTERNAL_SECRETS_CONTROLLER.test(e.name));
    for (const s of servers) {
      if (standIn) {
        void writeStandInSecrets(kube, s.endpoint, abort.signal)
          .then((w) => w.length && log(`keda: stand-in Secrets written: ${w.join(', ')}`))
          .catch((e) => !abort.signal.aborted && log(`keda: stand-in Secrets for ${s.endpoint.namespace}: ${(e as Error).message}`));
      }
      void followServerSecret(kube, s.endpoint, abort.signal, log);
    }

    // The operator: scalers, the HPAs, the gRPC metrics service.
    const [grpcPort, probePort, opMetricsPort, securePort, adMetricsPort] = await Promise.all(Array.from({ length: 5 }, freePort));
    const env = { ...dns.env(), KUBECONFIG: ctx.cluster.kubeconfig, WATCH_NAMESPACE: '', POD_NAMESPACE: KEDA_NAMESPACE, KEDA_CLUSTER_OBJECT_NAMESPACE: KEDA_NAMESPACE };
    const operator = startProcess('keda-operator', operatorBin, [
      `--kubeconfig=${ctx.cluster.kubeconfig}`,
      '--leader-elect=true',
      `--metrics-bind-address=127.0.0.1:${opMetricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${probePort}`,
      `--metrics-service-bind-address=127.0.0.1:${grpcPort}`,
      `--cert-dir=${certDir}`,
      `--ca-dir=${caDir}`,
      '--enable-cert-rotation=false',
      '--enable-webhook-patching=false',
      '--zap-log-level=info',
      '--zap-encoder=console',
    ], { logFile: join(ctx.workDir, 'keda-operator.log'), env });
    stops.push(() => operator.stop());

    // The metrics API server, behind the aggregation layer.
    const adapter = startProcess('keda-adapter', adapterBin, [
      `--lister-kubeconfig=${ctx.cluster.kubeconfig}`,
      `--authentication-kubeconfig=${ctx.cluster.kubeconfig}`,
      `--authorization-kubeconfig=${ctx.cluster.kubeconfig}`,
      `--kubeconfig=${ctx.cluster.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${securePort}`,
      `--tls-cert-file=${join(certDir, 'tls.crt')}`,
      `--tls-private-key-file=${join(certDir, 'tls.key')}`,
      `--cert-dir=${certDir}`,
      `--metrics-service-address=127.0.0.1:${grpcPort}`,
      `--port=${adMetricsPort}`,
      '--v=0',
    ], { logFile: join(ctx.workDir, 'keda-adapter.log'), env });
    stops.push(() => adapter.stop());

    const svcPath = kubePath('v1', 'services', KEDA_NAMESPACE, METRICS_SERVICE);
    await kube.apply({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: METRICS_SERVICE, namespace: KEDA_NAMESPACE, labels: { 'app.kubernetes.io/name': METRICS_SERVICE } },
      spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port: securePort, protocol: 'TCP' }] },
    }, 'services');
    stops.push(async () => void (await kube.delete(svcPath).catch(() => undefined)));
    const apiServicePath = kubePath('apiregistration.k8s.io/v1', 'apiservices', undefined, EXTERNAL_METRICS_APISERVICE);
    await kube.apply({
      apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService',
      metadata: { name: EXTERNAL_METRICS_APISERVICE, labels: { 'app.kubernetes.io/name': 'keda-operator' } },
      spec: {
        service: { name: METRICS_SERVICE, namespace: KEDA_NAMESPACE, port: securePort },
        group: 'external.metrics.k8s.io', version: 'v1beta1',
        caBundle: readFileSync(ca.cert).toString('base64'),
        groupPriorityMinimum: 100, versionPriority: 100,
      },
    }, 'apiservices');
    stops.push(async () => void (await kube.delete(apiServicePath).catch(() => undefined)));

    // A controller that dies later must say so where the run's output is read, not only in its log.
    let stopping = false;
    stops.push(() => void (stopping = true));
    for (const p of [operator, adapter]) {
      void p.started.exited.then(({ code, signal }) => !stopping && log(`keda: ${p.name} EXITED (${code ?? signal}); last lines of ${p.logFile}:\n${p.tail(8)}`));
    }
    await waitHttpOk(operator, `http://127.0.0.1:${probePort}/readyz`, 60_000);
    await kube.waitFor({
      path: kubePath('apiregistration.k8s.io/v1', 'apiservices'), name: EXTERNAL_METRICS_APISERVICE,
      what: `APIService ${EXTERNAL_METRICS_APISERVICE} Available (KEDA's metrics server behind the aggregator)`, timeoutMs: 60_000,
      describe: ([a]) => JSON.stringify(a?.status?.conditions?.find((c: { type: string }) => c.type === 'Available') ?? 'no status') + `\n${adapter.tail(10)}`,
    }, ([a]) => (a?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Available' && c.status === 'True') ? a : undefined));
    log(`keda: operator + metrics server ${KEDA_VERSION} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; Redis ${servers.map((s) => `${s.endpoint.host}:${s.endpoint.port} → ${s.endpoint.ip}${s.endpoint.tls ? ' (TLS)' : ''}`).join(', ')}`);

    const handle: KedaHandle = {
      redis: Object.fromEntries(servers.map((s) => [s.endpoint.namespace, s.endpoint])),
      operatorLog: operator.logFile,
      adapterLog: adapter.logFile,
      standInSecrets: standIn,
      operatorLease: { namespace: KEDA_NAMESPACE, name: OPERATOR_LEASE },
    };
    return {
      name: 'keda',
      assesses: [{ group: 'keda.sh', kind: 'ScaledObject' }],
      differences: [
          `keda: operator and metrics server ${KEDA_VERSION} (the keda chart's appVersion) run as local processes (.tools/bin/keda-operator, keda-adapter); the chart is not rendered (CRDs only, at the CRD version verify checks); the e2e registers APIService ${EXTERNAL_METRICS_APISERVICE} itself, its Service an ExternalName 127.0.0.1 (no kube-proxy)`,
          `keda: cluster names resolve through the e2e's DNS (E2E_DNS, added to both binaries with go build -overlay): ${servers.map((s) => `${s.endpoint.host} → ${s.endpoint.ip}`).join(', ')}`,
          `keda: one local redis-server per trigger address stands in for the Redis StatefulSet / ElastiCache; TLS ones (${servers.filter((s) => s.endpoint.tls).map((s) => s.endpoint.namespace).join(', ') || 'none'}) with a throw-away CA KEDA trusts through --ca-dir (ElastiCache: Amazon's CA in the system roots)`,
          ...(standIn
            ? [`keda: no External Secrets controller in this run: the e2e writes the Redis password Secrets ExternalSecrets would (one run-time password per namespace): ${[...new Set(servers.flatMap((s) => [s.endpoint.passwordSecret, s.endpoint.serverSecret].map((x) => `${s.endpoint.namespace}/${x.name}`)))].join(', ')}`]
            : []),
        ],
      handle,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export const KEDA: ControllerEntry = { name: 'keda', start };
