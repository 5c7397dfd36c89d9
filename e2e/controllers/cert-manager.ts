/**
 * cert-manager's controllers, for real: the binary tools/cert-manager builds (v1.21.1, the
 * release of the add-on's chart; tools/cert-manager/main.go says why its own main and which
 * controllers: Certificates, Issuers, ClusterIssuers, CA and self-signed CertificateRequests),
 * run as a local process against the e2e API server.
 *
 * The one substitution (issue 18): ACME (Let's Encrypt with Route 53 DNS-01) is out of reach,
 * so each rendered ClusterIssuer with an `acme` block is served as a CA issuer instead (name,
 * labels as rendered). Its CA key pair is made at run time with openssl and stored in the
 * Secret CA_SECRET in the cluster resource namespace (the add-on's namespace, where the chart
 * points --cluster-resource-namespace), before the controller starts.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { toolPath } from '../../test/tools.ts';
import { makeCa } from '../cluster/pki.ts';
import { walkYaml } from './addons.ts';
import type { RepoSubstitution } from './git-server.ts';
import { kubePath, type KubeObject } from './kube.ts';
import type { ControllerEntry, PlatformController } from './platform-controllers.ts';
import { startProcess } from './processes.ts';

export const CERT_MANAGER = 'cert-manager';
const BINARY = 'cert-manager-controller';
const GROUP = 'cert-manager.io';
/** The Secret holding the e2e's CA key pair, which the substituted ClusterIssuers sign with. */
export const CA_SECRET = 'e2e-ca-key-pair';
/** The chart's --leader-election-namespace default. */
const LEASE_NAMESPACE = 'kube-system';
const LEASE = 'cert-manager-controller';

/** What scenario 13 gets (vitest provide: serialisable). */
export interface CertManagerHandle {
  readonly logFile: string;
  /** PEM of the e2e CA (public certificate only): issued certificates must chain to it. */
  readonly caCert: string;
  /** ClusterIssuers served as CA issuers. */
  readonly substitutedIssuers: string[];
}

function substitutions(root: string): RepoSubstitution[] {
  return walkYaml(join(root, 'dist')).flatMap((file) => {
    const obj = parseYaml(readFileSync(file, 'utf8')) as KubeObject;
    if (obj?.kind !== 'ClusterIssuer' || obj.apiVersion?.split('/')[0] !== GROUP || !obj.spec?.acme) return [];
    const server = obj.spec.acme.server;
    obj.spec = { ca: { secretName: CA_SECRET } };
    return [{
      file: relative(root, file),
      content: `# Substituted by the e2e (e2e/controllers/cert-manager.ts): ACME → CA issuer, key pair made at run time.\n${stringify(obj)}`,
      reason: `ClusterIssuer ${obj.metadata?.name}: ACME (${server}, out of reach) → CA issuer with a key pair made at run time (Secret ${CA_SECRET})`,
    }];
  });
}

async function start(ctx: Parameters<ControllerEntry['start']>[0]): Promise<PlatformController> {
  const addon = ctx.addons.find((a) => a.chart === CERT_MANAGER);
  if (!addon) throw new Error(`no ${CERT_MANAGER} add-on in argocd/apps: nothing says which namespace holds the ClusterIssuers' Secrets`);
  if (!existsSync(toolPath(BINARY))) throw new Error(`${toolPath(BINARY)} missing: run scripts/install-tools cert-manager`);
  mkdirSync(ctx.workDir, { recursive: true });
  // Ten years, so no certificate cert-manager issues is cut short by its CA.
  const paths = makeCa(ctx.workDir, 'issuer', 3650);
  const ca = { crt: readFileSync(paths.cert, 'utf8'), key: readFileSync(paths.key, 'utf8') };
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  await ctx.kube.apply(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: CA_SECRET, namespace: addon.namespace, labels: { 'flextime.io/e2e-stand-in': 'cert-manager-ca-issuer' } },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(ca.crt), 'tls.key': b64(ca.key), 'ca.crt': b64(ca.crt) },
    },
    'secrets',
  );
  const proc = startProcess(CERT_MANAGER, toolPath(BINARY), [
    `--kubeconfig=${ctx.cluster.kubeconfig}`,
    `--cluster-resource-namespace=${addon.namespace}`,
    `--leader-election-namespace=${LEASE_NAMESPACE}`,
    '--v=2',
  ], { logFile: join(ctx.workDir, 'cert-manager.log') });
  // Running = holding the leader Lease (the controllers start right after); fail at once if it exits.
  const abort = new AbortController();
  const exited = proc.started.exited.then(({ code, signal }) => {
    throw new Error(`${BINARY} exited (${code ?? signal}) before taking the Lease ${LEASE_NAMESPACE}/${LEASE}:\n${proc.tail()}`);
  });
  try {
    await Promise.race([
      exited,
      ctx.kube.waitFor(
        { path: kubePath('coordination.k8s.io/v1', 'leases', LEASE_NAMESPACE), name: LEASE, what: `Lease ${LEASE_NAMESPACE}/${LEASE} held by the e2e's cert-manager`, timeoutMs: 60_000, signal: abort.signal },
        ([l]) => (l?.spec?.holderIdentity?.endsWith('-external-cert-manager-controller') ? true : undefined),
      ),
    ]);
  } catch (e) {
    abort.abort();
    await proc.stop();
    throw e;
  } finally {
    abort.abort();
    exited.catch(() => {}); // after a normal stop
  }
  ctx.log(`cert-manager: controller running, CA issuer Secret ${addon.namespace}/${CA_SECRET} (log ${proc.logFile})`);
  const handle: CertManagerHandle = {
    logFile: proc.logFile,
    caCert: ca.crt,
    substitutedIssuers: substitutions(ctx.root).map((s) => (parseYaml(s.content) as KubeObject).metadata!.name as string),
  };
  return {
    name: CERT_MANAGER,
    assesses: ['Certificate', 'ClusterIssuer'].map((kind) => ({ group: GROUP, kind })),
    differences: [
      `cert-manager: v1.21.1's Certificate, Issuer, ClusterIssuer and CA/self-signed CertificateRequest controllers (.tools/bin/${BINARY}, wired by tools/cert-manager/main.go) run as one local process under the chart's Lease ${LEASE_NAMESPACE}/${LEASE}; no webhook (cert-manager defaults and validates nothing on admission), no cainjector, no metrics server`,
      'cert-manager: ACME (Orders, Challenges, HTTP-01/DNS-01 solvers), Vault and Venafi issuers and ingress-shim are not compiled in (the e2e serves the ACME issuers as CA issuers; the platform\'s Ingresses carry no cert-manager annotation, their Certificates are rendered)',
    ],
    handle: handle as unknown as Record<string, unknown>,
    stop: () => proc.stop(),
  };
}

export const CERT_MANAGER_CONTROLLER: ControllerEntry = { name: CERT_MANAGER, substitutions, start };
