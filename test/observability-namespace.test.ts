/**
 * The observability namespace is no soft spot (issue 19 class 8), checked on everything rendered:
 * - every namespace where dist/ runs pods or routes an Ingress has a default-deny NetworkPolicy;
 * - a hand-written table of who may reach the OTLP receivers, Jaeger and its UI, evaluated on the
 *   rendered policies (lib/network/reachability.ts);
 * - every image dist/ runs outside development comes from the mirror (ghcr.io/flextime/) by digest;
 * - every Ingress outside the environment namespaces (internal tools) goes through the login proxy.
 */
import { describe, expect, it } from 'vitest';
import { reachability, type ExternalEndpoint, type PodEndpoint } from '../lib/network/reachability.ts';
import type { RenderedFile } from '../lib/synth/engine.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { renderPlatform } from './helpers.ts';

const MIRROR = 'ghcr.io/flextime/';
const DIGEST = /@sha256:[a-f0-9]{64}$/;

/** Namespaces with pods or Ingresses in dist/ that lack a default-deny policy. */
export function undefendedNamespaces(all: readonly KubeObject[]): string[] {
  const used = new Set(all.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout', 'CronJob', 'TestRun', 'Ingress'].includes(o.kind)).map((o) => o.metadata.namespace!));
  const denied = new Set(all.filter((o) => o.kind === 'NetworkPolicy').filter((o) => {
    const s = o.spec as { podSelector: { matchLabels?: object; matchExpressions?: object[] }; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] };
    const everyPod = !s.podSelector.matchLabels && !s.podSelector.matchExpressions;
    return everyPod && s.policyTypes?.includes('Ingress') && s.policyTypes.includes('Egress') && !(s.ingress ?? []).length && !(s.egress ?? []).length;
  }).map((o) => o.metadata.namespace!));
  return [...used].filter((n) => !denied.has(n)).sort().map((n) => `namespace ${n} has no default-deny NetworkPolicy`);
}

/** Images of dist/ outside development that are not from the mirror by digest. */
export function unpinnedImages(files: readonly RenderedFile[]): string[] {
  const problems: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) { node.forEach((n) => walk(n, path)); return; }
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'image' && typeof v === 'string' && (!v.startsWith(MIRROR) || !DIGEST.test(v))) problems.push(`${path}: ${v}`);
      else walk(v, path);
    }
  };
  for (const f of files) if (f.path.startsWith('dist/') && !f.path.startsWith('dist/development/')) walk(f.object.spec, f.path);
  return problems;
}

/** Ingresses of non-environment namespaces that do not route to the login proxy. */
export function unauthenticatedIngresses(all: readonly KubeObject[]): string[] {
  return all.filter((o) => o.kind === 'Ingress' && !o.metadata.namespace!.match(/^flextime-(development|staging|production)$/)).flatMap((o) =>
    (o.spec as { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string } } }> } }> }).rules.flatMap((r) => r.http.paths)
      .filter((p) => p.backend.service.name !== 'oauth2-proxy')
      .map((p) => `Ingress ${o.metadata.namespace}/${o.metadata.name} routes to ${p.backend.service.name} without the login proxy`));
}

const ENV = 'flextime-staging';
const OBS = 'observability';
const LOGS = 'logging';
const POD = (namespace: string, name: string, labels: Record<string, string> = { 'app.kubernetes.io/name': name }, ports: number[] = []): PodEndpoint =>
  ({ namespace, name, labels, ports: ports.map((port) => ({ port })) });
