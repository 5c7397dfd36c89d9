import { dirname } from 'node:path';
import { ApiObject } from 'cdk8s';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../charts/index.ts';
import { loadConfig } from '../config/index.ts';
import { render, type RenderedFile } from '../lib/synth/engine.ts';
import { type KubeObject } from '../lib/synth/object-json.ts';
import { OutputChart } from '../lib/synth/output-chart.ts';
import { find, objects, renderPlatform } from './helpers.ts';
import { projectSpec, spec } from './argocd-model.ts';

const wave = (o: KubeObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
/** ArgoCD's glob: `*` matches any run of characters (including none). */
const glob = (pattern: string, value: string) =>
  new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
const permits = (project: KubeObject, server: string, namespace: string) =>
  projectSpec(project).destinations.some((d) => d.server === server && glob(d.namespace ?? '', namespace));

let files: RenderedFile[];
let applications: KubeObject[];
let distDirs: string[];
const app = (name: string) => find('Application', name, 'argocd/apps/', files);
const project = (name: string) => find('AppProject', name, 'argocd/projects/', files);

beforeAll(() => {
  files = renderPlatform();
  applications = objects('argocd/apps/', files);
  distDirs = [...new Set(files.filter((f) => f.path.startsWith('dist/')).map((f) => dirname(f.path)))].sort();
});

describe('bootstrap', () => {
  it('renders one root Application, flextime-root, that syncs the AppProjects and argocd/apps from main', () => {
    const roots = objects('argocd/bootstrap/', files);
    expect(roots.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Application/flextime-root']);
    const root = spec(roots[0]!);
    expect(root.sources?.map((s) => s.path)).toEqual(['argocd/projects', 'argocd/apps']);
    expect(root.sources?.every((s) => s.targetRevision === 'main' && s.repoURL === 'https://github.com/flextime/flextime-platform.git')).toBe(true);
    expect(root.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
    expect(root.project).toBe('default');
  });

  it('does not cascade a deletion of the root into every environment', () => {
    expect(find('Application', 'flextime-root', 'argocd/bootstrap/', files).metadata).not.toHaveProperty('finalizers');
  });

  it('creates the AppProjects before any Application (lower sync wave)', () => {
    const lowestApp = Math.min(...applications.map(wave));
    for (const p of objects('argocd/projects/', files)) expect(wave(p)).toBeLessThan(lowestApp);
  });
});

describe('Applications are derived from dist/', () => {
  it('targets every directory under dist/ with exactly one Application', () => {
    for (const dir of distDirs) {
      const targeting = applications.filter((a) => spec(a).source?.path === dir);
      expect(targeting.map((a) => a.metadata.name), dir).toHaveLength(1);
    }
  });

  it('points every Application at a directory that exists in the rendered output', () => {
    const paths = applications.flatMap((a) => (spec(a).source?.path ? [spec(a).source!.path!] : []));
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(distDirs, path).toContain(path);
    const rendered = new Set(files.map((f) => dirname(f.path)));
    for (const s of spec(find('Application', 'flextime-root', 'argocd/bootstrap/', files)).sources!) expect(rendered.has(s.path!), s.path).toBe(true);
  });

  it('names environment Applications <env>-<component> and sends them to the flextime-<env> namespace', () => {
    const prod = spec(app('production-namespaces'));
    expect(prod.source?.path).toBe('dist/production/namespaces');
    expect(prod.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'flextime-production' });
    expect(prod.project).toBe('flextime');
  });

  it('deploys dist/cluster/<component> once per cluster without a destination namespace', () => {
    const cluster = spec(app('cluster-flextime-namespaces'));
    expect(cluster.source?.path).toBe('dist/cluster/namespaces');
    expect(cluster.destination).toEqual({ server: 'https://kubernetes.default.svc' });
  });

  it('gives a newly added chart its Application, and its wave, with no change to charts/argocd.ts', () => {
    const built = buildApp(loadConfig(), {
      extraCharts: (scope) => {
        const chart = new OutputChart(scope, 'production-redis', { outputDir: 'dist/production/redis', source: 'test' });
        new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'redis-config', namespace: 'flextime-production' } });
      },
    });
    const redis = find('Application', 'production-redis', 'argocd/apps/', render(built));
    expect(spec(redis).source?.path).toBe('dist/production/redis');
    // Its ConfigMap needs only the namespace, which production-namespaces (wave 0) provides.
    expect(wave(redis)).toBe(10);
  });

  it('fails synth when a chart is added after the Applications were derived', () => {
    const built = buildApp(loadConfig());
    const late = new OutputChart(built, 'production-config', { outputDir: 'dist/production/config', source: 'test' });
    new ApiObject(late, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'flextime-production' } });
    expect(() => render(built)).toThrow('dist/production/config was added after charts/argocd.ts derived the Applications: build argocdCharts last in charts/index.ts');
  });
});

