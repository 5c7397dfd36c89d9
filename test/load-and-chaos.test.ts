/**
 * Load tests (dist/cluster/performance) and chaos experiments (dist/staging/chaos): what is
 * rendered, what the performance namespace may reach, and the two locks that keep chaos out of
 * production — config refuses it, and Gatekeeper's chaos-containment constraint denies it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { LOADTEST_SCRIPTS } from '../config/schema.ts';
import { k6ThresholdsJson } from '../charts/loadtest-thresholds.ts';
import { chaosProtectedNamespaces } from '../charts/security-rules/gatekeeper-policies.ts';
import { EXPECTED_OUTCOME_ANNOTATION } from '../lib/chaos-schedule.ts';
import { reachability, type PodEndpoint } from '../lib/network/reachability.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { configError, find, objects, rawConfig, renderPlatform } from './helpers.ts';
import { ROOT } from './tools.ts';

// The cases write deliberately wrong values, so the raw config is handled untyped here.
type Untyped = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const platform = loadConfig();
const files = renderPlatform(platform);
const PERF = 'dist/cluster/performance/';
const env = (config: Untyped, name: string): Untyped => config.environments.find((e: { name: string }) => e.name === name);
function errorAfter(change: (config: Untyped) => void): string {
  const config: Untyped = rawConfig();
  change(config);
  return configError(config);
}
const isChaos = (o: KubeObject) => o.apiVersion.startsWith('chaos-mesh.org/');

describe('chaos never lands in production', () => {
  it('config refuses chaos experiments in production', () => {
    expect(errorAfter((c) => { env(c, 'production').chaos = env(c, 'staging').chaos; }))
      .toContain('environments[production].chaos = {');
    expect(errorAfter((c) => { env(c, 'production').chaos = env(c, 'staging').chaos; }))
      .toContain('chaos experiments are not allowed in production; run them in staging');
  });

  it('renders chaos objects only under dist/staging, all in the staging namespace and selecting only its pods', () => {
    const chaos = files.filter((f) => isChaos(f.object));
    expect(chaos.map((f) => f.path).sort()).toEqual([
      'dist/staging/chaos/schedule-api-svc-pod-kill.yaml',
      'dist/staging/chaos/schedule-api-svc-redis-delay.yaml',
      'dist/staging/chaos/schedule-scheduler-svc-pod-failure.yaml',
    ]);
    for (const { object } of chaos) {
      expect(object.metadata.namespace).toBe('flextime-staging');
      const selected = JSON.stringify(object.spec).match(/"namespaces":\[[^\]]*\]/g)!;
      expect(selected.every((s) => s === '"namespaces":["flextime-staging"]'), JSON.stringify(selected)).toBe(true);
    }
    expect(objects('dist/production/', files).filter(isChaos)).toEqual([]);
  });

  it('lets Chaos Mesh into the staging namespace only (namespace filter annotation)', () => {
    const annotation = (name: string) => find('Namespace', `flextime-${name}`, `dist/${name}/`, files).metadata.annotations?.['chaos-mesh.org/inject'];
    expect(annotation('staging')).toBe('enabled');
    expect(annotation('production')).toBeUndefined();
    expect(annotation('development')).toBeUndefined();
  });

  it('has Gatekeeper deny chaos objects in or aimed at production (constraint parameters and match from config)', () => {
    expect(chaosProtectedNamespaces(platform)).toEqual(['flextime-development', 'flextime-production']);
    const deny = find('FlexTimeChaosContainment', 'chaos-containment-deny', 'dist/cluster/security/', files).spec as Spec;
    expect(deny.enforcementAction).toBe('deny');
    expect(deny.match.kinds).toEqual([{ apiGroups: ['chaos-mesh.org'], kinds: ['*'] }]);
    expect(deny.match.namespaceSelector.matchExpressions).toEqual([{ key: 'flextime.io/environment', operator: 'In', values: ['staging', 'production'] }]);
    expect(deny.parameters.protectedNamespaces).toEqual(['flextime-development', 'flextime-production']);
    const outside = find('FlexTimeChaosContainment', 'chaos-containment-platform', 'dist/cluster/security/', files).spec as Spec;
    expect(outside.enforcementAction).toBe('deny');
    expect(outside.parameters.protectedNamespaces).toContain('flextime-production');
  });

  it('writes the expected outcome next to every experiment', () => {
    const staging = platform.environments.find((e) => e.name === 'staging')!;
    for (const x of staging.chaos!.experiments) {
      const schedule = find('Schedule', x.name, 'dist/staging/chaos/', files);
      expect(schedule.metadata.annotations?.[EXPECTED_OUTCOME_ANNOTATION]).toBe(x.expect);
      expect((schedule.spec as Spec).schedule).toBe(`CRON_TZ=${staging.chaos!.timeZone} ${x.schedule}`);
    }
  });

  it('kills api-svc pods, delays api-svc → redis and fails scheduler-svc pods, as config says', () => {
    const spec = (name: string) => find('Schedule', name, 'dist/staging/chaos/', files).spec as Spec;
    expect(spec('api-svc-pod-kill')).toMatchObject({ type: 'PodChaos', podChaos: { action: 'pod-kill', mode: 'fixed-percent', value: '50', selector: { labelSelectors: { 'app.kubernetes.io/name': 'api-svc' } } } });
    expect(spec('api-svc-redis-delay')).toMatchObject({
      type: 'NetworkChaos',
      networkChaos: { action: 'delay', direction: 'to', duration: '10m', delay: { latency: '100ms', jitter: '20ms' }, target: { selector: { labelSelectors: { 'app.kubernetes.io/name': 'redis' } } } },
    });
    expect(spec('scheduler-svc-pod-failure')).toMatchObject({ type: 'PodChaos', podChaos: { action: 'pod-failure', duration: '2m', selector: { labelSelectors: { 'app.kubernetes.io/name': 'scheduler-svc' } } } });
  });
});

describe('chaos and load-test config errors', () => {
  it('names a chaos target that does not run in the environment', () => {
    expect(errorAfter((c) => { env(c, 'staging').chaos.experiments[1].to = 'memcached'; }))
      .toContain("environments[staging].chaos.experiments[api-svc-redis-delay].to = \"memcached\": unknown workload 'memcached' in staging; allowed: api-svc, scheduler-svc, redis, pgbouncer, flextime-backup, flextime-restore-verify, pushgateway");
  });

  it('asks for the expected outcome of an experiment', () => {
    expect(errorAfter((c) => { env(c, 'staging').chaos.experiments[0].expect = 'ok'; }))
      .toContain('environments[staging].chaos.experiments[api-svc-pod-kill].expect = "ok": must say what must hold while it runs (at least 20 characters)');
  });

  it('refuses load tests against production', () => {
    expect(errorAfter((c) => { c.loadTesting.target = 'production'; }))
      .toContain('loadTesting.target = "production": load tests must not target production; use staging');
  });

  it('names a nightly test that is not defined', () => {
    expect(errorAfter((c) => { c.loadTesting.nightly.tests = ['soak']; }))
      .toContain("loadTesting.nightly.tests[0] = \"soak\": unknown test 'soak'; allowed: read-schedules, schedule-generation");
  });

  it('refuses more runners than virtual users', () => {
    expect(errorAfter((c) => { c.loadTesting.tests[0].parallelism = 12; c.loadTesting.tests[0].vus = 10; }))
      .toContain('loadTesting.tests[read-schedules].parallelism = 12: must be <= vus (10): every runner needs a virtual user');
  });
});

describe('the performance namespace', () => {
  const perf = objects(PERF, files);

  it('is PSS restricted, has a quota, and is not an environment namespace', () => {
    const ns = find('Namespace', 'flextime-performance', PERF, files);
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'flextime.io/load-test-target': 'staging' });
    expect(ns.metadata.labels?.['flextime.io/environment']).toBeUndefined();
    expect((find('ResourceQuota', 'flextime-performance', PERF, files).spec as Spec).hard).toMatchObject({ pods: 20, 'requests.cpu': '4' });
    expect(perf.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'flextime-performance')).toBe(true);
  });

  it('mounts every script, the shared module and the generated thresholds in one ConfigMap', () => {
    const data = find('ConfigMap', 'k6-scripts', PERF, files).data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['flextime.js', ...LOADTEST_SCRIPTS.map((s) => `${s}.js`), 'thresholds.json'].sort());
    for (const name of Object.keys(data).filter((n) => n.endsWith('.js'))) expect(data[name]).toBe(readFileSync(join(ROOT, 'loadtest', name), 'utf8'));
    expect(data['thresholds.json']).toBe(k6ThresholdsJson(platform));
  });

  it('runs one TestRun per configured test, at the staging host through the in-cluster ingress controller', () => {
    for (const t of platform.loadTesting.tests) {
      const spec = find('TestRun', t.name, PERF, files).spec as Spec;
      expect(spec.script).toEqual({ configMap: { name: 'k6-scripts', file: `${t.script}.js` } });
      expect(spec.parallelism).toBe(t.parallelism);
      expect(spec.arguments).toBe(`-e PROFILE=load -e VUS=${t.vus} -e DURATION=${t.duration} -e BASE_URL=https://api.staging.flextime.app -e HOST_OVERRIDE=ingress-nginx-controller.ingress-nginx.svc.cluster.local --tag test=${t.name}`);
      for (const role of ['runner', 'starter', 'initializer']) {
        const pod = spec[role];
        expect(pod.securityContext, role).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        expect(pod.containerSecurityContext, role).toEqual({
          allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' },
        });
        // ephemeral-storage: the hardened 256Mi plus the pod's 64Mi /tmp (lib/ephemeral-storage.ts).
        expect(pod.resources.limits, role).toEqual({ 'cpu': '1', 'memory': '1Gi', 'ephemeral-storage': '320Mi' });
        expect(pod.automountServiceAccountToken, role).toBe('false');
        expect(pod.image, role).toMatch(/^ghcr\.io\/flextime\/.+@sha256:[a-f0-9]{64}$/);
      }
      expect(spec.runner.env).toEqual([{ name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'k6-api-token', key: 'API_TOKEN' } } }]);
    }
  });

  it('runs the nightly tests side by side in one hardened CronJob pod, in the configured time zone', () => {
    const cron = find('CronJob', 'k6-nightly', PERF, files).spec as Spec;
    expect(cron).toMatchObject({ schedule: platform.loadTesting.nightly.schedule, timeZone: platform.loadTesting.nightly.timeZone, concurrencyPolicy: 'Forbid' });
    const pod = cron.jobTemplate.spec.template.spec;
    expect(pod.containers.map((c: Spec) => c.name)).toEqual(platform.loadTesting.nightly.tests.map((t) => `k6-${t}`));
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.args.at(-1)).toMatch(/^\/scripts\/[a-z-]+\.js$/);
    }
    expect(cron.jobTemplate.spec.activeDeadlineSeconds).toBe(Math.ceil(20 * 60 * 1.2) + 300);
  });

  it('reads its API token from the platform secret store, never a Secret in git', () => {
    expect(perf.filter((o) => o.kind === 'Secret')).toEqual([]);
    const es = find('ExternalSecret', 'k6-api-token', PERF, files).spec as Spec;
    expect(es.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'aws-secrets-manager' });
    expect(es.data).toEqual([{ secretKey: 'API_TOKEN', remoteRef: { key: 'flextime/performance/api-token', property: 'token' } }]);
  });

  it('lets k6 reach only the ingress controller (443) and DNS; only the starter and the operator reach the runners', () => {
    const peer = (name: string): PodEndpoint => {
      const p = platform.network.clusterPeers.find((c) => c.name === name)!;
      return { namespace: p.namespace, name, labels: p.podLabels, ports: [] };
    };
    const k6 = (name: string): PodEndpoint => ({ namespace: 'flextime-performance', name, labels: { 'app.kubernetes.io/name': name }, ports: name === 'k6-runner' ? [{ port: 6565 }] : [] });
    const pods: PodEndpoint[] = [
      k6('k6-runner'), k6('k6-starter'), k6('k6-nightly'),
      peer('ingress-nginx'), peer('kube-dns'),
      { namespace: 'k6-operator-system', name: 'k6-operator', labels: { 'app.kubernetes.io/name': 'k6-operator' }, ports: [] },
      { namespace: 'flextime-staging', name: 'api-svc', labels: { 'app.kubernetes.io/name': 'api-svc' }, ports: [{ port: 3000 }] },
      { namespace: 'default', name: 'intruder', labels: { app: 'intruder' }, ports: [] },
    ];
    const externals = [{ name: 'internet', cidr: '198.51.100.0/24' }, { name: 'metadata', cidr: '169.254.169.254/32' }];
    const pairs = [...reachability({ policies: perf.filter((o) => o.kind === 'NetworkPolicy'), pods, externals })]
      .filter((p) => p.includes('flextime-performance/')).sort();
    expect(pairs).toEqual([
      'flextime-performance/k6-nightly → ingress-nginx/ingress-nginx:443/TCP',
      'flextime-performance/k6-nightly → kube-system/kube-dns:53/TCP',
      'flextime-performance/k6-nightly → kube-system/kube-dns:53/UDP',
      'flextime-performance/k6-runner → ingress-nginx/ingress-nginx:443/TCP',
      'flextime-performance/k6-runner → kube-system/kube-dns:53/TCP',
      'flextime-performance/k6-runner → kube-system/kube-dns:53/UDP',
      'flextime-performance/k6-starter → flextime-performance/k6-runner:6565/TCP',
      'flextime-performance/k6-starter → kube-system/kube-dns:53/TCP',
      'flextime-performance/k6-starter → kube-system/kube-dns:53/UDP',
      'k6-operator-system/k6-operator → flextime-performance/k6-runner:6565/TCP',
    ]);
  });

  it('is an ArgoCD Application of the flextime project, which may write the namespace and nothing more', () => {
    const app = find('Application', 'cluster-flextime-performance', 'argocd/apps/', files).spec as Spec;
    expect(app.project).toBe('flextime');
    expect(app.source.path).toBe('dist/cluster/performance');
    const project = find('AppProject', 'flextime', 'argocd/projects/', files).spec as Spec;
    expect(project.destinations.map((d: Spec) => d.namespace)).toEqual(['flextime-development', 'flextime-staging', 'flextime-production', 'flextime-performance', '']);
    expect(project.clusterResourceWhitelist).toContainEqual({ group: '', kind: 'Namespace', name: 'flextime-performance' });
  });
});
