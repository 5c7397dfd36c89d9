/**
 * Progressive delivery of api-svc: production runs an Argo Rollout built from the same hardened
 * pod template as the Deployments elsewhere, gated by an AnalysisTemplate on the SLO indicators
 * of the new version's pods, scaled by an HPA pointed at the Rollout. Staging and development
 * stay on Deployments. What the analysis decides is run for real in test/analysis-gate.test.ts.
 */
import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { PrometheusAnalysisTemplate } from '../lib/analysis-template.ts';
import { RolloutStrategy } from '../lib/rollout.ts';
import { HardenedWorkload, Replicas } from '../lib/workload.ts';
import { ProbeCheck } from '../lib/pod-props.ts';
import { configError, find, objects, rawConfig, renderPlatform } from './helpers.ts';

// The cases write deliberately wrong values, so the raw config is handled untyped here.
type Untyped = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const platform = loadConfig();
const files = renderPlatform(platform);
const env = (config: Untyped, name: string): Untyped => config.environments.find((e: { name: string }) => e.name === name);
function errorAfter(change: (config: Untyped) => void): string {
  const config: Untyped = rawConfig();
  change(config);
  return configError(config);
}

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const spec = (kind: string, name: string, prefix: string) => find(kind, name, prefix, files).spec as Spec;

