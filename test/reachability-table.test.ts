/**
 * A hand-written must-reach / must-not-reach table (issue 19, "tests that don't grade
 * themselves"), checked against the RENDERED NetworkPolicies of every environment with the
 * evaluator of lib/network/reachability.ts. Nothing here comes from config/network.ts: the peers
 * outside the namespaces (kube-dns, ingress-nginx, Prometheus, the k6 runner), their labels and the
 * addresses (an RDS host in each environment's data subnets, the metadata service, a public
 * address) are written down below, so deleting the DNS rows of the intent table fails here.
 */
import { describe, expect, it } from 'vitest';
import { reachability, type ExternalEndpoint, type PodEndpoint } from '../lib/network/reachability.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { objects, renderPlatform } from './helpers.ts';

const ENVS = ['development', 'staging', 'production'] as const;
type Env = typeof ENVS[number];

/** Pods outside the environment namespaces, as their charts label them. */
const PEERS: PodEndpoint[] = [
  { namespace: 'kube-system', name: 'kube-dns', labels: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] },
  { namespace: 'ingress-nginx', name: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }, ports: [{ port: 443 }] },
  { namespace: 'observability', name: 'prometheus', labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: [{ port: 9090 }] },
  { namespace: 'flextime-performance', name: 'k6-runner', labels: { 'app.kubernetes.io/name': 'k6-runner' }, ports: [] },
];

/** One address in each environment's database subnets (RDS, ElastiCache), the metadata service, a public host. */
const RDS: Record<Env, string> = { development: '10.10.48.10/32', staging: '10.10.52.10/32', production: '10.10.56.10/32' };
const METADATA = '169.254.169.254/32';
const PUBLIC = '198.51.100.10/32';

const ns = (env: Env) => `flextime-${env}`;

/** [from, to, port/protocol] that must be allowed, per environment. `@rds` is the environment's database host. */
function mustReach(env: Env): Array<[string, string, string]> {
  const n = ns(env);
  const redis = env !== 'production'; // production's Redis is ElastiCache, in the data subnets
  return [
    ['ingress-nginx/ingress-nginx', `${n}/api-svc`, '3000/TCP'],
    [`${n}/api-svc`, `${n}/pgbouncer`, '6432/TCP'],
    [`${n}/scheduler-svc`, `${n}/pgbouncer`, '6432/TCP'],
    [`${n}/pgbouncer`, RDS[env], '5432/TCP'],
    [`${n}/flextime-backup`, RDS[env], '5432/TCP'],
    ...(redis
      ? [[`${n}/api-svc`, `${n}/redis`, '6379/TCP'], [`${n}/scheduler-svc`, `${n}/redis`, '6379/TCP']] as Array<[string, string, string]>
      : [[`${n}/api-svc`, RDS[env], '6379/TCP'], [`${n}/scheduler-svc`, RDS[env], '6379/TCP']] as Array<[string, string, string]>),
    ['observability/prometheus', `${n}/api-svc`, '9464/TCP'],
    ['observability/prometheus', `${n}/pgbouncer`, '9127/TCP'],
    // postgres_exporter: straight to its own environment's database, scraped by Prometheus.
    [`${n}/postgres-exporter`, RDS[env], '5432/TCP'],
    ['observability/prometheus', `${n}/postgres-exporter`, '9187/TCP'],
  ];
}

/** [from, to, port/protocol] that must never be allowed. */
function mustNotReach(env: Env): Array<[string, string, string]> {
  const n = ns(env);
  const others = ENVS.filter((e) => e !== env);
  return [
    // Straight to the database past the pool, or from the edge to the pool.
    [`${n}/api-svc`, RDS[env], '5432/TCP'],
    [`${n}/scheduler-svc`, RDS[env], '5432/TCP'],
    ['ingress-nginx/ingress-nginx', `${n}/pgbouncer`, '6432/TCP'],
    ['ingress-nginx/ingress-nginx', `${n}/api-svc`, '9464/TCP'],
    // Another environment's data.
    ...others.flatMap((o): Array<[string, string, string]> => [[`${n}/api-svc`, RDS[o], '5432/TCP'], [`${n}/pgbouncer`, RDS[o], '5432/TCP'], [`${n}/api-svc`, `${ns(o)}/pgbouncer`, '6432/TCP'], [`${n}/postgres-exporter`, RDS[o], '5432/TCP']]),
    // The exporter's statistics are for Prometheus only; it talks to nothing but its database.
    ['ingress-nginx/ingress-nginx', `${n}/postgres-exporter`, '9187/TCP'],
    [`${n}/api-svc`, `${n}/postgres-exporter`, '9187/TCP'],
    [`${n}/postgres-exporter`, `${n}/pgbouncer`, '6432/TCP'],
    [`${n}/postgres-exporter`, PUBLIC, '443/TCP'],
    // The node's credentials, and the internet.
    ...['api-svc', 'scheduler-svc', 'pgbouncer', 'flextime-backup', 'flextime-restore-verify', 'postgres-exporter'].map((w): [string, string, string] => [`${n}/${w}`, METADATA, '80/TCP']),
    [`${n}/pgbouncer`, PUBLIC, '443/TCP'],
    [`${n}/scheduler-svc`, PUBLIC, '443/TCP'],
    // A pod nobody declared.
    [`${n}/intruder`, `${n}/pgbouncer`, '6432/TCP'],
    [`${n}/intruder`, 'kube-system/kube-dns', '53/UDP'],
  ];
}

