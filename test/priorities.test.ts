/**
 * Pod priorities across everything that shares the cluster (issue 17 and issue 19 class 4).
 * The requirement: platform add-ons ≥ production > staging > development, and nothing outside
 * production preempts. Checked on every pod template in dist/ (any object holding `containers`,
 * and k6 TestRun pods) and on every add-on's Helm values, read at the value paths where each
 * pinned chart names its pods' class. That table is written by hand from the charts' values.yaml
 * at the pinned versions (not from config/addons.ts), so a chart row whose class disappears, or a
 * new add-on without a row, fails here. The expectation is the order itself, never a config value.
 */
import { describe, expect, it } from 'vitest';
import type { RenderedFile } from '../lib/synth/engine.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { configError, rawConfig, renderPlatform } from './helpers.ts';

type PriorityClass = KubeObject & { value: number; preemptionPolicy?: string };
type Tier = 'platform' | 'production' | 'staging' | 'development' | 'load';

/** Kubernetes' built-in classes (scheduling.k8s.io, fixed values), which some charts default to. */
const BUILT_IN: Record<string, { value: number }> = {
  'system-cluster-critical': { value: 2_000_000_000 },
  'system-node-critical': { value: 2_000_001_000 },
};

/**
 * Where each pinned chart names a pod's priority class: `[values path, chart default]`. Read from
 * the chart's values.yaml and templates at the pinned version. `batch` marks run-to-completion
 * Jobs that must never preempt (their class only needs preemptionPolicy Never).
 */
const CHART_PRIORITY_PATHS: Record<string, { paths: Array<[string, string?, 'batch'?]>; none?: string }> = {
  'ingress-nginx': { paths: [['controller.priorityClassName'], ['controller.admissionWebhooks.patch.priorityClassName']] },
  'cert-manager': { paths: [['global.priorityClassName']] },
  keda: { paths: [['priorityClassName']] },
  'external-secrets': { paths: [['priorityClassName'], ['webhook.priorityClassName'], ['certController.priorityClassName']] },
  'prometheus-operator-crds': { paths: [], none: 'CRDs only, no pods' },
  'kube-prometheus-stack': {
    paths: [
      ['prometheus.prometheusSpec.priorityClassName'], ['alertmanager.alertmanagerSpec.priorityClassName'],
      ['prometheusOperator.priorityClassName'], ['prometheusOperator.admissionWebhooks.patch.priorityClassName'],
      ['grafana.priorityClassName'], ['kube-state-metrics.priorityClassName'], ['prometheus-node-exporter.priorityClassName'],
    ],
  },
  gatekeeper: {
    paths: [
      ['controllerManager.priorityClassName', 'system-cluster-critical'], ['audit.priorityClassName', 'system-cluster-critical'],
      ['postInstall.labelNamespace.priorityClassName'], ['postInstall.probeWebhook.priorityClassName'], ['upgradeCRDs.priorityClassName'],
    ],
  },
  falco: { paths: [['podPriorityClassName'], ['falcosidekick.priorityClassName']] },
  'trivy-operator': { paths: [['priorityClassName'], ['trivyOperator.scanJobPodPriorityClassName', undefined, 'batch']] },
  'vertical-pod-autoscaler': { paths: [['priorityClassName']] },
  'metrics-server': { paths: [['priorityClassName', 'system-cluster-critical']] },
  'opentelemetry-operator': { paths: [['priorityClassName']] },
  'argo-rollouts': { paths: [['controller.priorityClassName']] },
  // Chart 4.2.0 has no value for it (templates/deployment.yaml): the operator only starts load tests.
  'k6-operator': { paths: [], none: 'the chart offers no priorityClassName value' },
  'chaos-mesh': { paths: [['controllerManager.priorityClassName'], ['chaosDaemon.priorityClassName'], ['dashboard.priorityClassName'], ['dnsServer.priorityClassName']] },
  'cluster-autoscaler': { paths: [['priorityClassName', 'system-cluster-critical']] },
  // descheduler 0.35.0 values.yaml: `priorityClassName: system-cluster-critical` (its Deployment's pod).
  descheduler: { paths: [['priorityClassName', 'system-cluster-critical']] },
  'aws-load-balancer-controller': { paths: [['priorityClassName', 'system-cluster-critical']] },
  // policy-controller 0.10.6 values.yaml: both "" (no class); the leases clean-up is a post-delete Job.
  'policy-controller': { paths: [['webhook.priorityClass'], ['leasescleanup.priorityClass']] },
};

