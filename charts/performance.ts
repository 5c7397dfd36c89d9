/**
 * dist/cluster/performance: k6 load tests of the `loadTesting.target` environment's public API,
 * in their own namespace `<partOf>-performance`:
 *   - the namespace (PSS restricted, quota, limits) — not an environment namespace: it carries
 *     no `flextime.io/environment` label, so it reads its API token from the platform secret
 *     store and the environment's own policies and stores stay out of reach;
 *   - ConfigMap `k6-scripts`: loadtest/*.js and loadtest/thresholds.json (generated from the SLOs);
 *   - one k6-operator TestRun per `loadTesting.tests` (runs once each time it is created);
 *   - CronJob `k6-nightly`: the nightly tests side by side in one hardened pod;
 *   - NetworkPolicies: egress only to the ingress controller (HTTPS) and DNS, plus the
 *     k6-operator's calls to the runners' REST API.
 * Traffic enters the target like users' traffic: https://api.<domain>, connected to the
 * in-cluster ingress controller Service (k6 `hosts`), so TLS, rate limits and headers apply.
 */
import { readFileSync } from 'node:fs';
import type { App } from 'cdk8s';
import { DEFAULT_EPHEMERAL_STORAGE } from '../lib/ephemeral-storage.ts';
import { k8s } from 'cdk8s-plus-28';
import type { Platform } from '../config/index.ts';
import { LOADTEST_SCRIPTS } from '../config/schema.ts';
import { SyncedSecret } from '../lib/external-secrets.ts';
import { K6TestRun } from '../lib/k6-test-run.ts';
import { recommendedLabels } from '../lib/labels.ts';
import { GuardedNamespace } from '../lib/namespace.ts';
import { ZeroTrustPolicies, type NetworkPeer } from '../lib/network/zero-trust-policies.ts';
import { hardenedPodTemplate } from '../lib/pod.ts';
import { GeneratedDocument } from '../lib/synth/document.ts';
import { clusterChart, envContext, type EnvContext } from './context.ts';
import { k6ThresholdsJson, THRESHOLDS_PATH } from './loadtest-thresholds.ts';

const SOURCE = 'charts/performance.ts';
const LOADTEST_DIR = new URL('../loadtest/', import.meta.url);
/** Files of loadtest/ every script may import or open (ConfigMap keys, mounted side by side). */
const SHARED_FILES = ['flextime.js'] as const;
export const SCRIPTS_CONFIGMAP = 'k6-scripts';
export const API_TOKEN_SECRET = 'k6-api-token';
/** Label naming the environment a load-test object drives (instead of flextime.io/environment). */
export const LOAD_TEST_TARGET_LABEL = 'flextime.io/load-test-target';
/** Pod names (`app.kubernetes.io/name`) the NetworkPolicies select. */
export const K6_PODS = { runner: 'k6-runner', starter: 'k6-starter', nightly: 'k6-nightly' } as const;
const K6_OPERATOR_ADDON = 'k6-operator';
const INGRESS_ADDON = 'ingress-nginx';
const K6_API_PORT = 6565;

/** `<partOf>-performance`. */
export function performanceNamespace(platform: Platform): string {
  return `${platform.partOf}-performance`;
}

/** What the scripts get as `-e NAME=value`: the target URL and the in-cluster ingress controller to connect to. */
export function targetEnv(ctx: EnvContext): Record<string, string> {
  const { platform, env } = ctx;
  const controller = platform.addons.find((a) => a.name === INGRESS_ADDON);
  if (!controller) throw new Error(`missing dependency: load tests connect through the add-on '${INGRESS_ADDON}' (config/addons.ts)`);
  return {
    BASE_URL: `https://api.${env.domain}`,
    // ArgoCD installs the chart with release name = chart name: Service `<release>-controller`.
    HOST_OVERRIDE: `${controller.chart}-controller.${platform.ingress.controllerNamespace}.svc.cluster.local`,
  };
}

