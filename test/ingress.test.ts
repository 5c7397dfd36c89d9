/** The public entry of api-svc: Ingress, TLS via cert-manager, security headers, HSTS, rate limits. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { addonsConfig } from '../config/addons.ts';
import { ingressControllerSettings } from '../config/network.ts';
import { configError, find, objects, rawConfig, renderPlatform } from './helpers.ts';

const platform = loadConfig();
const files = renderPlatform(platform);

interface IngressSpec {
  ingressClassName: string;
  tls: Array<{ hosts: string[]; secretName: string }>;
  rules: Array<{ host: string; http: { paths: Array<{ path: string; backend: { service: { name: string; port: { name: string } } } }> } }>;
}
interface CertificateSpec {
  secretName: string;
  dnsNames: string[];
  issuerRef: { kind: string; name: string; group: string };
  privateKey: { algorithm: string; rotationPolicy: string };
}

describe.each(platform.environments.map((e) => [e.name, e] as const))('the %s Ingress', (name, env) => {
  const prefix = `dist/${name}/ingress/`;
  const ingress = find('Ingress', 'api-svc', prefix, files);
  const spec = ingress.spec as IngressSpec;
  const annotations = ingress.metadata.annotations!;
  const certificate = find('Certificate', 'api-svc-tls', prefix, files);
  const cert = certificate.spec as CertificateSpec;

  it('serves api.<domain> through the nginx class to the http port of api-svc', () => {
    expect(spec.ingressClassName).toBe('nginx');
    expect(spec.rules.map((r) => r.host)).toEqual([`api.${env.domain}`]);
    expect(spec.rules[0]!.http.paths[0]!.backend.service).toEqual({ name: 'api-svc', port: { name: 'http' } });
  });

  it('terminates TLS with the Secret of a Certificate for exactly that host', () => {
    expect(spec.tls).toEqual([{ hosts: [`api.${env.domain}`], secretName: 'api-svc-tls' }]);
    expect(cert.secretName).toBe('api-svc-tls');
    expect(cert.dnsNames).toEqual([`api.${env.domain}`]);
    expect(cert.issuerRef).toEqual({ group: 'cert-manager.io', kind: 'ClusterIssuer', name: env.ingress.issuer });
    expect(cert.privateKey).toMatchObject({ algorithm: 'ECDSA', rotationPolicy: 'Always' });
    // …and that issuer exists.
    expect(find('ClusterIssuer', env.ingress.issuer, 'dist/cluster/ingress/', files).kind).toBe('ClusterIssuer');
  });

  it('redirects plain HTTP and applies body size, timeouts and per-client rate limits from config', () => {
    expect(annotations).toEqual({
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/proxy-body-size': platform.ingress.proxyBodySize,
      'nginx.ingress.kubernetes.io/proxy-connect-timeout': String(platform.ingress.timeouts.connect),
      'nginx.ingress.kubernetes.io/proxy-read-timeout': String(platform.ingress.timeouts.read),
      'nginx.ingress.kubernetes.io/proxy-send-timeout': String(platform.ingress.timeouts.send),
      'nginx.ingress.kubernetes.io/limit-rps': String(env.ingress.rateLimit.rps),
      'nginx.ingress.kubernetes.io/limit-burst-multiplier': String(env.ingress.rateLimit.burstMultiplier),
      'nginx.ingress.kubernetes.io/limit-connections': String(env.ingress.rateLimit.connections),
      // Staging is what the load tests target: their pod network (the cluster's private subnets) is exempt.
      ...(env.name === 'staging' ? { 'nginx.ingress.kubernetes.io/limit-whitelist': '10.10.64.0/18,10.10.128.0/18,10.10.192.0/18' } : {}),
    });
  });

  it('uses no snippet annotation (disabled in current ingress-nginx)', () => {
    expect(Object.keys(annotations).filter((k) => k.includes('snippet'))).toEqual([]);
  });
});

describe('security headers and HSTS', () => {
  const headers = find('ConfigMap', 'flextime-security-headers', 'dist/cluster/ingress/', files);

  it('are a ConfigMap in the controller namespace with the five headers', () => {
    expect(headers.metadata.namespace).toBe('ingress-nginx');
    expect(headers.data).toEqual({
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
      'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
      'Referrer-Policy': 'strict-origin-when-cross-origin',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
    });
  });

  it('are switched on in the ingress-nginx add-on: add-headers names that ConfigMap, HSTS for a year, snippets off', () => {
    const nginx = addonsConfig.find((a) => a.name === 'ingress-nginx')!;
    const config = (nginx.values as { controller: { config: Record<string, string> } }).controller.config;
    expect(config).toMatchObject(ingressControllerSettings);
    expect(config).toMatchObject({
      'add-headers': 'ingress-nginx/flextime-security-headers',
      hsts: 'true',
      'hsts-max-age': '31536000',
      'hsts-include-subdomains': 'true',
      'allow-snippet-annotations': 'false',
      'limit-req-status-code': '429',
    });
  });

  it('refuse a header value that would break out of the nginx directive', () => {
    const raw = rawConfig();
    raw.ingress.securityHeaders['X-Frame-Options'] = 'DENY"; evil';
    expect(() => renderPlatform(loadConfig(raw))).toThrow(`'headers.X-Frame-Options' (DENY"; evil) must not contain quotes, backslashes or line breaks`);
  });
});

describe('ACME ClusterIssuers', () => {
  it('solve DNS-01 in Route 53 with IRSA credentials by default', () => {
    const issuer = find('ClusterIssuer', 'letsencrypt-production', 'dist/cluster/ingress/', files);
    expect(issuer.spec).toEqual({
      acme: {
        server: 'https://acme-v02.api.letsencrypt.org/directory',
        email: 'platform@flextime.app',
        privateKeySecretRef: { name: 'letsencrypt-production-account-key' },
        solvers: [{ dns01: { route53: { region: 'us-east-2' } } }],
      },
    });
  });

  it('solve HTTP-01 through the nginx class when config says so, once the intent table admits the solver pods', () => {
    const raw = rawConfig();
    raw.ingress.acme.solver = { kind: 'http01' };
    expect(configError(raw)).toContain(
      `ingress.acme.solver.kind = "http01": http01 solver pods run in the environment namespaces behind default-deny; add workload 'acme-http01-solver' (port 8089) to network.workloads and a network.allow row from the ingress controller to it, or use dns01-route53`,
    );
    raw.network.workloads.push({ name: 'acme-http01-solver', description: 'cert-manager HTTP-01 solver', ports: { http: 8089 } });
    raw.network.allow.push({ from: 'ingress-nginx', to: 'acme-http01-solver', ports: [{ port: 'http' }], reason: 'ACME HTTP-01 challenge' });
    const rendered = renderPlatform(loadConfig(raw));
    const issuer = find('ClusterIssuer', 'letsencrypt-production', 'dist/cluster/ingress/', rendered);
    expect((issuer.spec as { acme: { solvers: unknown[] } }).acme.solvers).toEqual([
      { http01: { ingress: { ingressClassName: 'nginx', podTemplate: { metadata: { labels: { 'app.kubernetes.io/name': 'acme-http01-solver' } } } } } },
    ]);
    expect(objects('dist/production/network-policies/', rendered).map((o) => o.metadata.name)).toContain('acme-http01-solver');
  });

  it('names an unknown issuer an environment picks', () => {
    const raw = rawConfig();
    raw.environments.find((e) => e.name === 'staging')!.ingress.issuer = 'zerossl';
    expect(configError(raw)).toContain('environments[staging].ingress.issuer = "zerossl": unknown issuer \'zerossl\'; allowed: letsencrypt-production, letsencrypt-staging');
  });
});
