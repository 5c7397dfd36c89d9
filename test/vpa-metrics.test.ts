/**
 * The right-sizing metrics for real (issue 20): kube-state-metrics v2.19.1 (the version
 * kube-prometheus-stack 88.2.0 deploys; tools/client-go-0.35) runs with the
 * custom-resource-state config our rendered kube-prometheus-stack Application gives it, against
 * a real kube-apiserver + etcd (the e2e's control plane, e2e/cluster/control-plane.ts, without
 * controllers) holding the VPA CRD, a VPA with a recommendation in its status and a pod of the
 * workload. Its /metrics must carry the VPA metrics under the names and labels our right-sizing
 * panels and alerts read, with the recommended values, and every selector of those rendered
 * queries must match a series it exports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify, parse } from 'yaml';
import { startCluster, type Cluster } from '../e2e/cluster/control-plane.ts';
import { matches, selectors } from '../lib/monitoring/promql.ts';
import { objects, renderPlatform } from './helpers.ts';
import { freePort } from './ports.ts';
import { scrape as scrapeMetrics } from './metrics-text.ts';
import { requireTool, ROOT, skipWithout } from './tools.ts';

const NS = 'flextime-production';
/** The recommendation written into the VPA's status, and what kube-state-metrics must turn it into. */
const RECOMMENDATION = { containerName: 'api-svc', target: { cpu: '250m', memory: '256Mi' }, lowerBound: { cpu: '100m', memory: '128Mi' }, upperBound: { cpu: '1', memory: '1Gi' } };
const EXPECTED: Array<[string, string, number]> = [
  ['kube_verticalpodautoscaler_status_recommendation_containerrecommendations_target', 'cpu', 0.25],
  ['kube_verticalpodautoscaler_status_recommendation_containerrecommendations_target', 'memory', 268435456],
  ['kube_verticalpodautoscaler_status_recommendation_containerrecommendations_lowerbound', 'cpu', 0.1],
  ['kube_verticalpodautoscaler_status_recommendation_containerrecommendations_lowerbound', 'memory', 134217728],
  ['kube_verticalpodautoscaler_status_recommendation_containerrecommendations_upperbound', 'cpu', 1],
  ['kube_verticalpodautoscaler_status_recommendation_containerrecommendations_upperbound', 'memory', 1073741824],
];

const files = renderPlatform();
const kps = objects('argocd/apps/', files).find((o) => o.metadata.name === 'addon-flextime-kube-prometheus-stack')!;
const ksmValues = (kps.spec as { source: { helm: { valuesObject: Record<string, { customResourceState: { config: unknown } }> } } }).source.helm.valuesObject['kube-state-metrics']!;
/** PromQL of the rendered right-sizing alerts (production) and the Performance dashboard's right-sizing panels. */
const rightSizingQueries = [
  ...objects('dist/production/monitoring/', files).filter((o) => o.kind === 'PrometheusRule')
    .flatMap((r) => (r.spec as { groups: Array<{ name: string; rules: Array<{ expr: string }> }> }).groups)
    .filter((g) => g.name === 'flextime-right-sizing').flatMap((g) => g.rules.map((r) => r.expr)),
  ...objects('dist/cluster/monitoring/', files).filter((o) => o.metadata.name === 'grafana-dashboard-performance')
    .flatMap((cm) => Object.values((cm as unknown as { data: Record<string, string> }).data))
    .flatMap((json) => (JSON.parse(json) as { panels: Array<{ targets?: Array<{ expr: string }> }> }).panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)))
    .filter((e) => e.includes('kube_verticalpodautoscaler')).map((e) => e.replaceAll('$environment', 'production')),
];

