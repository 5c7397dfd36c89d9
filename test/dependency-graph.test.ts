/**
 * The sync order is derived from what each Application provides and needs (lib/graph,
 * charts/bootstrap-order.ts): unmet needs and cycles fail synth naming both ends and the field,
 * the deadlocks of issue 16 cannot be expressed, and the committed argocd/ follows the graph.
 * Expected values are literals; nothing here is read back from config/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiObject, type App } from 'cdk8s';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../charts/index.ts';
import { loadConfig } from '../config/index.ts';
import { dependencyGraph, type GraphNode } from '../lib/graph/graph.ts';
import { needsOf } from '../lib/graph/needs.ts';
import { providesOf } from '../lib/graph/provides.ts';
import { kindRef, objectRef, refKey } from '../lib/graph/refs.ts';
import { render } from '../lib/synth/engine.ts';
import { type KubeObject } from '../lib/synth/object-json.ts';
import { BuildError } from '../lib/values/build-error.ts';
import { OutputChart } from '../lib/synth/output-chart.ts';
import { rawConfig } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..');
const secret = (name: string) => objectRef('', 'Secret', name, 'ns');

describe('lib/graph: layering, unmet needs, cycles', () => {
  const node = (id: string, provides: GraphNode['provides'], needs: Array<[string, GraphNode['provides'][number]]>): GraphNode =>
    ({ id, label: `dist/${id}`, scope: 'c1', provides, needs: needs.map(([field, ref]) => ({ field, ref })) });

  it('puts a node one layer above its highest provider (longest path), and meets needs of its own and of the cluster', () => {
    const graph = dependencyGraph([
      node('app', [], [['deployment-app.env', secret('token')], ['deployment-app.sa', objectRef('', 'ServiceAccount', 'default', 'ns')], ['deployment-app.ns', objectRef('', 'Namespace', 'ns')]]),
      node('secrets', [secret('token')], [['externalsecret-token.ns', objectRef('', 'Namespace', 'ns')]]),
      node('namespaces', [objectRef('', 'Namespace', 'ns')], [['namespace-ns.kind', kindRef('', 'Namespace')]]),
      node('self', [secret('own')], [['deployment-self.env', secret('own')]]),
    ]);
    expect(Object.fromEntries(graph.layers)).toEqual({ app: 2, namespaces: 0, secrets: 1, self: 0 });
  });

  it('names the node, the field and the ref of a need that nothing provides', () => {
    expect(() => dependencyGraph([node('app', [], [['deployment-app.spec.x', secret('missing')]])]))
      .toThrow('dist/app deployment-app.spec.x needs Secret ns/missing, which nothing provides');
  });

  it('names both ends and both fields of a cycle', () => {
    expect(() => dependencyGraph([
      node('a', [secret('a')], [['deployment-a.env', secret('b')]]),
      node('b', [secret('b')], [['deployment-b.env', secret('a')]]),
    ])).toThrow('cycle: dist/a deployment-a.env needs Secret ns/b from dist/b; dist/b deployment-b.env needs Secret ns/a from dist/a (no sync order can satisfy this: move one of these objects into another component)');
  });

  it('refuses a ref provided by two nodes, or by a node and an external input', () => {
    expect(() => dependencyGraph([node('a', [secret('x')], []), node('b', [secret('x')], [])]))
      .toThrow('Secret ns/x is provided by both dist/a and dist/b; keep exactly one');
    expect(() => dependencyGraph([node('a', [secret('x')], [])], [{ scope: 'c1', ref: secret('x'), from: 'terraform' }]))
      .toThrow('Secret ns/x is provided by both external input (terraform) and dist/a; keep exactly one');
  });

  it('meets a need with an external input of the same scope only', () => {
    const role = objectRef('iam.amazonaws.com', 'Role', 'arn:aws:iam::1:role/r');
    const graph = dependencyGraph([node('a', [], [['serviceaccount-a.annotation', role]])], [{ scope: 'c1', ref: role, from: 'terraform output x' }]);
    expect(graph.layers.get('a')).toBe(0);
    expect(graph.external.get('a')?.map((u) => u.input.from)).toEqual(['terraform output x']);
    expect(() => dependencyGraph([node('a', [], [['serviceaccount-a.annotation', role]])], [{ scope: 'c2', ref: role, from: 'terraform output x' }]))
      .toThrow('dist/a serviceaccount-a.annotation needs Role arn:aws:iam::1:role/r, which nothing provides');
  });
});

/** A Deployment in flextime-staging whose container reads `secretRef` and `configMapRef`, if given. */
function deploymentNeeding(scope: OutputChart, name: string, refs: { secret?: string; configMap?: string }): void {
  const env = [
    ...(refs.secret ? [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: refs.secret, key: 'token' } } }] : []),
    ...(refs.configMap ? [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: refs.configMap, key: 'mode' } } }] : []),
  ];
  new ApiObject(scope, name, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'flextime-staging' },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'x', env }] } } },
  });
}

