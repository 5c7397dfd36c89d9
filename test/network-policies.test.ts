/**
 * Zero-trust NetworkPolicies: what the RENDERED policies in dist/ allow (computed by the
 * evaluator in lib/network/reachability.ts) is exactly the intent table in config/network.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, type Environment, type Platform } from '../config/index.ts';
import { workloadPorts } from '../config/schema-network.ts';
import { environmentCidrs, intentFor, workloadsOf } from '../charts/network-policies.ts';
import { namespaceOf } from '../charts/context.ts';
import { reachability, type ExternalEndpoint, type PodEndpoint } from '../lib/network/reachability.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { configError, objects, rawConfig, renderPlatform } from './helpers.ts';

const NAME = 'app.kubernetes.io/name';
const platform = loadConfig();

/** Every object rendered into dist/<env>/ (the committed files, as ArgoCD applies them). */
function distObjects(env: string): KubeObject[] {
  const dir = join(import.meta.dirname, '..', 'dist', env);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.yaml'))
    .map((d) => parse(readFileSync(join(d.parentPath, d.name), 'utf8')) as KubeObject);
}

type PodTemplate = { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Array<{ ports?: Array<{ containerPort: number; name?: string; protocol?: string }> }> } };

/** Pod templates of rendered Deployments, Argo Rollouts, StatefulSets, DaemonSets, Jobs and CronJobs in `namespace`. */
function renderedPods(rendered: readonly KubeObject[], namespace: string): PodEndpoint[] {
  const pods: PodEndpoint[] = [];
  for (const o of rendered) {
    if (o.metadata.namespace !== namespace) continue;
    const spec = o.spec as { template?: PodTemplate; jobTemplate?: { spec?: { template?: PodTemplate } } } | undefined;
    const template = ['Deployment', 'Rollout', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind) ? spec?.template : o.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : undefined;
    if (!template) continue;
    const labels = template.metadata?.labels ?? {};
    pods.push({
      namespace,
      name: labels[NAME] ?? `${o.kind}/${o.metadata.name}`,
      labels,
      ports: (template.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, name: p.name, protocol: p.protocol ?? 'TCP' }))),
    });
  }
  return pods;
}

/** A pod nobody declared: must be isolated both ways. */
const INTRUDER = 'unlisted';

/**
 * What the evaluator probes in `env`: the rendered workloads, the declared ones not rendered
 * (yet), the out-of-namespace peers, an unlisted pod, and every CIDR plus the metadata address.
 */
function world(p: Platform, env: Environment, rendered: readonly KubeObject[]) {
  const namespace = namespaceOf(p, env);
  const ports = workloadPorts(p);
  const pods = renderedPods(rendered, namespace);
  for (const name of workloadsOf(p, env)) {
    if (pods.some((pod) => pod.name === name)) continue;
    pods.push({
      namespace,
      name,
      labels: { [NAME]: name, 'app.kubernetes.io/instance': `${name}-${env.name}` },
      ports: Object.entries(ports.get(name) ?? {}).map(([portName, port]) => ({ port, name: portName })),
    });
  }
  for (const peer of p.network.clusterPeers) pods.push({ namespace: peer.namespace, name: peer.name, labels: peer.podLabels, ports: [] });
  pods.push({ namespace, name: INTRUDER, labels: { [NAME]: INTRUDER }, ports: [{ port: 8080, name: 'http' }] });
  // An external range is named by its address: peers that share addresses (RDS and ElastiCache
  // in the same subnets) cannot be told apart by a NetworkPolicy, so the matrix does not either.
  const cidrs = new Set([...Object.values(environmentCidrs(p, env)).flat(), ...p.network.neverReachable, '198.51.100.0/24']);
  const externals: ExternalEndpoint[] = [...cidrs].map((cidr) => ({ name: cidr, cidr }));
  const policies = rendered.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === namespace);
  return { namespace, pods, externals, policies };
}

/** The allowed connections that start or end in the environment namespace. */
function computed(p: Platform, env: Environment, rendered: readonly KubeObject[]): string[] {
  const w = world(p, env, rendered);
  return [...reachability(w)].filter((pair) => pair.includes(`${w.namespace}/`)).sort();
}

/** The intent table of `env`, expanded to the same "src → dst:port/proto" pairs. */
function intended(p: Platform, env: Environment): string[] {
  const namespace = namespaceOf(p, env);
  const ids = (peer: ReturnType<typeof intentFor>[number]['from']): string[] =>
    peer.kind === 'workload' ? [`${namespace}/${peer.name}`] : peer.kind === 'pods' ? [`${peer.namespace}/${peer.name}`] : [...peer.cidrs];
  const pairs = new Set<string>();
  for (const rule of intentFor(p, env)) {
    for (const src of ids(rule.from)) for (const dst of ids(rule.to)) for (const port of rule.ports) pairs.add(`${src} → ${dst}:${port.port}/${port.protocol}`);
  }
  return [...pairs].sort();
}