describe.skipIf(skipWithout('kube-state-metrics'))('kube-state-metrics with our VPA custom-resource-state config, against a real API server', () => {
  let cluster: Cluster | undefined;
  let ksm: ChildProcess | undefined;
  let url = '';
  const scrape = () => scrapeMetrics(url);

  beforeAll(async () => {
    cluster = await startCluster({ components: ['etcd', 'kube-apiserver'], log: () => {} });
    const kube = cluster.kube;
    const crd = parse(readFileSync(join(ROOT, '.tools', 'crds', 'vertical-pod-autoscaler', 'autoscaling.k8s.io_verticalpodautoscalers.yaml'), 'utf8'));
    await kube.create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    await kube.create('/api/v1/namespaces', { metadata: { name: NS } });
    await kube.create(`/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'default' } });
    await kube.create(`/api/v1/namespaces/${NS}/pods`, {
      metadata: { name: 'api-svc-5d8f7c9b4-x2k9p', labels: { 'app.kubernetes.io/name': 'api-svc' } },
      spec: { automountServiceAccountToken: false, containers: [{ name: 'api-svc', image: 'ghcr.io/flextime/api-svc:1', resources: { requests: { cpu: '1', memory: '1Gi' } } }] },
    });
    const vpaPath = `/apis/autoscaling.k8s.io/v1/namespaces/${NS}/verticalpodautoscalers`;
    // The CRD is served a moment after it is created: the create is retried until it is.
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await kube.create(vpaPath, { apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'api-svc' }, spec: { targetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api-svc' }, updatePolicy: { updateMode: 'Off' } } });
        break;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`the VPA CRD was not served within 20 s: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await kube.mergePatch(`${vpaPath}/api-svc/status`, { status: { recommendation: { containerRecommendations: [RECOMMENDATION] } } });

    const config = join(cluster.dir, 'custom-resource-state.yaml');
    writeFileSync(config, stringify(ksmValues.customResourceState.config));
    const [port, telemetry] = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}/metrics`;
    ksm = spawn(requireTool('kube-state-metrics'), [
      `--kubeconfig=${cluster.kubeconfig}`, '--host=127.0.0.1', `--port=${port}`, '--telemetry-host=127.0.0.1', `--telemetry-port=${telemetry}`,
      '--resources=pods', `--custom-resource-state-config-file=${config}`,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    ksm.stderr!.on('data', (d) => (log += d));
    const until = Date.now() + 30_000;
    for (;;) {
      const found = await scrape().then((s) => s.some((x) => x.name === EXPECTED[0]![0]), () => false);
      if (found) break;
      if (Date.now() > until) throw new Error(`kube-state-metrics exported no ${EXPECTED[0]![0]} within 30 s; its log:\n${log.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 180_000);

  afterAll(async () => {
    ksm?.kill();
    await cluster?.stop();
  });

  it('exports the recommendation per container and resource under the names and labels the right-sizing queries read', async () => {
    const series = await scrape();
    for (const [name, resource, value] of EXPECTED) {
      const hit = series.find((s) => s.name === name && s.labels.resource === resource);
      expect(hit?.labels, `${name} ${resource}`).toMatchObject({ namespace: NS, verticalpodautoscaler: 'api-svc', target_kind: 'Rollout', target_name: 'api-svc', container: 'api-svc' });
      expect(hit!.value, `${name} ${resource}`).toBe(value);
    }
    expect(series.find((s) => s.name === 'kube_pod_container_resource_requests' && s.labels.resource === 'cpu')).toMatchObject({ labels: { namespace: NS, pod: 'api-svc-5d8f7c9b4-x2k9p', container: 'api-svc' }, value: 1 });
  });

  it('has a series for every selector of the rendered right-sizing alerts and panels', async () => {
    const series = await scrape();
    expect(rightSizingQueries.length).toBeGreaterThanOrEqual(4);
    const unmatched = rightSizingQueries.flatMap((q) => selectors(q))
      .filter((s) => !series.some((x) => x.name === s.metric && s.matchers.every((m) => matches(m, x.labels[m.label]))))
      .map((s) => `${s.metric}{${s.matchers.map((m) => `${m.label}${m.op}"${m.value}"`).join(',')}}`);
    expect([...new Set(unmatched)]).toEqual([]);
  });
});