interface PodRef { readonly where: string; readonly tier: Tier; readonly className: string | undefined; readonly batch?: boolean }

function tierOf(path: string): Tier {
  const env = /^dist\/(production|staging|development)\//.exec(path)?.[1] as Tier | undefined;
  if (env) return env;
  // Load generators target staging and must never take room from production.
  if (path.startsWith('dist/cluster/performance/')) return 'load';
  return 'platform';
}

/** Every pod spec below `node`: objects with `containers`, and the k6 TestRun's pods. */
function podSpecs(node: unknown, at: string, out: Array<[string, Record<string, unknown>]>): void {
  if (Array.isArray(node)) { node.forEach((n, i) => podSpecs(n, `${at}[${i}]`, out)); return; }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (Array.isArray(o.containers)) { out.push([at, o]); return; }
  for (const [k, v] of Object.entries(o)) {
    if (at === '.spec' && ['runner', 'starter', 'initializer'].includes(k) && v && typeof v === 'object' && 'image' in v) out.push([`${at}.${k}`, v as Record<string, unknown>]);
    else podSpecs(v, `${at}.${k}`, out);
  }
}

const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

/** Every pod of dist/ and of the add-ons' values, with the tier it belongs to; unknown add-ons are errors. */
export function podPriorities(files: readonly RenderedFile[]): { pods: PodRef[]; errors: string[] } {
  const pods: PodRef[] = [];
  const errors: string[] = [];
  for (const f of files) {
    if (f.path.startsWith('dist/')) {
      const found: Array<[string, Record<string, unknown>]> = [];
      podSpecs(f.object, '', found);
      for (const [at, spec] of found) pods.push({ where: `${f.path}${at}`, tier: tierOf(f.path), className: spec.priorityClassName as string | undefined });
    }
    const source = (f.object.spec as { source?: { chart?: string; helm?: { valuesObject?: unknown } } } | undefined)?.source;
    if (f.object.kind === 'Application' && source?.chart) {
      const addon = (f.object.metadata.name ?? '').replace(/^addon-[a-z0-9]+-/, '');
      const row = CHART_PRIORITY_PATHS[addon];
      if (!row) { errors.push(`${f.path}: add-on '${addon}' has no row in CHART_PRIORITY_PATHS (where does its chart set pod priority?)`); continue; }
      for (const [path, chartDefault, batch] of row.paths) {
        const set = get(source.helm?.valuesObject, path);
        pods.push({ where: `${f.path} values ${path}`, tier: 'platform', className: (set as string | undefined) ?? chartDefault, batch: batch === 'batch' });
      }
    }
  }
  return { pods, errors };
}

/** Every way the rendered output breaks platform ≥ production > staging > development. */
export function priorityInversions(files: readonly RenderedFile[]): string[] {
  const classes = new Map<string, { value: number; preemptionPolicy?: string }>(Object.entries(BUILT_IN));
  for (const f of files) if (f.object.kind === 'PriorityClass') classes.set(f.object.metadata.name ?? '', f.object as PriorityClass);
  const { pods, errors } = podPriorities(files);
  const value = (p: PodRef) => (p.className === undefined ? 0 : classes.get(p.className)?.value ?? Number.NaN);
  const problems = [...errors];
  for (const p of pods) {
    if (p.className !== undefined && !classes.has(p.className)) problems.push(`${p.where}: priority class '${p.className}' does not exist`);
    if (p.className === undefined) problems.push(`${p.where}: no priority class (runs at 0, below development)`);
    if (p.tier !== 'production' && p.tier !== 'platform' && classes.get(p.className ?? '')?.preemptionPolicy !== 'Never') {
      problems.push(`${p.where}: ${p.tier} pod at '${p.className}' may preempt (preemptionPolicy must be Never)`);
    }
    if (p.batch && classes.get(p.className ?? '')?.preemptionPolicy !== 'Never') problems.push(`${p.where}: batch Job at '${p.className}' may preempt`);
  }
  const of = (tier: Tier) => pods.filter((p) => p.tier === tier && !p.batch);
  // [higher, lower, strict]: platform ≥ production > staging > development; load tests ≤ staging.
  const order: Array<[Tier, Tier, boolean]> = [['platform', 'production', false], ['production', 'staging', true], ['staging', 'development', true], ['production', 'load', true]];
  for (const [high, low, strict] of order) {
    const lowest = Math.min(...of(high).map(value));
    for (const p of of(low)) {
      if (strict ? value(p) >= lowest : value(p) > lowest) problems.push(`${p.where}: ${low} pod at '${p.className}' (${value(p)}) is not below every ${high} pod (lowest ${lowest})`);
    }
  }
  return problems;
}

