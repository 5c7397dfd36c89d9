/**
 * Scenario 14 — cert-manager issues every certificate the platform serves.
 *
 * Runbook: cert-manager runs for real
 * (e2e/controllers/cert-manager.ts), its ClusterIssuers swapped from ACME to a CA issuer with a
 * key pair made at run time. Look at `kubectl get clusterissuers,certificates -A` and at the TLS
 * Secret of every Ingress.
 *
 * Expected (issue 18): every ClusterIssuer and every Certificate Ready — those of dist/ and those
 * ingress-shim makes for Ingresses with cert-manager annotations; every Ingress TLS Secret exists,
 * is kubernetes.io/tls, chains to the e2e CA, covers the Ingress's hosts and is valid now; each
 * Certificate's Secret carries its dnsNames and key algorithm.
 * Planted defect: a Certificate naming a ClusterIssuer that does not exist must fail the "every
 * Certificate Ready" check, naming it, its issuer and cert-manager's own Ready message.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERT_MANAGER, type CertManagerHandle } from '../controllers/cert-manager.ts';
import { kubePath, type KubeObject } from '../controllers/kube.ts';
import { PLATFORM_SETUP_MS, seconds, type Ctx } from './context.ts';
import { controllerScenario, readyText, ref, waitAllReady } from './ready-conditions.ts';

const READY_WITHIN_MS = 60_000;
const CM = 'cert-manager.io/v1';
/** Annotations that make ingress-shim create a Certificate for an Ingress (cert-manager docs). */
const SHIM_ANNOTATIONS = ['cert-manager.io/issuer', 'cert-manager.io/cluster-issuer', 'kubernetes.io/tls-acme'];
/** cert-manager privateKey.algorithm → node's asymmetricKeyType. */
const KEY_TYPES: Record<string, string> = { RSA: 'rsa', ECDSA: 'ec', Ed25519: 'ed25519' };

let ctx: Ctx;
let cm: CertManagerHandle;
let dist: KubeObject[];

/** The planted defect: a Certificate whose ClusterIssuer does not exist. */
const PLANT = { name: 'e2e-planted-missing-issuer', namespace: 'flextime-development', issuer: 'e2e-planted-no-such-issuer' };

beforeAll(async () => {
  ({ ctx, handle: cm, dist } = await controllerScenario<CertManagerHandle>(CERT_MANAGER));
}, PLATFORM_SETUP_MS);

afterAll(async () => {
  await ctx?.kube.delete(kubePath(CM, 'certificates', PLANT.namespace, PLANT.name)).catch(() => undefined);
});

const issuerOf = (c: KubeObject) => `${c.spec?.issuerRef?.kind ?? 'Issuer'}/${c.spec?.issuerRef?.name}`;

/** Waits until every wanted object (namespace/name) exists and is Ready; fails naming the others. */
function waitReady(plural: string, kind: string, wanted: string[], explain: (name: string, live: KubeObject | undefined) => string | Promise<string>, timeoutMs = READY_WITHIN_MS): Promise<KubeObject[]> {
  return waitAllReady(ctx.kube, { path: kubePath(CM, plural), kind, wanted, timeoutMs, explain });
}

/** cert-manager's own words on a Certificate's newest CertificateRequest (e.g. its issuer not found), or ''. */
async function requestText(c: KubeObject): Promise<string> {
  const reqs = await ctx.kube.list(kubePath(CM, 'certificaterequests', c.metadata!.namespace as string));
  const own = reqs
    .filter((r) => (r.metadata?.ownerReferences ?? []).some((o: { kind: string; name: string }) => o.kind === 'Certificate' && o.name === c.metadata!.name))
    .sort((a, b) => String(a.metadata!.creationTimestamp).localeCompare(String(b.metadata!.creationTimestamp)))
    .at(-1);
  return own ? `; CertificateRequest ${own.metadata!.name}: ${readyText(own)}` : '';
}

/** One line per Certificate that is not Ready: its issuer, its Ready condition, its request's. */
const explainCertificate = (known: readonly KubeObject[]) => async (r: string, l: KubeObject | undefined) => {
  const c = l ?? known.find((x) => ref(x) === r);
  return `${r} (issuer ${c ? issuerOf(c) : '?'}): ${l ? `${readyText(l)}${await requestText(l)}` : 'does not exist (ingress-shim would make it: not compiled into tools/cert-manager, see main.go)'}`;
};

async function tlsSecret(ns: string, name: string): Promise<{ cert?: X509Certificate; problem?: string }> {
  const s = await ctx.kube.find(kubePath('v1', 'secrets', ns, name));
  if (!s) return { problem: `Secret ${ns}/${name} does not exist` };
  if (s.type !== 'kubernetes.io/tls') return { problem: `Secret ${ns}/${name} is ${s.type}, not kubernetes.io/tls` };
  if (!s.data?.['tls.crt'] || !s.data?.['tls.key']) return { problem: `Secret ${ns}/${name} lacks tls.crt or tls.key` };
  return { cert: new X509Certificate(Buffer.from(s.data['tls.crt'], 'base64')) };
}

