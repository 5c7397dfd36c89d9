/**
 * Every namespace where a pod can run has a LimitRange defaulting `ephemeral-storage` (issue 19
 * class 9), on every cluster where it exists, before the first pod. Add-on charts set CPU and
 * memory, rarely disk, and a LimitRange acts only when a pod is admitted.
 *
 * Read from what ArgoCD syncs, never from config: each rendered Application (argocd/) with the
 * dist/ objects of its path, per destination cluster. A namespace exists on a cluster when an
 * Application there renders objects into it or a Namespace of it, is an add-on chart's
 * destination, is where the Applications themselves live (ArgoCD's own pods), or is an AppProject
 * destination. Pods come from add-on charts (their destination) and from dist/ objects with a
 * pod spec; their LimitRange must be synced by the same Application or in an earlier wave.
 */
import { describe, expect, it } from 'vitest';
import type { RenderedFile } from '../lib/synth/engine.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { projectSpec, spec } from './argocd-model.ts';
import { renderPlatform } from './helpers.ts';

/** Namespaces that may hold pods without our defaults, and why (a literal table, not config). */
const EXEMPT: Record<string, string> = {
  'kube-system': 'EKS\'s own: its pods are EKS managed add-ons (terraform-bootstrap/cluster/eks-addons.tf); kube-prometheus-stack writes only Services there',
};

/** One Application: where it syncs, its wave (none: the root and what it syncs), its dist/ objects, a chart's namespace. */
interface Sync { app: string; server: string; wave?: number; objects: KubeObject[]; chartNamespace?: string }

const WAVE = 'argocd.argoproj.io/sync-wave';
const hasPods = (o: KubeObject) => o.kind === 'TestRun' || JSON.stringify(o.spec ?? {}).includes('"containers":');
const defaultsDisk = (o: KubeObject) => o.kind === 'LimitRange'
  && (o.spec as { limits: Array<{ default?: Record<string, string>; defaultRequest?: Record<string, string> }> }).limits
    .some((l) => l.default?.['ephemeral-storage'] && l.defaultRequest?.['ephemeral-storage']);

/** What each rendered Application syncs where. */
function syncs(files: readonly RenderedFile[]): Sync[] {
  const under = (path: string) => files.filter((f) => f.path.startsWith(`${path}/`)).map((f) => f.object);
  return files.filter((f) => f.object.kind === 'Application').map(({ path, object: a }) => {
    const s = spec(a);
    const sources = s.sources ?? [s.source!];
    const wave = path.startsWith('argocd/apps/') ? Number(a.metadata.annotations?.[WAVE] ?? 0) : undefined;
    const objects = sources.flatMap((x) => (x.path ? under(x.path) : []));
    return { app: a.metadata.name!, server: s.destination.server, wave, objects, chartNamespace: sources.some((x) => x.chart) ? s.destination.namespace : undefined };
  });
}

/**
 * Every namespace that exists (`namespaces`), and `problems`: per cluster, each one without a
 * LimitRange defaulting ephemeral-storage, or whose pods an Application starts no later than it.
 */