const files = renderPlatform();

describe('pod priorities: platform add-ons ≥ production > staging > development', () => {
  it('covers every pod template and every add-on chart', () => {
    const { pods, errors } = podPriorities(files);
    expect(errors).toEqual([]);
    for (const tier of ['platform', 'production', 'staging', 'development', 'load'] as const) expect(pods.filter((p) => p.tier === tier).length, tier).toBeGreaterThan(1);
    // The add-ons' values alone: 19 charts, 36 pod paths (CHART_PRIORITY_PATHS).
    expect(pods.filter((p) => p.where.includes(' values ')).length).toBe(36);
  });

  it('holds for every rendered pod and add-on value', () => {
    expect(priorityInversions(files)).toEqual([]);
  });

  it('finds a planted inversion: an add-on without a class, staging at production\'s class, a new chart without a row', () => {
    const planted = structuredClone(files);
    const nginx = planted.find((f) => f.path.endsWith('application-addon-flextime-ingress-nginx.yaml'))!;
    delete (nginx.object.spec as { source: { helm: { valuesObject: { controller: Record<string, unknown> } } } }).source.helm.valuesObject.controller.priorityClassName;
    const staging = planted.find((f) => f.path === 'dist/staging/api-svc/deployment-api-svc.yaml')!;
    (staging.object.spec as { template: { spec: { priorityClassName: string } } }).template.spec.priorityClassName = 'flextime-critical';
    const extra = { ...structuredClone(nginx), path: 'argocd/apps/application-addon-flextime-new-chart.yaml' };
    extra.object.metadata.name = 'addon-flextime-new-chart';
    planted.push(extra);
    expect(priorityInversions(planted)).toEqual(expect.arrayContaining([
      'argocd/apps/application-addon-flextime-ingress-nginx.yaml values controller.priorityClassName: no priority class (runs at 0, below development)',
      "dist/staging/api-svc/deployment-api-svc.yaml.spec.template.spec: staging pod at 'flextime-critical' may preempt (preemptionPolicy must be Never)",
      expect.stringMatching(/^dist\/staging\/api-svc\/deployment-api-svc\.yaml\.spec\.template\.spec: staging pod at 'flextime-critical' \(100000\) is not below every production pod/),
      "argocd/apps/application-addon-flextime-new-chart.yaml: add-on 'new-chart' has no row in CHART_PRIORITY_PATHS (where does its chart set pod priority?)",
    ]));
  });

  it('refuses a Redis priority class that does not exist, naming the field (no check covered it before)', () => {
    const raw = rawConfig();
    const redis = raw.environments.find((e) => e.name === 'development')!.redis;
    if (redis.mode !== 'in-cluster') throw new Error('development runs Redis in the cluster');
    redis.priorityClass = 'flextime-nope';
    expect(configError(raw)).toMatch(/environments\[development\]\.redis\.priorityClass.*unknown priority class 'flextime-nope'/);
  });

  it('refuses an environment priority class that does not exist, naming the field', () => {
    const raw = rawConfig();
    raw.environments.find((e) => e.name === 'staging')!.priorityClass = 'flextime-nope';
    expect(configError(raw)).toMatch(/environments\[staging\]\.priorityClass.*unknown priority class 'flextime-nope'/);
  });

  it('refuses a platform class below a workload class, naming the field', () => {
    const raw = rawConfig();
    raw.priorityClasses.find((c) => c.name === raw.platformPriorityClass)!.value = 50;
    expect(configError(raw)).toMatch(/platformPriorityClass.*'flextime-platform' \(50\) must be at least every other class \(100000\)/);
  });
});
