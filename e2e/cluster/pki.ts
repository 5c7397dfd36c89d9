/**
 * Throw-away certificates for the e2e, made with openssl (as scripts/verify does): a CA per
 * purpose (the cluster's, the aggregation layer's front proxy, each local controller's), and leaf
 * certificates with the names a client checks (127.0.0.1 for the API server and webhooks, a
 * Service's DNS name for the aggregator, an ElastiCache endpoint for KEDA's Redis client, a public
 * host for the upstream proxy). Keys stay in the run's work dir, which the run removes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Ca {
  readonly dir: string;
  readonly name: string;
  /** PEM file of the CA certificate. */
  readonly cert: string;
  readonly key: string;
}

export interface Leaf {
  readonly cert: string;
  readonly key: string;
}

export function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A CA (EC P-256, the CA extensions written out as a CA signer checks them). `days`: one for the
 * certificates the e2e issues itself; an issuer that sets its own durations (cert-manager's CA
 * issuer cuts every certificate at the CA's expiry) gets longer.
 */
export function makeCa(dir: string, name: string, days = 1): Ca {
  mkdirSync(dir, { recursive: true });
  openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}-ca.key`);
  openssl(dir, 'req', '-x509', '-new', '-key', `${name}-ca.key`, '-sha256', '-days', String(days), '-subj', `/CN=flextime-e2e-${name}-ca`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', `${name}-ca.crt`);
  return { dir, name, cert: join(dir, `${name}-ca.crt`), key: join(dir, `${name}-ca.key`) };
}

/** A certificate signed by `ca` for the given DNS names and IPs (serverAuth and clientAuth). */
export function issue(ca: Ca, name: string, sans: { dns?: readonly string[]; ips?: readonly string[] }, cn = name): Leaf {
  const { dir } = ca;
  const alt = [...(sans.dns ?? []).map((d) => `DNS:${d}`), ...(sans.ips ?? []).map((i) => `IP:${i}`)].join(',');
  openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  openssl(dir, 'req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
  writeFileSync(join(dir, `${name}.ext`), `${alt ? `subjectAltName=${alt}\n` : ''}extendedKeyUsage=serverAuth,clientAuth\n`);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '1', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}