type Template = { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Array<{ ports?: Array<{ containerPort: number; protocol?: string }> }> } };

function podsOf(all: readonly KubeObject[], namespace: string): PodEndpoint[] {
  const pods: PodEndpoint[] = [];
  for (const o of all.filter((x) => x.metadata.namespace === namespace)) {
    const spec = o.spec as { template?: Template; jobTemplate?: { spec?: { template?: Template } } } | undefined;
    const t = o.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : ['Deployment', 'StatefulSet', 'Rollout'].includes(o.kind) ? spec?.template : undefined;
    if (!t) continue;
    const labels = t.metadata?.labels ?? {};
    pods.push({ namespace, name: labels['app.kubernetes.io/name']!, labels, ports: (t.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? 'TCP' }))) });
  }
  pods.push({ namespace, name: 'intruder', labels: { 'app.kubernetes.io/name': 'intruder' }, ports: [{ port: 8080 }] });
  return pods;
}

/** Allowed "from → to:port/proto" pairs over every environment namespace. */
export function allowedPairs(all: readonly KubeObject[]): Set<string> {
  const pods = [...ENVS.flatMap((e) => podsOf(all, ns(e))), ...PEERS];
  const externals: ExternalEndpoint[] = [...Object.values(RDS), METADATA, PUBLIC].map((cidr) => ({ name: cidr, cidr }));
  return reachability({ policies: all.filter((o) => o.kind === 'NetworkPolicy'), pods, externals });
}

/** Table rows the rendered policies break, plus workloads with egress that cannot resolve names. */
export function tableViolations(all: readonly KubeObject[]): string[] {
  const pairs = allowedPairs(all);
  const problems: string[] = [];
  for (const env of ENVS) {
    for (const [from, to, port] of mustReach(env)) if (!pairs.has(`${from} → ${to}:${port}`)) problems.push(`must reach: ${from} → ${to}:${port}`);
    for (const [from, to, port] of mustNotReach(env)) if (pairs.has(`${from} → ${to}:${port}`)) problems.push(`must not reach: ${from} → ${to}:${port}`);
    // Every workload that may open any connection resolves names.
    const talkers = new Set([...pairs].filter((p) => p.startsWith(`${ns(env)}/`)).map((p) => p.split(' → ')[0]!));
    for (const w of [...talkers].sort()) {
      for (const proto of ['UDP', 'TCP']) if (!pairs.has(`${w} → kube-system/kube-dns:53/${proto}`)) problems.push(`must reach: ${w} → kube-system/kube-dns:53/${proto} (it has egress)`);
    }
  }
  return problems;
}

const all = objects('', renderPlatform());

describe('hand-written reachability table, on the rendered NetworkPolicies', () => {
  it('every must-reach row is allowed, no must-not-reach row is, every workload with egress resolves DNS', () => {
    expect(allowedPairs(all).size).toBeGreaterThan(40);
    expect(tableViolations(all)).toEqual([]);
  });

  it('fails on planted defects: the DNS rule of api-svc deleted, pgbouncer opened to every pod', () => {
    const planted = structuredClone(all);
    const apiPolicy = planted.find((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'flextime-production' && o.metadata.name === 'api-svc')!;
    const spec = apiPolicy.spec as { egress: Array<{ ports?: Array<{ port: number }> }> };
    spec.egress = spec.egress.filter((r) => !(r.ports ?? []).some((p) => p.port === 53));
    const pgbouncer = planted.find((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'flextime-staging' && o.metadata.name === 'pgbouncer')!;
    (pgbouncer.spec as { ingress: unknown[] }).ingress.push({ from: [{ podSelector: {} }], ports: [{ port: 6432 }] });
    const egressAll = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'intruder-out', namespace: 'flextime-staging' }, spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'intruder' } }, policyTypes: ['Egress'], egress: [{}] } };
    planted.push(egressAll as KubeObject);
    expect(tableViolations(planted)).toEqual(expect.arrayContaining([
      'must reach: flextime-production/api-svc → kube-system/kube-dns:53/UDP (it has egress)',
      'must not reach: flextime-staging/intruder → flextime-staging/pgbouncer:6432/TCP',
    ]));
  });
});