const PODS: PodEndpoint[] = [
  POD(OBS, 'otel-collector', undefined, [4317, 4318, 8888, 8889]),
  POD(OBS, 'jaeger', undefined, [4317, 16686, 8888]),
  POD(OBS, 'oauth2-proxy', undefined, [4180]),
  POD(OBS, 'prometheus', undefined, [9090]),
  POD(OBS, 'intruder'),
  POD(ENV, 'api-svc'),
  POD(ENV, 'intruder'),
  POD('ingress-nginx', 'ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }),
  POD('kube-system', 'kube-dns', { 'k8s-app': 'kube-dns' }, [53]),
  POD(LOGS, 'log-collector', undefined, [8888]),
  POD(LOGS, 'intruder'),
];
const EXTERNALS: ExternalEndpoint[] = [
  { name: 'metadata', cidr: '169.254.169.254/32' },
  // The interface endpoint subnet of us-east-2a (config/network-ranges.ts): CloudWatch Logs, STS.
  { name: 'vpc-endpoints', cidr: '10.10.60.10/32' },
  { name: 'internet', cidr: '203.0.113.10/32' },
];

/** [from, to, port] → must it be allowed? */
const TABLE: Array<[string, string, string, boolean]> = [
  [`${ENV}/api-svc`, `${OBS}/otel-collector`, '4317/TCP', true],
  [`${OBS}/otel-collector`, `${OBS}/jaeger`, '4317/TCP', true],
  [`${OBS}/oauth2-proxy`, `${OBS}/jaeger`, '16686/TCP', true],
  ['ingress-nginx/ingress-nginx', `${OBS}/oauth2-proxy`, '4180/TCP', true],
  [`${OBS}/prometheus`, `${OBS}/jaeger`, '8888/TCP', true],
  [`${OBS}/prometheus`, `${OBS}/otel-collector`, '8889/TCP', true],
  [`${ENV}/intruder`, `${OBS}/jaeger`, '16686/TCP', false],
  [`${ENV}/intruder`, `${OBS}/otel-collector`, '4317/TCP', false],
  [`${OBS}/intruder`, `${OBS}/jaeger`, '16686/TCP', false],
  ['ingress-nginx/ingress-nginx', `${OBS}/jaeger`, '16686/TCP', false],
  [`${ENV}/api-svc`, `${OBS}/jaeger`, '4317/TCP', false],
  [`${OBS}/prometheus`, 'metadata', '80/TCP', false],
  [`${OBS}/jaeger`, 'metadata', '80/TCP', false],
  // The log collector: scraped by Prometheus only; ships only through the VPC endpoints.
  [`${OBS}/prometheus`, `${LOGS}/log-collector`, '8888/TCP', true],
  [`${ENV}/intruder`, `${LOGS}/log-collector`, '8888/TCP', false],
  [`${LOGS}/intruder`, `${LOGS}/log-collector`, '8888/TCP', false],
  [`${LOGS}/log-collector`, 'vpc-endpoints', '443/TCP', true],
  [`${LOGS}/log-collector`, 'internet', '443/TCP', false],
  [`${LOGS}/log-collector`, 'metadata', '80/TCP', false],
  [`${LOGS}/log-collector`, `${ENV}/api-svc`, '8080/TCP', false],
  [`${LOGS}/intruder`, 'vpc-endpoints', '443/TCP', false],
];

export function tableViolations(all: readonly KubeObject[]): string[] {
  const pairs = reachability({ policies: all.filter((o) => o.kind === 'NetworkPolicy'), pods: PODS, externals: EXTERNALS, namespaces: all.filter((o) => o.kind === 'Namespace') });
  return TABLE.filter(([from, to, port, allowed]) => pairs.has(`${from} → ${to}:${port}`) !== allowed)
    .map(([from, to, port, allowed]) => `${allowed ? 'must reach' : 'must not reach'}: ${from} → ${to}:${port}`);
}

const files = renderPlatform();
const all = files.map((f) => f.object);

describe('the observability namespace', () => {
  it('every namespace with pods or an Ingress has a default-deny NetworkPolicy', () => {
    expect(undefendedNamespaces(all)).toEqual([]);
  });

  it('only the apps reach the OTLP receivers, only the login proxy reaches Jaeger\'s UI', () => {
    expect(tableViolations(all)).toEqual([]);
  });

  it('runs only mirrored images pinned by digest (outside development)', () => {
    expect(unpinnedImages(files)).toEqual([]);
  });

  it('serves internal UIs only through the login proxy', () => {
    expect(all.filter((o) => o.kind === 'Ingress' && o.metadata.namespace === OBS).length).toBe(1);
    expect(unauthenticatedIngresses(all)).toEqual([]);
  });

  it('finds planted instances: no policies in observability, a Docker Hub tag, Jaeger\'s UI routed directly', () => {
    const copy = structuredClone(files).filter((f) => !(f.object.kind === 'NetworkPolicy' && f.object.metadata.namespace === OBS));
    const jaeger = copy.find((f) => f.object.kind === 'StatefulSet' && f.object.metadata.name === 'jaeger')!;
    (jaeger.object.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!.image = 'jaegertracing/jaeger:2.5.0';
    const ingress = copy.find((f) => f.object.kind === 'Ingress' && f.object.metadata.namespace === OBS)!;
    (ingress.object.spec as { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string } } }> } }> }).rules[0]!.http.paths[0]!.backend.service.name = 'jaeger';
    const planted = copy.map((f) => f.object);
    expect(undefendedNamespaces(planted)).toEqual(['namespace observability has no default-deny NetworkPolicy']);
    expect(tableViolations(planted)).toEqual([`must not reach: ${OBS}/intruder → ${OBS}/jaeger:16686/TCP`, `must not reach: ingress-nginx/ingress-nginx → ${OBS}/jaeger:16686/TCP`]);
    expect(unpinnedImages(copy)).toEqual(['dist/cluster/tracing/statefulset-jaeger.yaml: jaegertracing/jaeger:2.5.0']);
    expect(unauthenticatedIngresses(planted)).toEqual(['Ingress observability/jaeger-ui routes to jaeger without the login proxy']);
  });
});
