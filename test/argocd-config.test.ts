/**
 * ArgoCD: add-ons, multi-cluster as one config change, config errors and folders ArgoCD cannot
 * sync (the derived Applications and projects: argocd.test.ts).
 */
import { ApiObject, App } from 'cdk8s';
import { beforeAll, describe, expect, it } from 'vitest';
import { argocdCharts } from '../charts/argocd.ts';
import { loadConfig } from '../config/index.ts';
import { ArgoApplication } from '../lib/argocd-application.ts';
import { type RenderedFile } from '../lib/synth/engine.ts';
import { type KubeObject } from '../lib/synth/object-json.ts';
import { OutputChart } from '../lib/synth/output-chart.ts';
import { configError, find, objects, ownCluster, rawConfig, renderPlatform } from './helpers.ts';
import { projectSpec, spec } from './argocd-model.ts';


let files: RenderedFile[];
let applications: KubeObject[];
const app = (name: string) => find('Application', name, 'argocd/apps/', files);

beforeAll(() => {
  files = renderPlatform();
  applications = objects('argocd/apps/', files);
});


describe('add-ons', () => {
  it('pins every chart to an exact version', () => {
    const charts = applications.filter((a) => spec(a).source?.chart);
    expect(charts.length).toBe(loadConfig().addons.length);
    for (const a of charts) expect(spec(a).source!.targetRevision, a.metadata.name).toMatch(/^v?\d+\.\d+\.\d+$/);
  });

  it.each(['*', 'latest', '^4.14.0', '~4.14.0', '4.x', '>=4.0.0', '4.14'])('rejects the floating chart version %j', (version) => {
    const raw = rawConfig();
    raw.addons.find((a) => a.name === 'ingress-nginx')!.version = version;
    expect(configError(raw)).toContain(`addons[ingress-nginx].version = ${JSON.stringify(version)}: must be an exact chart version such as "1.2.3" or "v1.2.3" (no ranges, wildcards or "latest")`);
  });

  it('refuses a floating chart version in the construct too', () => {
    expect(() => new ArgoApplication(new App(), 'x', {
      name: 'x', namespace: 'argocd', project: 'platform', destination: { server: 'https://kubernetes.default.svc' },
      sources: [{ repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'latest', values: {} }],
    })).toThrow('\'version\' (latest) of chart \'cert-manager\' must be an exact version such as "1.2.3"; a range or "latest" lets the chart change without a commit');
  });

  it('hands typed values to Helm as valuesObject; the namespace comes from dist/cluster/namespaces with its Pod Security level', () => {
    const falco = app('addon-flextime-falco').spec as { source: { helm: { valuesObject: { driver: { kind: string } } } }; syncPolicy: { syncOptions: string[] } };
    expect(falco.source.helm.valuesObject.driver.kind).toBe('modern_ebpf');
    expect(falco.syncPolicy.syncOptions).toContain('CreateNamespace=false');
    expect(find('Namespace', 'falco', 'dist/cluster/namespaces/', files).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  it('renders the namespace of an add-on installed on some clusters only into dist/addons/<addon>, synced a wave before the add-on', () => {
    const chaos = app('addon-flextime-chaos-mesh').spec as { syncPolicy: { syncOptions: string[]; managedNamespaceMetadata?: object } };
    expect(chaos.syncPolicy.syncOptions).toContain('CreateNamespace=false');
    expect(chaos.syncPolicy.managedNamespaceMetadata).toBeUndefined();
    expect(objects('dist/cluster/namespaces/', files).map((o) => o.metadata.name)).not.toContain('chaos-mesh');
    expect(objects('dist/addons/chaos-mesh/', files).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['LimitRange/ephemeral-storage-chaos-mesh', 'Namespace/chaos-mesh']);
    expect(find('Namespace', 'chaos-mesh', 'dist/addons/', files).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
    const own = app('addon-flextime-chaos-mesh-namespace');
    expect(spec(own).source?.path).toBe('dist/addons/chaos-mesh');
    // Like the add-on itself, deleting its Application must not cascade (here: into the namespace).
    expect((own.metadata as { finalizers?: string[] }).finalizers).toBeUndefined();
    const wave = (a: KubeObject) => Number(a.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
    expect(wave(own)).toBeLessThan(wave(app('addon-flextime-chaos-mesh')));
  });

  it('installs chaos-mesh only on the clusters of staging', () => {
    expect(applications.filter((a) => a.metadata.name!.endsWith('-chaos-mesh')).map((a) => a.metadata.name)).toEqual(['addon-flextime-chaos-mesh']);
    const raw = rawConfig();
    raw.clusters.push(ownCluster(raw, 'flextime-production', 'production'));
    raw.environments.find((e) => e.name === 'production')!.cluster = 'flextime-production';
    moveProductionOutputs(raw);
    const names = objects('argocd/apps/', renderPlatform(loadConfig(raw))).map((a) => a.metadata.name!);
    expect(names).toContain('addon-flextime-production-cert-manager');
    expect(names).not.toContain('addon-flextime-production-chaos-mesh');
    // …and its namespace (dist/addons/chaos-mesh) goes where it goes, nowhere else.
    expect(names.filter((n) => n.endsWith('-chaos-mesh-namespace'))).toEqual(['addon-flextime-chaos-mesh-namespace']);
  });
});

/** The Terraform side of moving production to its own cluster: that cluster's outputs, production's re-applied outputs. */
function moveProductionOutputs(raw: ReturnType<typeof rawConfig>): void {
  const { clusters, environments } = raw.aws.outputs;
  clusters['flextime-production'] = { ...clusters.flextime!, cluster_name: 'flextime-production', external_secrets_role_arn: 'arn:aws:iam::111111111111:role/flextime-production-external-secrets' };
  environments.production = { ...environments.production!, cluster_name: 'flextime-production' };
}

describe('multi-cluster is one config change', () => {
  it('moving production to its own cluster changes only production destinations and the projects', () => {
    const raw = rawConfig();
    raw.clusters.push(ownCluster(raw, 'flextime-production', 'production'));
    raw.environments.find((e) => e.name === 'production')!.cluster = 'flextime-production';
    moveProductionOutputs(raw);
    const before = new Map(files.filter((f) => f.path.startsWith('argocd/')).map((f) => [f.path, f.object]));
    const after = new Map(renderPlatform(loadConfig(raw)).filter((f) => f.path.startsWith('argocd/')).map((f) => [f.path, f.object]));

    const changed = [...before.keys()].filter((p) => JSON.stringify(before.get(p)) !== JSON.stringify(after.get(p)));
    const production = [...before.keys()].filter((p) => /application-production-/.test(p));
    expect(changed.sort()).toEqual([...production, 'argocd/projects/appproject-flextime.yaml', 'argocd/projects/appproject-platform.yaml'].sort());
    for (const p of production) {
      const { destination: d1, ...rest1 } = spec(before.get(p)!);
      const { destination: d2, ...rest2 } = spec(after.get(p)!);
      expect(rest2).toEqual(rest1);
      expect(d2).toEqual({ ...d1, server: 'https://prod.eks.example.com' });
    }
    const withoutDestinations = (o: KubeObject) => ({ ...projectSpec(o), destinations: undefined });
    for (const name of ['flextime', 'platform']) {
      const path = `argocd/projects/appproject-${name}.yaml`;
      expect(withoutDestinations(after.get(path)!), name).toEqual(withoutDestinations(before.get(path)!));
    }
    expect(projectSpec(after.get('argocd/projects/appproject-flextime.yaml')!).destinations).toContainEqual({ server: 'https://prod.eks.example.com', namespace: 'flextime-production' });
    // The new cluster gets its own copy of the cluster-wide content and the add-ons; nothing is removed.
    const added = [...after.keys()].filter((p) => !before.has(p));
    expect(added.every((p) => /application-(cluster|addon)-flextime-production-/.test(p))).toBe(true);
    expect([...before.keys()].every((p) => after.has(p))).toBe(true);
  });
});

describe('config errors', () => {
  const errorAfter = (mutate: (raw: ReturnType<typeof rawConfig>) => void) => {
    const raw = rawConfig();
    mutate(raw);
    return configError(raw);
  };

  it('rejects an unknown control cluster', () => {
    expect(errorAfter((c) => { c.gitops.controlCluster = 'nope'; })).toContain("gitops.controlCluster = \"nope\": unknown cluster 'nope'; allowed: flextime");
  });

  it('rejects a served kind that is not an API group and Kind', () => {
    expect(errorAfter((c) => { c.addons.find((a) => a.name === 'keda')!.serves![0]!.group = 'keda'; }))
      .toContain('addons[keda].serves[0].group = "keda": must be an API group such as "cert-manager.io"');
    expect(errorAfter((c) => { c.addons.find((a) => a.name === 'keda')!.serves![0]!.kinds = ['scaledObject']; }))
      .toContain('addons[keda].serves[0].kinds[0] = "scaledObject": must be a Kind such as "Certificate"');
  });

  it('rejects two add-ons in one namespace with different Pod Security levels', () => {
    expect(errorAfter((c) => { c.addons.find((a) => a.name === 'kube-prometheus-stack')!.podSecurity = 'baseline'; }))
      .toContain('addons[kube-prometheus-stack].podSecurity = "baseline": must be "privileged" like addons[prometheus-operator-crds], which shares namespace \'observability\'');
  });

  it('rejects an external input without its origin', () => {
    expect(errorAfter((c) => { c.gitops.external = [{ group: 'storage.k8s.io', kind: 'StorageClass', name: 'gp3', from: '' }]; }))
      .toContain('gitops.external[gp3].from = "": must say where it comes from, such as "EKS managed add-on aws-ebs-csi-driver"');
  });

  it('rejects an add-on without a values type, and values keys the type does not know', () => {
    expect(errorAfter((c) => { c.addons.push({ ...c.addons[0]!, name: 'linkerd' } as never); }))
      .toContain('addons[linkerd].name = "linkerd": unknown add-on; known: ingress-nginx, cert-manager, keda');
    expect(errorAfter((c) => { (c.addons.find((a) => a.name === 'falco')!.values as Record<string, unknown>).tty = true; }))
      .toContain("addons[falco].values: unknown field(s) 'tty'");
  });

  it('rejects an add-on namespace that belongs to an environment, and an unknown environment', () => {
    expect(errorAfter((c) => { c.addons.find((a) => a.name === 'keda')!.namespace = 'flextime-keda'; }))
      .toContain("addons[keda].namespace = \"flextime-keda\": must not start with 'flextime-': those namespaces belong to the environments (AppProject 'flextime')");
    expect(errorAfter((c) => { c.addons.find((a) => a.name === 'chaos-mesh')!.environments = ['qa']; }))
      .toContain("addons[chaos-mesh].environments[0] = \"qa\": unknown environment 'qa'; allowed: development, staging, production");
  });

  it('rejects a sync window in an unknown time zone', () => {
    expect(errorAfter((c) => { c.environments.find((e) => e.name === 'production')!.gitops!.syncWindow!.timeZone = 'Central'; }))
      .toContain('environments[production].gitops.syncWindow.timeZone = "Central": must be an IANA time zone such as "America/Chicago"');
  });
});

describe('folders ArgoCD cannot sync', () => {
  it('rejects a dist/ folder that is not <env>/<component> or cluster/<component>', () => {
    const built = new App();
    const chart = new OutputChart(built, 'deep', { outputDir: 'dist/production/api-svc/extra', source: 'test' });
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'flextime-production' } });
    expect(() => argocdCharts(built, loadConfig())).toThrow("'outputDir' (dist/production/api-svc/extra) of [deep] must be dist/<env>/<component> or dist/cluster/<component>: ArgoCD syncs one folder per component");
  });

  it('rejects a dist/ folder whose first level is neither an environment nor cluster', () => {
    const built = new App();
    const chart = new OutputChart(built, 'qa-api', { outputDir: 'dist/qa/api-svc', source: 'test' });
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'flextime-qa' } });
    expect(() => argocdCharts(built, loadConfig())).toThrow("dist/qa/api-svc: 'qa' is neither an environment (development, staging, production) nor 'cluster'");
  });
});
