/**
 * Schema of the network (docs/network.md): the NetworkPolicy intent table and the public Ingress
 * of api-svc with its TLS issuer and headers. Part of the platform schema in ./schema.ts
 * (`network`, `ingress`, and the per-environment `network`, `ingress`). People's access (SSO,
 * RBAC) is in ./schema-access.ts, the cluster VPC the policies' ranges come from in ./schema-vpc.ts.
 *
 * This module must not import ./schema.ts (schema.ts imports it). Rules that look at other
 * sections (workload names, environments, redis) are in `checkNetwork` below, which schema.ts
 * calls from the platform's superRefine, so every error carries the full field path.
 */
import { z } from 'zod';
import { canonicalCidr, parseCidr } from '../lib/values/cidr.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const name = z.string().regex(DNS_LABEL, 'must be a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)');
const ENVIRONMENTS = ['development', 'staging', 'production'] as const;

// ------------------------------------------------------------------ ports and addresses

/** IANA_SVC_NAME: how Kubernetes names a container port (`http`, `metrics`). */
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;
const portNameMessage = 'must be a port name (at most 15 lower-case letters, digits and "-", with a letter), such as "metrics"';
export const portName = z.string().regex(PORT_NAME, portNameMessage);
export const portNumber = z.number().int('must be a whole port number').min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535');

/** A port by number (`6432`) or by the destination's container port name (`metrics`). */
export const portRef = z.union([z.number(), z.string()]).superRefine((v, ctx) => {
  if (typeof v === 'number' && !(Number.isInteger(v) && v >= 1 && v <= 65535)) {
    ctx.addIssue({ code: 'custom', message: 'must be a port number between 1 and 65535 or a port name such as "metrics"' });
  }
  if (typeof v === 'string' && !PORT_NAME.test(v)) ctx.addIssue({ code: 'custom', message: portNameMessage });
});

export const protocol = z.enum(['TCP', 'UDP', 'SCTP']);

/** An IPv4 or IPv6 network in canonical form (no host bits set). */
export const cidr = z.string().superRefine((v, ctx) => {
  if (parseCidr(v)) return;
  const canonical = canonicalCidr(v);
  ctx.addIssue({
    code: 'custom',
    message: canonical ? `has host bits set; write the network as "${canonical}"` : 'must be a CIDR such as "10.0.0.0/16"',
  });
});

const labelKey = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a label key such as "app.kubernetes.io/name"');
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'must be a label value (at most 63 letters, digits, "-", "_", ".")');

// ------------------------------------------------------------------ the intent table

/** One allowed connection: `from` may open connections to `to` on `ports`. Nothing else is allowed. */
export const allowRule = z.object({
  /** A workload (from `services` or `network.workloads`), a `network.clusterPeers` or `network.cidrPeers` name. */
  from: name,
  to: name,
  ports: z.array(z.object({ port: portRef, protocol: protocol.default('TCP') }).strict()).min(1),
  /** Why the connection exists; shown in docs/network.md and the policy's annotation. */
  reason: z.string().min(1),
}).strict();
export type AllowRule = z.infer<typeof allowRule>;

export const network = z.object({
  /**
   * Pods in the environment namespaces besides `services` (their ports come from `services`),
   * selected by `app.kubernetes.io/name: <name>`, with the container ports rules may name.
   */
  workloads: z.array(z.object({
    name,
    description: z.string().min(1),
    ports: z.record(z.string().regex(PORT_NAME, portNameMessage), portNumber).default({}),
    /**
     * Environments that run it.
     * @default - every environment
     */
    environments: z.array(z.enum(ENVIRONMENTS)).min(1).optional(),
  }).strict()),
  /** Pods outside the environment namespaces (ingress controller, Prometheus, DNS, collectors). */
  clusterPeers: z.array(z.object({
    name,
    description: z.string().min(1),
    namespace: name,
    /** Labels of its pods; selected together with `kubernetes.io/metadata.name: <namespace>`. */
    podLabels: z.record(labelKey, labelValue).refine((l) => Object.keys(l).length > 0, { message: 'must name at least one label' }),
  }).strict()),
  /** Destinations outside the cluster by address; each environment gives their CIDRs (`environments[].network.cidrs`). */
  cidrPeers: z.array(z.object({ name, description: z.string().min(1) }).strict()),
  /**
   * Addresses no pod may ever reach (the instance metadata service): every ipBlock that
   * contains one of them lists it under `except`, and config refuses a CIDR peer that equals one.
   */
  neverReachable: z.array(cidr).min(1),
  /** The intent table. A rule applies in an environment when both ends exist there. */
  allow: z.array(allowRule).min(1),
}).strict();
export type Network = z.infer<typeof network>;