describe.each(platform.environments.map((e) => [e.name, e] as const))('network policies in %s', (name, env) => {
  const rendered = distObjects(name);
  const namespace = namespaceOf(platform, env);

  it('allow exactly the intent table: nothing missing, nothing extra', () => {
    const want = intended(platform, env);
    expect(want.length).toBeGreaterThan(20);
    expect(computed(platform, env, rendered)).toEqual(want);
  });

  it('isolate a pod the intent table does not list, in both directions', () => {
    const pairs = computed(platform, env, rendered);
    expect(pairs.filter((p) => p.includes(`${namespace}/${INTRUDER}`))).toEqual([]);
    // …and it is really probed: without the policies it would reach everything.
    const open = [...reachability({ ...world(platform, env, []), policies: [] })];
    expect(open).toContain(`${namespace}/${INTRUDER} → ${namespace}/api-svc:3000/TCP`);
  });

  it('let no pod of the namespace reach the instance metadata address', () => {
    const w = world(platform, env, rendered);
    // Even with a rule to 0.0.0.0/0 on top of the rendered ones.
    const internet = { kind: 'NetworkPolicy', metadata: { name: 'internet', namespace }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] }] } };
    for (const policies of [w.policies, [...w.policies, internet]]) {
      expect([...reachability({ ...w, policies })].filter((p) => p.startsWith(`${namespace}/`) && p.includes('→ 169.254.169.254'))).toEqual([]);
    }
  });

  it('select every workload rendered into the namespace with a policy of its own', () => {
    const declared = new Set(workloadsOf(platform, env));
    const undeclared = renderedPods(rendered, namespace).map((p) => p.name).filter((n) => !declared.has(n));
    expect(undeclared, 'add these workloads to network.workloads (config/network.ts) and give them allow rows').toEqual([]);
  });

  it('declare the same port numbers the rendered containers listen on', () => {
    const ports = workloadPorts(platform);
    for (const pod of renderedPods(rendered, namespace)) {
      for (const c of pod.ports.filter((c) => c.name)) {
        const declared = ports.get(pod.name)?.[c.name!];
        if (declared !== undefined) expect(`${pod.name}.${c.name}=${declared}`).toBe(`${pod.name}.${c.name}=${c.port}`);
      }
    }
  });
});

describe('cluster peers this repo renders itself', () => {
  const cluster = distObjects('cluster');

  it('select the rendered pods, in their namespace, and use ports those pods listen on', () => {
    const checked: string[] = [];
    for (const peer of platform.network.clusterPeers) {
      const pods = renderedPods(cluster, peer.namespace).filter((pod) => Object.entries(peer.podLabels).every(([k, v]) => pod.labels[k] === v));
      const sameName = renderedPods(cluster, peer.namespace).filter((pod) => pod.name === peer.name);
      if (pods.length === 0 && sameName.length === 0) continue; // an add-on's pods (Helm chart), not rendered here
      expect(pods.map((pod) => pod.name), `podLabels of cluster peer ${peer.name}`).toEqual([peer.name]);
      const listening = new Set(pods[0]!.ports.map((port) => port.port));
      const used = platform.network.allow.filter((r) => r.to === peer.name).flatMap((r) => r.ports.map((port) => port.port));
      expect(used.filter((port) => !listening.has(port as number)), `ports of ${peer.name} in network.allow`).toEqual([]);
      checked.push(peer.name);
    }
    expect(checked).toContain('otel-collector');
  });
});

describe('the reachability test itself', () => {
  const staging = platform.environments.find((e) => e.name === 'staging')!;

  it('fails when one allow row is removed from the intent table', () => {
    const raw = rawConfig();
    const i = raw.network.allow.findIndex((r) => r.from === 'api-svc' && r.to === 'pgbouncer');
    raw.network.allow.splice(i, 1);
    const trimmed = loadConfig(raw);
    const rendered = objects('dist/staging/', renderPlatform(trimmed, { environments: ['staging'], shared: false }));
    const got = computed(trimmed, trimmed.environments.find((e) => e.name === 'staging')!, rendered);
    const want = intended(platform, staging);
    expect(got).not.toEqual(want);
    expect(want.filter((p) => !got.includes(p))).toEqual(['flextime-staging/api-svc → flextime-staging/pgbouncer:6432/TCP']);
  });

  it('fails when a policy allows more than the intent table', () => {
    const rendered = distObjects('staging');
    const extra = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'debug', namespace: 'flextime-staging' },
      spec: { podSelector: { matchLabels: { [NAME]: 'scheduler-svc' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { [NAME]: 'api-svc' } } }] }] },
    };
    const got = computed(platform, staging, [...rendered, extra]);
    expect(got.filter((p) => !intended(platform, staging).includes(p))).toEqual([]);
    // scheduler-svc may now send, but api-svc does not accept: still nothing extra. Open its ingress too:
    const ingress = { ...extra, metadata: { name: 'debug-in', namespace: 'flextime-staging' }, spec: { podSelector: { matchLabels: { [NAME]: 'api-svc' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { [NAME]: 'scheduler-svc' } } }], ports: [{ port: 3000 }] }] } };
    const wider = computed(platform, staging, [...rendered, extra, ingress]);
    expect(wider.filter((p) => !intended(platform, staging).includes(p))).toEqual(['flextime-staging/scheduler-svc → flextime-staging/api-svc:3000/TCP']);
  });
});

