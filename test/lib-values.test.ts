/**
 * Small lib/ modules that had no test of their own: the ArgoCD project and k6 TestRun
 * constructs, labels, the synth layout helpers and the value module's ingress-nginx settings,
 * and the Mermaid output of the dependency graph. Expectations are literals.
 */
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ArgoProject } from '../lib/argocd-project.ts';
import { mermaidFlowchart, transitiveReduction } from '../lib/graph/mermaid.ts';
import { K6TestRun } from '../lib/k6-test-run.ts';
import { MANAGED_BY, recommendedLabels, selectorLabels } from '../lib/labels.ts';
import { GeneratedDocument } from '../lib/synth/document.ts';
import { isClusterScoped } from '../lib/synth/kinds.ts';
import { groupOf } from '../lib/synth/layout.ts';
import { nginxControllerConfig } from '../lib/values/ingress-nginx-config.ts';

const chart = () => new Chart(new App(), 'test');
// Rendered objects are read field by field and compared with literals: a loose shape is enough.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const one = (c: Chart, kind: string) => (c.toJson() as Array<{ apiVersion: string; kind: string; metadata: any; spec: any }>).find((o) => o.kind === kind)!;

describe('lib/argocd-project.ts ArgoProject', () => {
  const props = {
    name: 'apps', namespace: 'argocd', description: 'the apps', sourceRepos: ['https://git.example.com/repo.git'],
    destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'apps-*' }],
    clusterResourceWhitelist: [{ group: '', kind: 'Namespace', name: 'apps-prod' }],
    roles: [{ name: 'dev', description: 'developers', groups: ['oidc:dev'], grants: [{ action: 'sync' as const, applications: '*' }, { action: 'logs' as const, applications: 'api' }] }],
    syncWindows: [{ description: 'office hours', schedule: '0 8 * * 1-5', duration: '10h', timeZone: 'America/Chicago', applications: ['prod-*'] }],
    syncWave: -1,
  };

  it('renders destinations, cluster kinds, roles as Casbin policies, sync windows and orphan warnings', () => {
    const c = chart();
    new ArgoProject(c, 'p', props);
    const o = one(c, 'AppProject');
    expect(o.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    expect(o.spec).toEqual({
      description: 'the apps', sourceRepos: ['https://git.example.com/repo.git'],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'apps-*' }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace', name: 'apps-prod' }],
      orphanedResources: { warn: true },
      roles: [{ name: 'dev', description: 'developers', groups: ['oidc:dev'], policies: [
        'p, proj:apps:dev, applications, sync, apps/*, allow',
        'p, proj:apps:dev, logs, get, apps/api, allow',
      ] }],
      syncWindows: [{ kind: 'allow', schedule: '0 8 * * 1-5', duration: '10h', timeZone: 'America/Chicago', applications: ['prod-*'], manualSync: true, description: 'office hours' }],
    });
  });

  it('refuses repository patterns, no repositories and a role without groups', () => {
    expect(() => new ArgoProject(chart(), 'p', { ...props, sourceRepos: ['https://git.example.com/*'] })).toThrow("'sourceRepos' (https://git.example.com/*) must list repositories, not patterns");
    expect(() => new ArgoProject(chart(), 'p', { ...props, sourceRepos: [] })).toThrow("'sourceRepos' of project 'apps' must not be empty");
    expect(() => new ArgoProject(chart(), 'p', { ...props, roles: [{ ...props.roles[0]!, groups: [] }] })).toThrow("role 'dev' of project 'apps' has no 'groups'");
  });
});