/**
 * Ranges inside the environment's cluster VPC, resolved from `clusters[].network` (./schema-vpc.ts):
 * `'data-subnets'` the environment's own data subnets (RDS, ElastiCache), `'endpoint-subnets'` the
 * subnets of the interface endpoints (STS, ECR, Secrets Manager, CloudWatch Logs).
 */
export const VPC_RANGES = ['data-subnets', 'endpoint-subnets'] as const;
export type VpcRange = (typeof VPC_RANGES)[number];

export const environmentNetwork = z.object({
  /**
   * Per `network.cidrPeers` name: where that destination is in this environment. Inside the VPC,
   * name the subnets (`'data-subnets'`, `'endpoint-subnets'`), never addresses, so policies and
   * Terraform share one address plan; outside, the ranges (AWS prefix lists, the SSO issuer).
   */
  cidrs: z.record(name, z.union([z.enum(VPC_RANGES), z.array(cidr).min(1)], { error: `must be ${VPC_RANGES.map((r) => `"${r}"`).join(' or ')} (subnets of the cluster VPC) or a list of CIDRs` })),
}).strict();

// ------------------------------------------------------------------ ingress and TLS

const duration = z.number().int().min(1).max(3600);
const headerName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an HTTP header name such as "X-Frame-Options"');
/** nginx size: "10m", "512k", "1g". */
const nginxSize = z.string().regex(/^[0-9]+[kmg]?$/, 'must be an nginx size such as "8m" or "512k"');

export const acmeSolver = z.discriminatedUnion('kind', [
  /** cert-manager answers on http://<host>/.well-known/acme-challenge through the nginx class. */
  z.object({ kind: z.literal('http01') }).strict(),
  /** A TXT record in Route 53; cert-manager's ServiceAccount assumes its IAM role through IRSA. */
  z.object({
    kind: z.literal('dns01-route53'),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, 'must be an AWS region such as "us-east-2"'),
    /** @default - cert-manager finds the zone by the domain name */
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,32}$/, 'must be a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"').optional(),
  }).strict(),
]);

export const ingress = z.object({
  /** IngressClass of the ingress-nginx add-on. */
  className: name,
  /** Namespace of the ingress-nginx controller; the security-headers ConfigMap is rendered there. */
  controllerNamespace: name,
  /** Name of the ConfigMap the controller's `add-headers` option points at. */
  headersConfigMap: name,
  /** Response headers nginx adds to every response (the controller's `add-headers`; snippets stay disabled). */
  securityHeaders: z.record(headerName, z.string().min(1)),
  /** Strict-Transport-Security, set by the controller on HTTPS responses. */
  hsts: z.object({
    maxAgeSeconds: z.number().int().min(86400, 'must be at least 86400 (one day)'),
    includeSubdomains: z.boolean(),
    preload: z.boolean(),
  }).strict(),
  /** Largest request body api-svc accepts (schedule imports). */
  proxyBodySize: nginxSize,
  /** Seconds nginx waits on api-svc; long solves run asynchronously, so requests are short. */
  timeouts: z.object({ connect: z.number().int().min(1).max(75), read: duration, send: duration }).strict(),
  acme: z.object({
    /** Contact address for expiry notices from the ACME CA. */
    email: z.email(),
    /** One ClusterIssuer each; environments pick one (`environments[].ingress.issuer`). */
    issuers: z.array(z.object({ name, server: z.url({ protocol: /^https$/ }) }).strict()).min(1),
    solver: acmeSolver,
  }).strict(),
}).strict();
export type Ingress = z.infer<typeof ingress>;

export const environmentIngress = z.object({
  /** ClusterIssuer (from `ingress.acme.issuers`) that signs api.<domain>. */
  issuer: name,
  /** Per client IP (ingress-nginx limit-* annotations). */
  rateLimit: z.object({
    /** Requests per second. */
    rps: z.number().int().min(1).max(10000),
    /** Burst allowed = rps × this. */
    burstMultiplier: z.number().int().min(1).max(100),
    /** Concurrent connections. */
    connections: z.number().int().min(1).max(10000),
  }).strict(),
}).strict();

// ------------------------------------------------------------------ cross-section checks

/** Pods cert-manager starts for HTTP-01 challenges carry `app.kubernetes.io/name` = this (charts/ingress.ts). */
export const HTTP01_SOLVER = 'acme-http01-solver';

/** The parts of the platform `checkNetwork` reads (structural, so this file need not import schema.ts). */
export interface NetworkCheckInput {
  readonly services: ReadonlyArray<{ readonly name: string; readonly port: number; readonly metrics: { readonly port?: number } }>;
  readonly environments: ReadonlyArray<{
    readonly name: string;
    readonly network: { readonly cidrs: Readonly<Record<string, readonly string[] | VpcRange>> };
    readonly ingress: { readonly issuer: string };
  }>;
  readonly network: Network;
  readonly ingress: Ingress;
}