describe('api-svc in production', () => {
  const prefix = 'dist/production/api-svc/';

  it('is an Argo Rollout, not a Deployment', () => {
    const kinds = objects(prefix, files).map((o) => o.kind).sort();
    expect(kinds).toContain('Rollout');
    expect(kinds).toContain('AnalysisTemplate');
    expect(kinds).not.toContain('Deployment');
    expect(find('Rollout', 'api-svc', prefix, files).apiVersion).toBe('argoproj.io/v1alpha1');
  });

  it('runs the same hardened pod template as the staging Deployment (only environment values differ)', () => {
    const rollout = spec('Rollout', 'api-svc', prefix).template;
    const staging = spec('Deployment', 'api-svc', 'dist/staging/api-svc/').template;
    const strip = (t: Spec) => JSON.parse(JSON.stringify(t).replaceAll('production', 'ENV').replaceAll('staging', 'ENV'));
    const shape = (t: Spec) => {
      const s = strip(t);
      for (const c of s.spec.containers) { delete c.image; delete c.resources; }
      delete s.metadata.labels['app.kubernetes.io/version'];
      // Development and staging run below production (environments[].priorityClass, test/priorities.test.ts).
      delete s.spec.priorityClassName;
      // Production spreads zones hard (test/zone-spread.test.ts).
      for (const tsc of s.spec.topologySpreadConstraints) { delete tsc.whenUnsatisfiable; delete tsc.nodeTaintsPolicy; }
      // The revision label each controller stamps on its pods (topology spread keys on it).
      // Production spreads over zones as a hard rule (environments[].zoneSpread, test/zone-spread.test.ts).
      for (const tsc of s.spec.topologySpreadConstraints) { delete tsc.matchLabelKeys; delete tsc.whenUnsatisfiable; delete tsc.nodeTaintsPolicy; }
      return s;
    };
    expect(shape(rollout)).toEqual(shape(staging));
    expect(rollout.spec.topologySpreadConstraints[0].matchLabelKeys).toEqual(['rollouts-pod-template-hash']);
    expect(rollout.spec.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it('is scaled by its HPA, which targets the Rollout', () => {
    expect(spec('HorizontalPodAutoscaler', 'api-svc', prefix).scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api-svc' });
    expect(spec('VerticalPodAutoscaler', 'api-svc', prefix).targetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api-svc' });
    expect(spec('Rollout', 'api-svc', prefix).replicas).toBeUndefined();
  });

  it('steps through the canary weights from config, each followed by the SLO analysis', () => {
    const delivery = platform.environments.find((e) => e.name === 'production')!.services['api-svc']!.delivery;
    if (delivery.kind !== 'canary') throw new Error('production delivers api-svc as a canary');
    const canary = spec('Rollout', 'api-svc', prefix).strategy.canary;
    const analysis = { templates: [{ templateName: 'api-svc-slo' }], args: [{ name: 'latest-hash', valueFrom: { podTemplateHashValue: 'Latest' } }], analysisRunMetadata: {} };
    expect(canary.steps).toEqual(delivery.steps.flatMap((setWeight) => [{ setWeight }, { analysis }]));
    expect(canary).toMatchObject({ maxUnavailable: 0, maxSurge: `${platform.maxSurgePercent}%` });
  });

  it('analyses the SLO indicators on the new version\'s pods only, bounded by the error budgets', () => {
    const template = spec('AnalysisTemplate', 'api-svc-slo', prefix);
    const metrics = template.metrics as Spec[];
    expect(template.args).toEqual([{ name: 'latest-hash' }]);
    expect(metrics.map((m) => m.name)).toEqual(['api-availability', 'api-latency-p95']);
    const canary = 'namespace="flextime-production",rollouts_pod_template_hash="{{args.latest-hash}}",service="api-svc"';
    expect(metrics.map((m) => m.provider.prometheus.query)).toEqual([
      `(\n  sum(rate(http_requests_total{code=~"5..",${canary}}[5m]))\n  or vector(0)\n)\n/\n(\n  sum(rate(http_requests_total{${canary}}[5m])) > 0\n)`,
      `1 - (\n  sum(rate(http_request_duration_seconds_bucket{le="0.5",${canary}}[5m]))\n/\n  (sum(rate(http_request_duration_seconds_count{${canary}}[5m])) > 0)\n)`,
    ]);
    for (const m of metrics) {
      expect(m.provider.prometheus.address).toBe('http://kube-prometheus-stack-prometheus.observability.svc.cluster.local:9090');
      expect(m).toMatchObject({ interval: '1m', count: 5, failureLimit: 0, inconclusiveLimit: 4 });
    }
    expect(metrics.map((m) => [m.successCondition, m.failureCondition])).toEqual([
      ['len(result) > 0 && result[0] <= 0.001', 'len(result) > 0 && result[0] > 0.001'], // 99.9 % available
      ['len(result) > 0 && result[0] <= 0.05', 'len(result) > 0 && result[0] > 0.05'], // 95 % within 500 ms
    ]);
  });

  it('syncs the AnalysisTemplate before the Rollout that names it, in the form the controller writes back', () => {
    // Same wave: the Rollout may be created first, is InvalidSpec (Degraded) and fails the sync.
    const meta = (kind: string, name: string) => find(kind, name, prefix, files).metadata as Spec;
    expect(meta('AnalysisTemplate', 'api-svc-slo').annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    expect(meta('Rollout', 'api-svc').annotations?.['argocd.argoproj.io/sync-wave']).toBeUndefined();
    // The controller stores analysisRunMetadata: {} in every analysis (a Go struct field); git must hold it too.
    for (const s of spec('Rollout', 'api-svc', prefix).strategy.canary.steps.filter((x: Spec) => x.analysis)) expect(s.analysis.analysisRunMetadata).toEqual({});
  });

  it('scrapes api-svc with the pods\' rollouts-pod-template-hash label, which the analysis selects on', () => {
    const endpoints = find('ServiceMonitor', 'api-svc', 'dist/production/monitoring/', files).spec as Spec;
    expect(endpoints.endpoints[0].relabelings).toEqual([
      { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'], targetLabel: 'rollouts_pod_template_hash' },
    ]);
    // Deployments elsewhere: no such pod label, no relabeling.
    expect((find('ServiceMonitor', 'api-svc', 'dist/staging/monitoring/', files).spec as Spec).endpoints[0].relabelings).toBeUndefined();
  });

  it('moves its gate with the objective: one config change, alerts and analysis together', () => {
    const raw: Untyped = rawConfig();
    raw.observability.slos.find((s: { name: string }) => s.name === 'api-availability').objective = 99.5;
    const changed = renderPlatform(loadConfig(raw), { environments: ['production'], shared: false });
    const metric = (find('AnalysisTemplate', 'api-svc-slo', prefix, changed).spec as Spec).metrics[0];
    expect([metric.successCondition, metric.failureCondition]).toEqual(['len(result) > 0 && result[0] <= 0.005', 'len(result) > 0 && result[0] > 0.005']);
  });
});

describe('api-svc in staging and development', () => {
  it.each(['staging', 'development'])('stays a Deployment in %s (delivery defaults to deployment)', (name) => {
    const kinds = objects(`dist/${name}/api-svc/`, files).map((o) => o.kind);
    expect(kinds).toContain('Deployment');
    expect(kinds).not.toContain('Rollout');
    expect(kinds).not.toContain('AnalysisTemplate');
  });

  it('switches to a blue-green Rollout with a preview Service by config alone', () => {
    const raw: Untyped = rawConfig();
    env(raw, 'staging').services['api-svc'].delivery = { kind: 'blue-green', analysis: { slos: ['api-availability'] } };
    const out = renderPlatform(loadConfig(raw), { environments: ['staging'], shared: false });
    const bg = (find('Rollout', 'api-svc', 'dist/staging/', out).spec as Spec).strategy.blueGreen;
    expect(bg).toEqual({
      activeService: 'api-svc',
      previewService: 'api-svc-preview',
      autoPromotionEnabled: true,
      scaleDownDelaySeconds: 600,
      postPromotionAnalysis: { templates: [{ templateName: 'api-svc-slo' }], args: [{ name: 'latest-hash', valueFrom: { podTemplateHashValue: 'Latest' } }], analysisRunMetadata: {} },
    });
    expect((find('Service', 'api-svc-preview', 'dist/staging/', out).spec as Spec).selector).toEqual({ 'app.kubernetes.io/name': 'api-svc', 'app.kubernetes.io/instance': 'api-svc-staging' });
  });
});

describe('delivery config errors', () => {
  it('names an SLO of another service', () => {
    expect(errorAfter((c) => { env(c, 'production').services['api-svc'].delivery.analysis.slos = ['schedule-job-errors']; }))
      .toContain("environments[production].services.api-svc.delivery.analysis.slos[0] = \"schedule-job-errors\": unknown SLO 'schedule-job-errors' of api-svc; allowed: api-availability, api-latency-p95, api-latency-p99, api-latency-p95-target");
  });

  it('refuses a window that is not a Prometheus duration, and rates over any that is', () => {
    expect(errorAfter((c) => { env(c, 'production').services['api-svc'].delivery.analysis.window = '5 minutes'; }))
      .toContain('environments[production].services.api-svc.delivery.analysis.window = "5 minutes": must be a Prometheus duration such as "5m" or "1h"');
    const raw: Untyped = rawConfig();
    env(raw, 'production').services['api-svc'].delivery.analysis.window = '10m';
    const out = renderPlatform(loadConfig(raw), { environments: ['production'], shared: false });
    const queries = (find('AnalysisTemplate', 'api-svc-slo', 'dist/production/', out).spec as Spec).metrics.map((m: Spec) => m.provider.prometheus.query as string);
    expect(queries.map((q: string) => q.match(/\[[^\]]+\]/g))).toEqual([['[10m]', '[10m]'], ['[10m]', '[10m]']]);
  });

  it('refuses canary steps that do not increase', () => {
    expect(errorAfter((c) => { env(c, 'production').services['api-svc'].delivery.steps = [10, 50, 25]; }))
      .toContain('environments[production].services.api-svc.delivery.steps[2] = 25: must be greater than the previous step (50)');
  });

  it('refuses a failure limit that no run can reach', () => {
    expect(errorAfter((c) => { env(c, 'production').services['api-svc'].delivery.analysis.failureLimit = 5; }))
      .toContain('environments[production].services.api-svc.delivery.analysis.failureLimit = 5: must be less than count (5), or no analysis can fail');
  });

  it('refuses a rollout of a service that runs as KEDA Jobs', () => {
    expect(errorAfter((c) => {
      c.services.find((s: { name: string }) => s.name === 'scheduler-svc').autoscaling.runAs = 'job';
      env(c, 'staging').services['scheduler-svc'].delivery = { kind: 'canary', steps: [50], analysis: { slos: ['schedule-job-errors'] } };
    })).toContain("environments[staging].services.scheduler-svc.delivery.kind = \"canary\": 'canary' needs a long-running workload; scheduler-svc runs as KEDA Jobs (services.scheduler-svc.autoscaling.runAs)");
  });

  it('counts a second set of pods for blue-green in the quota check', () => {
    expect(errorAfter((c) => { env(c, 'production').services['api-svc'].delivery = { kind: 'blue-green', analysis: { slos: ['api-availability'] } }; }))
      .toContain('environments[production].quota.limitsCpu');
  });
});

describe('RolloutStrategy and PrometheusAnalysisTemplate', () => {
  const workload = (strategy?: RolloutStrategy, kind: 'Deployment' | 'Rollout' = 'Rollout') => {
    const chart = new Chart(new App(), 'test');
    new HardenedWorkload(chart, 'w', {
      name: 'app', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'app' }, selectorLabels: { 'app.kubernetes.io/name': 'app' },
      kind, rolloutStrategy: strategy, replicas: Replicas.autoscaled(2, 4),
      servicePorts: [{ name: 'http', port: 80, targetPort: 'http' }],
      pod: { containers: [{ name: 'app', image: 'r/app:1', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }, probes: { liveness: ProbeCheck.http('/h', 'http'), readiness: ProbeCheck.http('/r', 'http') } }] },
    });
    return Testing.synth(chart);
  };

  it('refuses a Rollout without a strategy, and a strategy on a Deployment', () => {
    expect(() => workload(undefined)).toThrow("kind 'Rollout' needs a 'rolloutStrategy' (RolloutStrategy.canary or .blueGreen)");
    expect(() => workload(RolloutStrategy.canary({ steps: [50] }), 'Deployment')).toThrow("'rolloutStrategy' needs kind 'Rollout' (got 'Deployment')");
  });

  it('refuses canary weights out of order or out of range', () => {
    expect(() => RolloutStrategy.canary({ steps: [] })).toThrow("'steps' must name at least one canary weight");
    expect(() => RolloutStrategy.canary({ steps: [20, 20] })).toThrow("'steps[1]' (20) must be greater than 'steps[0]' (20)");
    expect(() => RolloutStrategy.canary({ steps: [100] })).toThrow("'steps[0]' (100) must be a whole per cent between 1 and 99");
    expect(() => RolloutStrategy.canary({ steps: [10], maxSurge: '2' })).toThrow("'maxSurge' (2) must be a percentage between 1% and 100%");
  });

  it('pauses before each analysis when asked', () => {
    const steps = (RolloutStrategy.canary({ steps: [10], pauseSeconds: 60, analysisTemplate: 't' }).render('app').canary as Spec).steps;
    expect(steps).toEqual([{ setWeight: 10 }, { pause: { duration: '60s' } }, { analysis: { templates: [{ templateName: 't' }], analysisRunMetadata: {} } }]);
  });

  it('renders a blue-green Rollout with its preview Service', () => {
    const out = workload(RolloutStrategy.blueGreen());
    expect(out.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['PodDisruptionBudget/app', 'Rollout/app', 'Service/app', 'Service/app-preview', 'ServiceAccount/app']);
    expect(() => RolloutStrategy.blueGreen({ scaleDownDelaySeconds: 5 })).toThrow("'scaleDownDelaySeconds' (5) must be >= 30: endpoints need that long to drop the old pods");
  });

  it('refuses an analysis that can never fail', () => {
    const make = (props: Partial<ConstructorParameters<typeof PrometheusAnalysisTemplate>[2]>) => new PrometheusAnalysisTemplate(new Chart(new App(), 'test'), 'a', {
      name: 'a', namespace: 'ns', labels: {}, address: 'http://p:9090', metrics: [{ name: 'm', query: 'q', max: 0.1 }], ...props,
    });
    expect(() => make({ count: 3, failureLimit: 3 })).toThrow("'failureLimit' (3) must be >= 0 and < 'count' (3), or no run can fail");
    expect(() => make({ metrics: [] })).toThrow("'metrics' must hold at least one metric");
    expect(() => make({ metrics: [{ name: 'm', query: 'q', max: Number.NaN }] })).toThrow("metric 'm': 'max' (NaN) must be a finite number >= 0");
    expect(() => make({ inconclusiveLimit: 5 })).toThrow("'inconclusiveLimit' (5) must be >= 0 and < 'count' (5)");
    expect(() => make({ metrics: [{ name: 'm', query: 'q{h="{{args.hash}}"}', max: 0.1 }] })).toThrow("metric 'm': query uses argument 'hash' that 'args' does not declare (declared: none)");
    expect(() => make({ args: ['hash'] })).toThrow("argument 'hash' in 'args' is used by no metric query");
  });
});