/** ConfigMap data: every script, the shared module and the generated thresholds. */
export function scriptFiles(platform: Platform): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of [...SHARED_FILES, ...LOADTEST_SCRIPTS.map((s) => `${s}.js`)].sort()) {
    files[name] = readFileSync(new URL(name, LOADTEST_DIR), 'utf8');
  }
  files['thresholds.json'] = k6ThresholdsJson(platform);
  return files;
}

export function performanceChart(app: App, platform: Platform): void {
  const lt = platform.loadTesting;
  const env = platform.environments.find((e) => e.name === lt.target)!;
  const ctx = envContext(platform, env);
  const chart = clusterChart(app, 'performance', SOURCE);
  const namespace = performanceNamespace(platform);
  const labels = (name: string, component = 'load-test') => recommendedLabels({
    name,
    instance: `${name}-${env.name}`,
    component,
    partOf: platform.partOf,
    extraLabels: { [LOAD_TEST_TARGET_LABEL]: env.name },
  });

  new GeneratedDocument(chart, 'Thresholds', { path: THRESHOLDS_PATH, content: k6ThresholdsJson(platform) });

  new GuardedNamespace(chart, 'Namespace', {
    name: namespace,
    labels: labels(namespace, 'namespace'),
    podSecurityVersion: platform.podSecurityVersion,
    quota: {
      requests: { cpu: lt.quota.requestsCpu, memory: lt.quota.requestsMemory },
      limits: { cpu: lt.quota.limitsCpu, memory: lt.quota.limitsMemory },
      pods: lt.quota.pods,
      services: lt.quota.pods, // the operator creates one Service per runner
      persistentVolumeClaims: 0,
      loadBalancers: 0,
      nodePorts: 0,
    },
    // Disk: the hardened default per container (lib/ephemeral-storage.ts) plus its /tmp must fit under max.
    containerLimits: {
      defaultRequest: { ...lt.resources.requests, ephemeralStorage: DEFAULT_EPHEMERAL_STORAGE.request },
      default: { ...lt.resources.limits, ephemeralStorage: DEFAULT_EPHEMERAL_STORAGE.limit },
      max: { ...lt.resources.limits, ephemeralStorage: '1Gi' },
    },
  });

  new k8s.KubeServiceAccount(chart, 'ServiceAccount', {
    metadata: { name: 'k6', namespace, labels: labels('k6') },
    automountServiceAccountToken: false,
  });
  new SyncedSecret(chart, 'ApiToken', {
    name: API_TOKEN_SECRET,
    namespace,
    labels: labels(API_TOKEN_SECRET),
    // The platform store: it serves namespaces without the environment label, with full key names.
    storeName: platform.secretStore.name,
    keys: [{ secretKey: 'API_TOKEN', remoteKey: lt.apiTokenSecretKey, property: 'token' }],
    refreshInterval: platform.secretStore.refreshInterval,
  });
  new k8s.KubeConfigMap(chart, 'Scripts', {
    metadata: { name: SCRIPTS_CONFIGMAP, namespace, labels: labels(SCRIPTS_CONFIGMAP) },
    data: scriptFiles(platform),
  });

  const target = targetEnv(ctx);
  const tokenEnv: k8s.EnvVar = { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: API_TOKEN_SECRET, key: 'API_TOKEN' } } };
  // The lowest class: load generators must never take room from what they measure, nor from production.
  const lowestPriority = [...platform.priorityClasses].sort((a, b) => a.value - b.value)[0]!.name;
  const args = (t: typeof lt.tests[number]) => [
    ...Object.entries({ PROFILE: 'load', VUS: String(t.vus), DURATION: t.duration, ...target }).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    '--tag', `test=${t.name}`,
  ];

  for (const t of lt.tests) {
    new K6TestRun(chart, `TestRun-${t.name}`, {
      name: t.name,
      namespace,
      labels: labels(t.name),
      scriptConfigMap: SCRIPTS_CONFIGMAP,
      scriptFile: `${t.script}.js`,
      parallelism: t.parallelism,
      arguments: args(t).join(' '),
      serviceAccountName: 'k6',
      priorityClassName: lowestPriority,
      runner: { image: lt.k6Image, resources: lt.resources, labels: labels(K6_PODS.runner), env: [tokenEnv] },
      starter: { image: lt.starterImage, resources: lt.resources, labels: labels(K6_PODS.starter) },
    });
  }

  // The nightly run: one k6 container per test, started together; the Job fails if any threshold fails.
  const nightly = lt.nightly.tests.map((name) => lt.tests.find((t) => t.name === name)!);
  const longest = Math.max(...nightly.map((t) => seconds(t.duration)));
  const pod = hardenedPodTemplate({
    labels: labels(K6_PODS.nightly),
    serviceAccountName: 'k6',
    priorityClassName: lowestPriority,
    restartPolicy: 'Never',
    preStopSleepSeconds: 0,
    exceptions: { withoutProbes: 'run-to-completion load test; k6 exits with 99 when a threshold fails' },
    containers: nightly.map((t) => ({
      name: `k6-${t.name}`,
      image: lt.k6Image,
      args: ['run', '--no-usage-report', ...args(t), `/scripts/${t.script}.js`],
      resources: lt.resources,
      env: [tokenEnv],
      volumeMounts: [{ name: 'scripts', mountPath: '/scripts', readOnly: true }],
    })),
    volumes: [{ name: 'scripts', configMap: { name: SCRIPTS_CONFIGMAP } }],
  });
  new k8s.KubeCronJob(chart, 'Nightly', {
    metadata: { name: K6_PODS.nightly, namespace, labels: labels(K6_PODS.nightly) },
    spec: {
      schedule: lt.nightly.schedule,
      timeZone: lt.nightly.timeZone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      jobTemplate: {
        metadata: { labels: labels(K6_PODS.nightly) },
        spec: {
          backoffLimit: 0,
          // Ramp up and down (a tenth each, loadtest/flextime.js) plus 5 minutes of slack.
          activeDeadlineSeconds: Math.ceil(longest * 1.2) + 300,
          template: pod,
        },
      },
    },
  });

  new ZeroTrustPolicies(chart, 'Policies', {
    namespace,
    labels: (workload) => labels(workload, 'network-policy'),
    neverReachable: platform.network.neverReachable,
    rules: performanceRules(platform),
  });
}