/** Container ports by name of every in-namespace workload, services first. */
export function workloadPorts(p: Pick<NetworkCheckInput, 'services' | 'network'>): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const s of p.services) out.set(s.name, { http: s.port, metrics: s.metrics.port ?? s.port });
  for (const w of p.network.workloads) out.set(w.name, { ...w.ports });
  return out;
}

export function checkNetwork(p: NetworkCheckInput, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const ports = workloadPorts(p);
  const kinds = new Map<string, string>();
  const declare = (peer: string, kind: string, path: (string | number)[]) => {
    if (kinds.has(peer)) issue(path, `'${peer}' is already a ${kinds.get(peer)}; peer names must be unique`);
    else kinds.set(peer, kind);
  };
  for (const s of p.services) kinds.set(s.name, 'service');
  p.network.workloads.forEach((w, i) => declare(w.name, 'workload', ['network', 'workloads', i, 'name']));
  p.network.clusterPeers.forEach((c, i) => declare(c.name, 'cluster peer', ['network', 'clusterPeers', i, 'name']));
  p.network.cidrPeers.forEach((c, i) => declare(c.name, 'CIDR peer', ['network', 'cidrPeers', i, 'name']));
  const known = [...kinds.keys()].join(', ');

  p.network.allow.forEach((rule, i) => {
    for (const end of ['from', 'to'] as const) {
      if (!kinds.has(rule[end])) issue(['network', 'allow', i, end], `unknown workload or peer '${rule[end]}'; allowed: ${known}`);
    }
    const fromKind = kinds.get(rule.from);
    const toKind = kinds.get(rule.to);
    if (fromKind && toKind && fromKind !== 'service' && fromKind !== 'workload' && toKind !== 'service' && toKind !== 'workload') {
      issue(['network', 'allow', i], `'${rule.from}' → '${rule.to}' does not involve a workload of the environment namespaces; such rules belong to the peers' own namespaces`);
    }
    if (fromKind === 'CIDR peer') issue(['network', 'allow', i, 'from'], `'${rule.from}' is a CIDR peer; traffic from outside the cluster enters through the ingress controller`);
    rule.ports.forEach((port, j) => {
      if (typeof port.port !== 'string' || !toKind) return;
      const named = ports.get(rule.to);
      if (!named) {
        issue(['network', 'allow', i, 'ports', j, 'port'], `named port '${port.port}' needs a workload as 'to'; '${rule.to}' is a ${toKind}, give the number`);
      } else if (!(port.port in named)) {
        const list = Object.keys(named).join(', ') || 'none';
        issue(['network', 'allow', i, 'ports', j, 'port'], `'${rule.to}' has no port named '${port.port}' (its ports: ${list})`);
      }
    });
  });

  if (p.ingress.acme.solver.kind === 'http01' && !p.network.allow.some((r) => r.to === HTTP01_SOLVER)) {
    issue(['ingress', 'acme', 'solver', 'kind'], `http01 solver pods run in the environment namespaces behind default-deny; add workload '${HTTP01_SOLVER}' (port 8089) to network.workloads and a network.allow row from the ingress controller to it, or use dns01-route53`);
  }

  const never = p.network.neverReachable.map((c) => parseCidr(c)).filter((c) => c !== undefined);
  const cidrPeers = new Set(p.network.cidrPeers.map((c) => c.name));
  const issuers = p.ingress.acme.issuers.map((i) => i.name);
  p.environments.forEach((env, e) => {
    for (const [peer, ranges] of Object.entries(env.network.cidrs)) {
      if (!cidrPeers.has(peer)) {
        issue(['environments', e, 'network', 'cidrs', peer], `unknown CIDR peer '${peer}'; declare it in network.cidrPeers (known: ${[...cidrPeers].join(', ')})`);
      }
      if (typeof ranges === 'string') continue; // subnets of the VPC: checked by checkClusterNetworks
      ranges.forEach((range, r) => {
        const parsed = parseCidr(range);
        // A range inside a never-reachable address cannot be expressed: except must be a strict subset.
        if (parsed && never.some((n) => n.family === parsed.family && n.start <= parsed.start && parsed.end <= n.end)) {
          issue(['environments', e, 'network', 'cidrs', peer, r], `lies inside network.neverReachable (the instance metadata address); no pod may reach it`);
        }
      });
    }
    if (!issuers.includes(env.ingress.issuer)) {
      issue(['environments', e, 'ingress', 'issuer'], `unknown issuer '${env.ingress.issuer}'; allowed: ${issuers.join(', ')}`);
    }
  });
}