const stagingChart = (app: App, component: string) => new OutputChart(app, `staging-${component}`, { outputDir: `dist/staging/${component}`, source: 'test' });
const synthError = (build: () => App): string => {
  try {
    render(build());
    return '';
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    return error.message;
  }
};

describe('synth with a new component', () => {
  it('fails, naming the component, the field and the Secret, when nothing provides the Secret it needs', () => {
    const message = synthError(() => buildApp(loadConfig(), { extraCharts: (app) => deploymentNeeding(stagingChart(app, 'payments'), 'payments', { secret: 'payments-token' }) }));
    expect(message).toContain('dist/staging/payments deployment-payments.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name needs Secret flextime-staging/payments-token, which nothing provides');
  });

  it('syncs it after the component that produces its Secret, wherever that component comes from', () => {
    const app = buildApp(loadConfig(), {
      extraCharts: (scope) => {
        deploymentNeeding(stagingChart(scope, 'payments'), 'payments', { secret: 'payments-token' });
        new ApiObject(stagingChart(scope, 'payments-secrets'), 'es', {
          apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'payments-token', namespace: 'flextime-staging' },
          spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager-staging' }, target: { name: 'payments-token' } },
        });
      },
    });
    const waves = applicationWaves(render(app).filter((f) => f.path.startsWith('argocd/apps/')).map((f) => f.object));
    expect(waves.get('staging-payments-secrets')).toBe(40);
    expect(waves.get('staging-payments')).toBe(50);
  });

  it('fails, naming both components and both fields, when the component producing its Secret needs it back (a cycle)', () => {
    const message = synthError(() => buildApp(loadConfig(), {
      extraCharts: (scope) => {
        const payments = stagingChart(scope, 'payments');
        deploymentNeeding(payments, 'payments', { secret: 'payments-token' });
        new ApiObject(payments, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'payments-config', namespace: 'flextime-staging' }, data: { mode: 'live' } });
        const tokens = stagingChart(scope, 'tokens');
        deploymentNeeding(tokens, 'token-issuer', { configMap: 'payments-config' });
        new ApiObject(tokens, 'token', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'payments-token', namespace: 'flextime-staging' } });
      },
    }));
    expect(message).toContain(
      'cycle: dist/staging/payments deployment-payments.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name needs Secret flextime-staging/payments-token from dist/staging/tokens; '
      + 'dist/staging/tokens deployment-token-issuer.spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef.name needs ConfigMap flextime-staging/payments-config from dist/staging/payments',
    );
  });
});

/** Wave of every Application among `objects`. */
function applicationWaves(objects: readonly KubeObject[]): Map<string, number> {
  return new Map(objects.filter((o) => o.kind === 'Application').map((o) => [o.metadata.name!, Number(o.metadata.annotations!['argocd.argoproj.io/sync-wave'])]));
}

/** The committed output, as ArgoCD reads it from git. */
function committed(dir: string): KubeObject[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.yaml'))
    .map((d) => parse(readFileSync(join(d.parentPath, d.name), 'utf8')) as KubeObject);
}