describe('rendered network policies', () => {
  const production = objects('dist/production/network-policies/');

  it('start with a default-deny of both directions for every pod', () => {
    const deny = production.find((o) => o.metadata.name === 'default-deny')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('give each workload one policy named like it, selecting its pods by name label', () => {
    const names = production.map((o) => o.metadata.name).sort();
    expect(names).toEqual(['api-svc', 'default-deny', 'flextime-backup', 'flextime-restore-verify', 'pgbouncer', 'pgbouncer-ro', 'postgres-exporter', 'pushgateway', 'scheduler-svc']);
    const pgbouncer = production.find((o) => o.metadata.name === 'pgbouncer')!;
    expect((pgbouncer.spec as { podSelector: unknown }).podSelector).toEqual({ matchLabels: { [NAME]: 'pgbouncer' } });
  });

  it('except the metadata address from every ipBlock that contains it, and only there (the API server rejects other excepts)', () => {
    const raw = rawConfig();
    raw.environments.find((e) => e.name === 'production')!.network.cidrs['oidc-issuer'] = ['0.0.0.0/0'];
    const api = objects('dist/production/network-policies/', renderPlatform(loadConfig(raw), { environments: ['production'], shared: false })).find((o) => o.metadata.name === 'api-svc')!;
    const blocks = (api.spec as { egress: Array<{ to: Array<{ ipBlock?: { cidr: string; except?: string[] } }> }> }).egress.flatMap((r) => r.to).flatMap((t) => (t.ipBlock ? [t.ipBlock] : []));
    expect(blocks.find((b) => b.cidr === '0.0.0.0/0')).toEqual({ cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] });
    expect(blocks.filter((b) => b.cidr !== '0.0.0.0/0' && b.except)).toEqual([]);
  });

  it('render no in-cluster redis policy where Redis is ElastiCache, and a CIDR rule instead', () => {
    expect(production.some((o) => o.metadata.name === 'redis')).toBe(false);
    const api = JSON.stringify(production.find((o) => o.metadata.name === 'api-svc')!.spec);
    expect(api).toContain('"port":6379');
    expect(api).toContain('10.10.56.0/24');
  });
});

describe('intent table config errors', () => {
  it('names an unknown workload', () => {
    const raw = rawConfig();
    raw.network.allow[1]!.to = 'pgbouncr';
    expect(configError(raw)).toContain(
      `network.allow[1].to = "pgbouncr": unknown workload or peer 'pgbouncr'; allowed: api-svc, scheduler-svc, redis, pgbouncer, pgbouncer-ro, flextime-backup, flextime-restore-verify, pushgateway, postgres-exporter, ingress-nginx, prometheus, otel-collector, kube-dns, keda-operator, rds, elasticache, s3, vpc-endpoints, oidc-issuer`,
    );
  });

  it('names a bad CIDR, and one with host bits set', () => {
    const raw = rawConfig();
    const staging = raw.environments.find((e) => e.name === 'staging')!;
    staging.network.cidrs.rds = ['10.20.64.0/33'];
    staging.network.cidrs.s3 = ['52.219.80.1/20'];
    const message = configError(raw);
    expect(message).toContain('environments[staging].network.cidrs.rds[0] = "10.20.64.0/33": must be a CIDR such as "10.0.0.0/16"');
    expect(message).toContain('environments[staging].network.cidrs.s3[0] = "52.219.80.1/20": has host bits set; write the network as "52.219.80.0/20"');
  });

  it('names a port out of range', () => {
    const raw = rawConfig();
    raw.network.allow[9]!.ports = [{ port: 65536 }];
    expect(configError(raw)).toContain('network.allow[9].ports[0].port = 65536: must be a port number between 1 and 65535 or a port name such as "metrics"');
  });

  it('names a port name the destination does not have', () => {
    const raw = rawConfig();
    raw.network.allow[1]!.ports = [{ port: 'postgres' }];
    expect(configError(raw)).toContain(`network.allow[1].ports[0].port = "postgres": 'pgbouncer' has no port named 'postgres' (its ports: pgbouncer, metrics)`);
  });

  it('refuses a CIDR peer range inside the metadata address and an unknown CIDR peer', () => {
    const raw = rawConfig();
    const dev = raw.environments.find((e) => e.name === 'development')!;
    dev.network.cidrs['oidc-issuer'] = ['169.254.169.254/32'];
    dev.network.cidrs.nat = ['10.0.0.0/8'];
    const message = configError(raw);
    expect(message).toContain('environments[development].network.cidrs.oidc-issuer[0] = "169.254.169.254/32": lies inside network.neverReachable (the instance metadata address); no pod may reach it');
    expect(message).toContain(`environments[development].network.cidrs.nat = ["10.0.0.0/8"]: unknown CIDR peer 'nat'; declare it in network.cidrPeers (known: rds, elasticache, s3, vpc-endpoints, oidc-issuer)`);
  });
});