describe('14 cert-manager', () => {
  it('every ClusterIssuer of dist/ is Ready (served as a CA issuer)', async () => {
    const issuers = dist.filter((o) => o.kind === 'ClusterIssuer' && o.apiVersion === CM).map(ref);
    expect(issuers.length, 'ClusterIssuers rendered in dist/').toBeGreaterThan(0);
    const live = await waitReady('clusterissuers', 'ClusterIssuer', issuers, (r, l) => `${r}: ${readyText(l)}`);
    for (const i of live) expect(Object.keys(i.spec), `${ref(i)} spec (the e2e's substitution)`).toEqual(['ca']);
    console.log(`ClusterIssuers Ready: ${live.map(ref).join(', ')} (substituted: ${cm.substitutedIssuers.join(', ')})`);
  });

  it('every Certificate — of dist/ and from ingress-shim — is Ready', async () => {
    const t0 = Date.now();
    const ingresses = dist.filter((o) => o.kind === 'Ingress');
    // ingress-shim names a Certificate after the TLS entry's secretName.
    const shim = ingresses
      .filter((i) => SHIM_ANNOTATIONS.some((a) => i.metadata?.annotations?.[a]))
      .flatMap((i) => (i.spec?.tls ?? []).map((t: KubeObject) => `${i.metadata!.namespace}/${t.secretName}`));
    const rendered = dist.filter((o) => o.kind === 'Certificate' && o.apiVersion === CM);
    const wanted = [...new Set([...rendered.map(ref), ...shim])];
    expect(wanted.length, 'Certificates rendered in dist/ or expected from ingress-shim').toBeGreaterThan(0);
    const live = await waitReady('certificates', 'Certificate', wanted, explainCertificate(rendered));
    const problems: string[] = [];
    for (const c of live) {
      const { cert, problem } = await tlsSecret(c.metadata!.namespace as string, c.spec.secretName);
      if (!cert) {
        problems.push(`${ref(c)}: ${problem}`);
        continue;
      }
      for (const dns of c.spec.dnsNames ?? []) if (!cert.checkHost(dns)) problems.push(`${ref(c)}: the issued certificate does not cover ${dns} (${cert.subjectAltName})`);
      const want = KEY_TYPES[c.spec.privateKey?.algorithm ?? 'RSA'];
      if (cert.publicKey.asymmetricKeyType !== want) problems.push(`${ref(c)}: key ${cert.publicKey.asymmetricKeyType}, expected ${want} (privateKey.algorithm ${c.spec.privateKey?.algorithm ?? 'RSA'})`);
    }
    expect(problems, 'issued certificates that differ from their Certificate').toEqual([]);
    console.log(`${live.length} Certificates Ready in ${seconds(Date.now() - t0)} (${shim.length} from ingress-shim): ${live.map(ref).join(', ')}`);
  });

  it('every Ingress TLS Secret exists, chains to the issuer CA and covers the Ingress hosts', async () => {
    const ca: KeyObject = new X509Certificate(cm.caCert).publicKey;
    const problems: string[] = [];
    let checked = 0;
    for (const i of dist.filter((o) => o.kind === 'Ingress')) {
      for (const t of i.spec?.tls ?? []) {
        checked++;
        const { cert, problem } = await tlsSecret(i.metadata!.namespace as string, t.secretName);
        if (!cert) {
          problems.push(`Ingress ${ref(i)}: ${problem}`);
          continue;
        }
        if (!cert.verify(ca)) problems.push(`Ingress ${ref(i)}: ${t.secretName} is not signed by the issuer's CA (issuer: ${cert.issuer})`);
        const now = Date.now();
        if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) problems.push(`Ingress ${ref(i)}: ${t.secretName} not valid now (${cert.validFrom} – ${cert.validTo})`);
        for (const host of t.hosts ?? []) if (!cert.checkHost(host)) problems.push(`Ingress ${ref(i)}: ${t.secretName} does not cover host ${host} (${cert.subjectAltName})`);
      }
    }
    expect(checked, 'Ingress TLS entries in dist/').toBeGreaterThan(0);
    expect(problems, 'Ingress TLS Secrets').toEqual([]);
    console.log(`${checked} Ingress TLS Secrets signed by the e2e CA, covering their hosts`);
  });

  it('planted: a Certificate naming a ClusterIssuer that does not exist fails the check, naming it and its issuer', async () => {
    const planted: KubeObject = {
      apiVersion: CM,
      kind: 'Certificate',
      metadata: { name: PLANT.name, namespace: PLANT.namespace, labels: { 'flextime.io/e2e-planted': 'true' } },
      spec: { secretName: PLANT.name, dnsNames: ['planted.dev.flextime.app'], issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: PLANT.issuer }, privateKey: { algorithm: 'ECDSA', size: 256 } },
    };
    await ctx.kube.apply(planted, 'certificates');
    const err = await waitReady('certificates', 'Certificate', [ref(planted)], explainCertificate([planted]), 20_000).then(() => undefined, (e: Error) => e);
    expect(err, `Certificate ${ref(planted)} names ClusterIssuer ${PLANT.issuer}, which does not exist: expected the check to fail`).toBeInstanceOf(Error);
    console.log(`planted ${ref(planted)}: the check fails with\n${err!.message}`);
    expect(err!.message).toContain(`expected every Certificate (1) Ready, saw not Ready: ${ref(planted)}`);
    expect(err!.message).toContain(`${ref(planted)} (issuer ClusterIssuer/${PLANT.issuer}): Ready=False`);
  });
});