describe('the deadlocks of issue 16 cannot be expressed', () => {
  const waves = applicationWaves(committed('argocd/apps'));
  const wave = (name: string) => {
    const w = waves.get(name);
    if (w === undefined) throw new Error(`no Application ${name} in argocd/apps`);
    return w;
  };

  it.each([
    // kube-prometheus-stack takes Secret grafana-oauth and AlertmanagerConfig flextime-alert-routing from cluster alerting.
    ['addon-flextime-kube-prometheus-stack', 'cluster-flextime-alerting'],
    // Falco mounts ConfigMap falco-flextime-rules and Secret falcosidekick-slack from cluster security.
    ['addon-flextime-falco', 'cluster-flextime-security'],
    // cluster security's ExternalSecret reads through the ClusterSecretStore of cluster secrets.
    ['cluster-flextime-security', 'cluster-flextime-secrets'],
    ['cluster-flextime-alerting', 'cluster-flextime-secrets'],
    // ServiceMonitors and the AlertmanagerConfig need the Prometheus Operator CRDs.
    ['cluster-flextime-alerting', 'addon-flextime-prometheus-operator-crds'],
    ['addon-flextime-external-secrets', 'addon-flextime-prometheus-operator-crds'],
  ])('%s syncs in a later wave than %s', (later, earlier) => {
    expect(wave(later)).toBeGreaterThan(wave(earlier));
  });

  it('re-creates the kube-prometheus-stack ↔ alerting cycle, and names it, if the stack installs its own CRDs again', () => {
    const raw = rawConfig();
    const kps = raw.addons.find((a) => a.name === 'kube-prometheus-stack')!;
    (kps.values as { crds: { enabled: boolean } }).crds.enabled = true;
    kps.serves = [{ group: 'monitoring.coreos.com', kinds: ['AlertmanagerConfig', 'Alertmanager', 'Prometheus', 'PrometheusRule', 'ServiceMonitor', 'PodMonitor'] }];
    raw.addons = raw.addons.filter((a) => a.name !== 'prometheus-operator-crds');
    expect(synthError(() => buildApp(loadConfig(raw)))).toContain(
      'cycle: addons[kube-prometheus-stack] values.grafana.envFromSecret needs Secret observability/grafana-oauth from dist/cluster/alerting; '
      + 'dist/cluster/alerting alertmanagerconfig-flextime-alert-routing.kind needs kind monitoring.coreos.com/AlertmanagerConfig from addons[kube-prometheus-stack]',
    );
  });

  it('keeps the Falco rules before Falco when Falco is limited to some environments: its namespace is then dist/addons/falco, not ArgoCD\'s', () => {
    const raw = rawConfig();
    // Were ArgoCD to create the namespace (CreateNamespace), Falco would provide it and need the
    // rules that need it: the cycle that moved add-on namespaces into dist/.
    raw.addons.find((a) => a.name === 'falco')!.environments = ['development', 'staging', 'production'];
    const apps = render(buildApp(loadConfig(raw))).filter((f) => f.object.kind === 'Application').map((f) => f.object);
    const wave = (name: string) => Number(apps.find((a) => a.metadata.name === name)!.metadata.annotations!['argocd.argoproj.io/sync-wave']);
    expect(wave('addon-flextime-falco-namespace')).toBeLessThan(wave('cluster-flextime-security'));
    expect(wave('cluster-flextime-security')).toBeLessThan(wave('addon-flextime-falco'));
  });
});

describe('every Application in argocd/ follows the graph', () => {
  /** The add-on Application that serves each API group our objects use (literal, not read from config). */
  const SERVED_BY: Record<string, string> = {
    'monitoring.coreos.com': 'addon-flextime-prometheus-operator-crds',
    'external-secrets.io': 'addon-flextime-external-secrets',
    'cert-manager.io': 'addon-flextime-cert-manager',
    'keda.sh': 'addon-flextime-keda',
    'templates.gatekeeper.sh': 'addon-flextime-gatekeeper',
    'autoscaling.k8s.io': 'addon-flextime-vertical-pod-autoscaler',
    'argoproj.io': 'addon-flextime-argo-rollouts',
    'k6.io': 'addon-flextime-k6-operator',
    'chaos-mesh.org': 'addon-flextime-chaos-mesh',
    'metrics.k8s.io': 'addon-flextime-metrics-server',
  };

  it('gives every provider of a dist Application\'s need (another dist Application, or the add-on serving its kind) a strictly lower wave', () => {
    const apps = committed('argocd/apps').filter((o) => o.kind === 'Application');
    const waves = applicationWaves(apps);
    const pathOf = new Map(apps.flatMap((a) => {
      const path = (a.spec as { source?: { path?: string } }).source?.path;
      return path ? [[a.metadata.name!, path] as const] : [];
    }));
    const content = new Map([...pathOf].map(([name, path]) => [name, committed(path)]));
    const provider = new Map<string, string>();
    for (const [name, objects] of content) for (const o of objects) for (const ref of providesOf(o)) provider.set(refKey(ref), name);
    let checked = 0;
    for (const [name, objects] of content) {
      for (const need of objects.flatMap((o) => needsOf(o))) {
        const by = need.ref.name === undefined ? SERVED_BY[need.ref.group] : provider.get(refKey(need.ref));
        if (!by || by === name) continue;
        expect(waves.get(by)!, `${name} ${need.field} needs ${refKey(need.ref)} from ${by}`).toBeLessThan(waves.get(name)!);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('creates the AppProjects before any Application', () => {
    const lowest = Math.min(...applicationWaves(committed('argocd/apps')).values());
    for (const p of committed('argocd/projects')) expect(Number(p.metadata.annotations!['argocd.argoproj.io/sync-wave'])).toBeLessThan(lowest);
  });
});