/** Who may talk to whom in the performance namespace: k6 → ingress controller and DNS; starter and operator → runners. */
export function performanceRules(platform: Platform) {
  const peer = (name: string): NetworkPeer => {
    const p = platform.network.clusterPeers.find((c) => c.name === name);
    if (!p) throw new Error(`missing dependency: the load tests need the cluster peer '${name}' in network.clusterPeers (config/network.ts)`);
    return { kind: 'pods', name: p.name, namespace: p.namespace, podLabels: p.podLabels };
  };
  const operator = platform.addons.find((a) => a.name === K6_OPERATOR_ADDON);
  if (!operator) throw new Error(`missing dependency: TestRuns need the add-on '${K6_OPERATOR_ADDON}' (config/addons.ts)`);
  const workload = (name: string): NetworkPeer => ({ kind: 'workload', name });
  const dns = [{ port: 53, protocol: 'UDP' as const }, { port: 53, protocol: 'TCP' as const }];
  return [
    { from: workload(K6_PODS.runner), to: peer('ingress-nginx'), ports: [{ port: 443 }] },
    { from: workload(K6_PODS.nightly), to: peer('ingress-nginx'), ports: [{ port: 443 }] },
    { from: workload(K6_PODS.runner), to: peer('kube-dns'), ports: dns },
    { from: workload(K6_PODS.nightly), to: peer('kube-dns'), ports: dns },
    { from: workload(K6_PODS.starter), to: peer('kube-dns'), ports: dns },
    { from: workload(K6_PODS.starter), to: workload(K6_PODS.runner), ports: [{ port: K6_API_PORT }] },
    // The operator polls each runner's /v1/status before starting the test.
    { from: { kind: 'pods', name: K6_OPERATOR_ADDON, namespace: operator.namespace, podLabels: {} } as NetworkPeer, to: workload(K6_PODS.runner), ports: [{ port: K6_API_PORT }] },
  ];
}

function seconds(duration: string): number {
  const m = /^([0-9]+)(ms|s|m|h)$/.exec(duration)!;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}