describe('AppProjects', () => {
  it('allows every namespace an Application deploys to in its project', () => {
    const addons = new Map(loadConfig().addons.map((a) => [a.name, a]));
    for (const a of applications) {
      const s = spec(a);
      const p = project(s.project);
      expect(permits(p, s.destination.server, s.destination.namespace ?? ''), `${a.metadata.name} destination`).toBe(true);
      const namespaces = s.source?.path
        ? objects(`${s.source.path}/`, files).flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : []))
        : addons.get(a.metadata.name!.replace(/^addon-flextime-/, '') as never)?.extraNamespaces ?? [];
      for (const ns of new Set(namespaces)) expect(permits(p, s.destination.server, ns), `${a.metadata.name} writes to ${ns}`).toBe(true);
    }
  });

  it('limits the flextime project to this repository and the flextime-* namespaces', () => {
    const p = projectSpec(project('flextime'));
    expect(p.sourceRepos).toEqual(['https://github.com/flextime/flextime-platform.git']);
    for (const d of p.destinations) expect(d.namespace === '' || /^flextime-[a-z]+$/.test(d.namespace!), d.namespace).toBe(true);
    expect(p.destinations.map((d) => d.namespace)).toEqual(expect.arrayContaining(['flextime-development', 'flextime-staging', 'flextime-production']));
  });

  it('allows the flextime project exactly the cluster-scoped objects its Applications render', () => {
    const mine = applications.filter((a) => spec(a).project === 'flextime');
    const rendered = mine.flatMap((a) => objects(`${spec(a).source!.path}/`, files))
      .filter((o) => !o.metadata.namespace)
      .map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}/${o.metadata.name}`);
    const allowed = projectSpec(project('flextime')).clusterResourceWhitelist.map((r) => `${r.group}/${r.kind}/${r.name}`);
    expect(allowed.sort()).toEqual([...new Set(rendered)].sort());
    expect(allowed).toContain('/Namespace/flextime-production');
  });

  it('gives the platform project an explicit allow-list: no wildcard kinds, namespaces only the add-on namespaces dist/ renders', () => {
    const p = projectSpec(project('platform'));
    for (const r of p.clusterResourceWhitelist) expect(`${r.group}/${r.kind}`).not.toContain('*');
    const namespaces = p.clusterResourceWhitelist.filter((r) => r.kind === 'Namespace').map((r) => r.name);
    // dist/cluster/namespaces renders those of add-ons on every cluster, dist/addons/chaos-mesh that of chaos-mesh (staging's
    // cluster only), each with its ephemeral-storage LimitRange (issue 19): platform Applications.
    // Plus the log collector's namespace, which dist/cluster/logging renders with its own Pod Security level (issue 23).
    const addonNamespaces = [...new Set([...loadConfig().addons.map((a) => a.namespace), 'logging'])].sort();
    expect(namespaces).toEqual(addonNamespaces);
    expect(p.clusterResourceWhitelist).toContainEqual({ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' });
    expect(p.sourceRepos).toContain('https://charts.jetstack.io');
  });

  it('lets platform-admins sync everywhere and developers only read production', () => {
    const roles = projectSpec(project('flextime')).roles;
    const admin = roles.find((r) => r.name === 'platform-admin')!;
    expect(admin.groups).toEqual([loadConfig().sso.groups.platformAdmins]);
    expect(admin.policies).toContain('p, proj:flextime:platform-admin, applications, sync, flextime/*, allow');
    const developer = roles.find((r) => r.name === 'developer')!;
    expect(developer.groups).toEqual([loadConfig().sso.groups.developers]);
    expect(developer.policies.filter((p) => p.includes(', sync, '))).toEqual([
      'p, proj:flextime:developer, applications, sync, flextime/development-*, allow',
      'p, proj:flextime:developer, applications, sync, flextime/staging-*, allow',
    ]);
    expect(developer.policies).toContain('p, proj:flextime:developer, applications, get, flextime/*, allow');
    const platformDev = projectSpec(project('platform')).roles.find((r) => r.name === 'developer')!;
    expect(platformDev.policies).toEqual(['p, proj:platform:developer, applications, get, platform/*, allow']);
  });

  it('syncs production automatically only inside its window, and lets admins sync by hand outside it', () => {
    const windows = projectSpec(project('flextime')).syncWindows;
    expect(windows).toContainEqual({
      kind: 'allow', applications: ['production-*'], manualSync: true, schedule: '0 10 * * 1-4', duration: '6h', timeZone: 'America/Chicago',
      description: 'production: automated sync only inside this window',
    });
    expect(windows.some((w) => w.applications.some((a) => a.startsWith('development') || a.startsWith('staging')))).toBe(false);
  });
});

describe('sync order (derived; the graph itself: test/dependency-graph.test.ts)', () => {
  it('syncs an environment namespace before its apps, and the apps before the Ingress that routes to them', () => {
    expect(wave(app('production-namespaces'))).toBeLessThan(wave(app('production-api-svc')));
    expect(wave(app('production-api-svc'))).toBeLessThan(wave(app('production-ingress')));
  });

  it('installs an add-on after the add-ons whose kinds its values use', () => {
    expect(wave(app('addon-flextime-cert-manager'))).toBeLessThan(wave(app('addon-flextime-opentelemetry-operator')));
    expect(wave(app('addon-flextime-prometheus-operator-crds'))).toBeLessThan(wave(app('addon-flextime-cert-manager')));
  });
});

describe('sync policy', () => {
  it('gives production PruneLast, a retry backoff, server-side apply and no namespace creation', () => {
    for (const a of applications.filter((x) => x.metadata.labels?.['flextime.io/environment'] === 'production')) {
      const policy = spec(a).syncPolicy;
      expect(policy.automated).toEqual({ prune: true, selfHeal: true });
      expect(policy.syncOptions).toEqual(expect.arrayContaining(['PruneLast=true', 'ServerSideApply=true', 'CreateNamespace=false']));
      expect(policy.retry).toEqual({ limit: 5, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } });
    }
  });

  it('does not prune last in development (a config difference, not a code branch)', () => {
    expect(spec(app('development-namespaces')).syncPolicy.syncOptions).not.toContain('PruneLast=true');
  });

  it('lets the autoscaler own the replicas of an HPA-scaled Deployment or Rollout, also during sync', () => {
    expect(spec(app('staging-api-svc')).ignoreDifferences).toContainEqual({ group: 'apps', kind: 'Deployment', name: 'api-svc', namespace: 'flextime-staging', jsonPointers: ['/spec/replicas'] });
    const api = spec(app('production-api-svc'));
    // production delivers api-svc as an Argo Rollout (environments/production.ts `delivery`)
    expect(api.ignoreDifferences).toContainEqual({ group: 'argoproj.io', kind: 'Rollout', name: 'api-svc', namespace: 'flextime-production', jsonPointers: ['/spec/replicas'] });
    expect(api.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    expect(spec(app('production-namespaces')).ignoreDifferences).toBeUndefined();
  });

  it('regenerates an Application\'s manifests only when a commit touches its folders (manifest-generate-paths, absolute)', () => {
    const paths = (a: KubeObject) => a.metadata.annotations?.['argocd.argoproj.io/manifest-generate-paths'];
    expect(paths(app('production-api-svc'))).toBe('/dist/production/api-svc');
    expect(paths(objects('argocd/bootstrap/', files)[0]!)).toBe('/argocd/projects;/argocd/apps');
    // A chart comes from outside this repository: every commit must still compare it.
    expect(paths(app('addon-flextime-cert-manager'))).toBeUndefined();
    for (const a of applications.filter((x) => spec(x).source?.path)) expect(paths(a), a.metadata.name).toBe(`/${spec(a).source!.path}`);
  });

  it('ignores webhook CA bundles that cert-manager or the chart injects into add-ons', () => {
    expect(spec(app('addon-flextime-cert-manager')).ignoreDifferences).toContainEqual({
      group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
    });
  });

  it('cascades deletes of dist/ Applications (never of add-ons, whose CRDs must survive), keeps 10 revisions and announces failures in the environment channel', () => {
    for (const a of applications) {
      const addon = a.metadata.name!.startsWith('addon-');
      expect((a.metadata as { finalizers?: string[] }).finalizers, a.metadata.name).toEqual(addon ? undefined : ['resources-finalizer.argocd.argoproj.io/foreground']);
      expect(spec(a).revisionHistoryLimit).toBe(10);
      expect(a.metadata.namespace).toBe('argocd');
    }
    expect(app('production-api-svc').metadata.annotations).toMatchObject({
      'notifications.argoproj.io/subscribe.on-sync-failed.slack': 'flextime-alerts',
      'notifications.argoproj.io/subscribe.on-health-degraded.slack': 'flextime-alerts',
    });
    expect(app('development-namespaces').metadata.annotations?.['notifications.argoproj.io/subscribe.on-sync-failed.slack']).toBe('flextime-deploys');
  });
});