describe('lib/k6-test-run.ts K6TestRun', () => {
  const resources = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
  const pod = { image: 'grafana/k6@sha256:' + 'a'.repeat(64), resources, labels: { app: 'k6' } };
  const props = { name: 'smoke', namespace: 'load', labels: { app: 'k6' }, scriptConfigMap: 'scripts', scriptFile: 'smoke.js', serviceAccountName: 'k6', runner: { ...pod, env: [{ name: 'BASE_URL', value: 'http://api' }] }, starter: pod };

  it('runs the script from its ConfigMap with hardened runner, starter and initializer pods', () => {
    const c = chart();
    const run = new K6TestRun(c, 't', props);
    const o = one(c, 'TestRun');
    expect(o.apiVersion).toBe('k6.io/v1alpha1');
    expect(o.spec.script).toEqual({ configMap: { name: 'scripts', file: 'smoke.js' } });
    expect([o.spec.parallelism, o.spec.separate]).toEqual([1, false]);
    expect(o.spec.runner.env).toEqual([{ name: 'BASE_URL', value: 'http://api' }]);
    expect(o.spec.initializer.env).toBeUndefined();
    for (const p of [run.spec.runner, run.spec.starter, run.spec.initializer]) {
      expect(p.automountServiceAccountToken).toBe('false');
      expect(p.imagePullPolicy).toBe('IfNotPresent');
      expect(p.containerSecurityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(p.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
      // Ephemeral storage: the platform default (64Mi request, 256Mi limit) plus the pod's /tmp emptyDir (64Mi) on both (lib/ephemeral-storage.ts).
      expect(p.resources).toEqual({ requests: { 'cpu': '100m', 'memory': '64Mi', 'ephemeral-storage': '128Mi' }, limits: { 'cpu': '500m', 'memory': '256Mi', 'ephemeral-storage': '320Mi' } });
    }
  });

  it('refuses parallelism below 1 and a script path', () => {
    expect(() => new K6TestRun(chart(), 't', { ...props, parallelism: 0 })).toThrow("'parallelism' (0) must be a whole number >= 1");
    expect(() => new K6TestRun(chart(), 't', { ...props, scriptFile: 'dir/smoke.js' })).toThrow("'scriptFile' (dir/smoke.js) must be a ConfigMap key ending in .js or .tar (no path)");
  });
});

describe('lib/labels.ts', () => {
  it('gives the recommended labels and selects on name and instance only', () => {
    const id = { name: 'api', instance: 'api-prod', component: 'backend', partOf: 'flextime', version: '1.2.3', extraLabels: { team: 'a' } };
    expect(MANAGED_BY).toBe('cdk8s');
    expect(recommendedLabels(id)).toEqual({
      'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api-prod', 'app.kubernetes.io/component': 'backend',
      'app.kubernetes.io/part-of': 'flextime', 'app.kubernetes.io/managed-by': 'cdk8s', 'app.kubernetes.io/version': '1.2.3', team: 'a',
    });
    expect(recommendedLabels({ ...id, version: undefined, extraLabels: undefined })).not.toHaveProperty('app.kubernetes.io/version');
    expect(selectorLabels(id)).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api-prod' });
  });
});

describe('lib/synth/kinds.ts, layout.ts, document.ts', () => {
  it('knows which kinds are cluster-scoped', () => {
    expect(isClusterScoped('v1', 'Namespace')).toBe(true);
    expect(isClusterScoped('constraints.gatekeeper.sh/v1beta1', 'FlextimeAnything')).toBe(true);
    expect(isClusterScoped('external-secrets.io/v1', 'ClusterSecretStore')).toBe(true);
    expect(isClusterScoped('v1', 'ConfigMap')).toBe(false);
    expect(isClusterScoped('external-secrets.io/v1', 'SecretStore')).toBe(false);
  });

  it('groups a rendered path by environment folder, or by its top folder', () => {
    expect(groupOf('dist/production/api-svc/deployment-api-svc.yaml')).toBe('production');
    expect(groupOf('dist/cluster/security/x.yaml')).toBe('cluster');
    expect(groupOf('argocd/apps/application-x.yaml')).toBe('argocd');
  });

  it('accepts a generated document outside dist/ and argocd/ only', () => {
    expect(new GeneratedDocument(new App(), 'd', { path: 'docs/x.md', content: 'x' }).path).toBe('docs/x.md');
    for (const path of ['dist/x.md', 'argocd/x.yaml', '../x.md', '/etc/x']) {
      expect(() => new GeneratedDocument(new App(), 'd', { path, content: 'x' })).toThrow(`'path' (${path}) must be a relative path outside dist/ and argocd/`);
    }
  });
});

describe('lib/values/ingress-nginx-config.ts', () => {
  it('sets headers, HSTS, 429 for rate limits, and keeps snippet annotations off', () => {
    expect(nginxControllerConfig({ addHeaders: 'ingress/headers', hsts: { maxAgeSeconds: 31536000, includeSubdomains: true, preload: false } })).toEqual({
      'add-headers': 'ingress/headers', 'allow-snippet-annotations': 'false', hsts: 'true', 'hsts-include-subdomains': 'true',
      'hsts-max-age': '31536000', 'hsts-preload': 'false', 'limit-conn-status-code': '429', 'limit-req-status-code': '429', 'ssl-redirect': 'true',
    });
  });
});

describe('lib/graph/mermaid.ts', () => {
  const dep = (from: string, to: string) => ({ from, to, needs: [] });

  it('drops an edge another path already implies', () => {
    expect(transitiveReduction([dep('c', 'b'), dep('b', 'a'), dep('c', 'a')])).toEqual([dep('c', 'b'), dep('b', 'a')]);
  });

  it('draws one subgraph per layer and an arrow from what is needed to who needs it', () => {
    const graph = { nodes: [], layers: new Map([['a', 0], ['b', 1], ['c "q"', 1]]), dependencies: [dep('b', 'a'), dep('c "q"', 'a')], external: new Map() };
    expect(mermaidFlowchart(graph, { layerTitle: (l) => `wave ${l * 10}` })).toBe([
      'flowchart LR', '  subgraph L0["wave 0"]', '    direction TB', '    n0["a"]', '  end',
      '  subgraph L1["wave 10"]', '    direction TB', '    n1["b"]', '    n2["c #quot;q#quot;"]', '  end',
      '  n0 --> n1', '  n0 --> n2', '',
    ].join('\n'));
  });
});