export function namespaceDefaults(files: readonly RenderedFile[]): { namespaces: string[]; problems: string[] } {
  const all = syncs(files);
  const exists = new Map<string, Set<string>>();
  const add = (server: string, ns: string | undefined, by: string) => {
    if (!ns) return;
    const key = `${server} ${ns}`;
    exists.set(key, (exists.get(key) ?? new Set()).add(by));
  };
  for (const s of all) {
    add(s.server, s.chartNamespace, s.app);
    for (const o of s.objects) add(s.server, o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace, s.app);
  }
  // ArgoCD runs where the Applications live, on the cluster the root Application syncs them to.
  for (const s of all.filter((x) => x.wave === undefined)) for (const o of s.objects) add(s.server, o.metadata.namespace, 'ArgoCD itself');
  for (const p of files.filter((f) => f.object.kind === 'AppProject')) {
    for (const d of projectSpec(p.object).destinations) add(d.server, d.namespace, `AppProject ${p.object.metadata.name}`);
  }

  const limits = all.flatMap((s) => s.objects.filter(defaultsDisk).map((o) => ({ key: `${s.server} ${o.metadata.namespace}`, sync: s })));
  const problems: string[] = [];
  for (const [key, by] of [...exists].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const ns = key.split(' ')[1]!;
    if (ns in EXEMPT) continue;
    const mine = limits.filter((l) => l.key === key);
    if (!mine.length) { problems.push(`namespace ${ns} on ${key.split(' ')[0]} (${[...by].sort().join(', ')}): no LimitRange defaulting ephemeral-storage`); continue; }
    // Pods admitted before the LimitRange exists never get its defaults.
    for (const s of all.filter((x) => x.wave !== undefined && x.server === key.split(' ')[0])) {
      const pods = s.chartNamespace === ns || s.objects.some((o) => o.metadata.namespace === ns && hasPods(o));
      if (pods && !mine.some((l) => l.sync.app === s.app || l.sync.wave! < s.wave!)) {
        problems.push(`namespace ${ns}: ${s.app} (wave ${s.wave}) starts pods no later than its LimitRange (${mine.map((l) => `${l.sync.app}, wave ${l.sync.wave ?? '-'}`).join('; ')})`);
      }
    }
  }
  return { namespaces: [...exists.keys()].map((k) => k.split(' ')[1]!).sort(), problems };
}

const files = renderPlatform();
const withWave = (f: RenderedFile, wave: number) => ({ ...f, object: { ...f.object, metadata: { ...f.object.metadata, annotations: { ...f.object.metadata.annotations, [WAVE]: String(wave) } } } });

describe('ephemeral-storage defaults in every namespace where pods run', () => {
  it('finds the namespaces of every kind: environments, dist/cluster, add-ons on every or some clusters, ArgoCD\'s own', () => {
    expect(namespaceDefaults(files).namespaces).toEqual(expect.arrayContaining([
      'argocd', 'chaos-mesh', 'falco', 'flextime-development', 'flextime-performance', 'flextime-production', 'flextime-staging',
      'keda', 'kube-system', 'logging', 'observability', 'trivy-system',
    ]));
  });

  it('gives each one a LimitRange on its cluster, synced before its first pod', () => {
    expect(namespaceDefaults(files).problems).toEqual([]);
  });

  it('finds planted instances: a LimitRange removed, a new add-on namespace', () => {
    const planted = files.filter((f) => f.path !== 'dist/addons/chaos-mesh/limitrange-ephemeral-storage-chaos-mesh.yaml' && f.path !== 'dist/cluster/namespaces/limitrange-ephemeral-storage-keda.yaml');
    const chaos = files.find((f) => f.object.metadata.name === 'addon-flextime-chaos-mesh')!;
    const other = structuredClone(chaos.object);
    other.metadata.name = 'addon-flextime-other';
    spec(other).destination.namespace = 'other-system';
    planted.push({ ...chaos, path: 'argocd/apps/application-addon-flextime-other.yaml', object: other });
    expect(namespaceDefaults(planted).problems).toEqual([
      'namespace chaos-mesh on https://kubernetes.default.svc (AppProject platform, addon-flextime-chaos-mesh, addon-flextime-chaos-mesh-namespace): no LimitRange defaulting ephemeral-storage',
      'namespace keda on https://kubernetes.default.svc (AppProject platform, addon-flextime-keda, cluster-flextime-namespaces): no LimitRange defaulting ephemeral-storage',
      'namespace other-system on https://kubernetes.default.svc (addon-flextime-other): no LimitRange defaulting ephemeral-storage',
    ]);
  });

  it('finds a planted LimitRange synced in the add-on\'s own wave (the add-on\'s pods may come first)', () => {
    const planted = files.map((f) => (f.object.metadata.name === 'addon-flextime-chaos-mesh-namespace' ? withWave(f, 10) : f));
    expect(namespaceDefaults(planted).problems).toEqual([
      'namespace chaos-mesh: addon-flextime-chaos-mesh (wave 10) starts pods no later than its LimitRange (addon-flextime-chaos-mesh-namespace, wave 10)',
    ]);
  });
});
