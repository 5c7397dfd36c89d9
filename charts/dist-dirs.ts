/**
 * The folders under dist/ as ArgoCD sees them: one Application each (charts/argocd.ts), with the
 * identity of every object (AppProject allow-lists, ignored fields) and what the objects provide
 * and need (lib/graph; the sync order of charts/bootstrap-order.ts).
 */
import { ApiObject, Chart, type App } from 'cdk8s';
import { needsOf, type ScanOptions } from '../lib/graph/needs.ts';
import { providesOf } from '../lib/graph/provides.ts';
import { groupOfApiVersion, type Need, type Ref } from '../lib/graph/refs.ts';
import { objectJson, type KubeObject } from '../lib/synth/object-json.ts';
import { BuildError } from '../lib/values/build-error.ts';
import { isClusterScoped } from '../lib/synth/kinds.ts';
import { outputCharts, type OutputChart } from '../lib/synth/output-chart.ts';

/** One object a dist/ chart renders, as far as ArgoCD cares. */
export interface DistObject {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly clusterScoped: boolean;
}

/** One folder under dist/: `dist/<env>/<component>` or `dist/cluster/<component>`. */
export interface DistDir {
  readonly path: string;
  /** An environment name or `cluster`. */
  readonly group: string;
  readonly component: string;
  /** Source files of the charts writing the folder. */
  readonly sources: readonly string[];
  readonly objects: readonly DistObject[];
  /** Autoscaled workloads in the folder, as `<group>/<kind>/<namespace>/<name>`. */
  readonly autoscaled: ReadonlySet<string>;
  /** What the folder's objects provide to other Applications (lib/graph/provides.ts). */
  readonly provides: readonly Ref[];
  /** What the folder's objects need, with the fields that refer (lib/graph/needs.ts). */
  readonly needs: readonly Need[];
}

interface Collected {
  group: string;
  component: string;
  sources: Set<string>;
  objects: DistObject[];
  provides: Ref[];
  needs: Need[];
}

/** The dist/ charts of `app`; a chart outside `dist/<group>/<component>` is an error. */
function distCharts(app: App): OutputChart[] {
  const charts = outputCharts(app).filter((c) => c.outputDir.startsWith('dist/'));
  for (const chart of charts) {
    if (chart.outputDir.split('/').length !== 3) {
      throw new BuildError([`'outputDir' (${chart.outputDir}) of [${chart.node.path}] must be dist/<env>/<component> or dist/cluster/<component>: ArgoCD syncs one folder per component`]);
    }
  }
  return charts;
}

/** The objects `chart` renders itself (not those of nested charts). */
function objectsOf(chart: OutputChart): ApiObject[] {
  return chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart);
}

/** Paths of the non-empty folders under dist/ (cheap: no object is rendered). */
export function distDirPaths(app: App): string[] {
  return [...new Set(distCharts(app).filter((c) => objectsOf(c).length).map((c) => c.outputDir))].sort();
}

/** Every non-empty folder under dist/ that the charts in `app` render, sorted by path, its objects scanned. */
export function discoverDistDirs(app: App, scan: ScanOptions = {}): DistDir[] {
  const scaleTargets = new Set<string>();
  const dirs = new Map<string, Collected>();
  for (const chart of distCharts(app)) {
    const objects = objectsOf(chart);
    if (!objects.length) continue;
    const [, group, component] = chart.outputDir.split('/') as [string, string, string];
    const dir = dirs.get(chart.outputDir) ?? { group, component, sources: new Set<string>(), objects: [], provides: [], needs: [] };
    dir.sources.add(chart.source);
    for (const o of objects) {
      const json = objectJson(o);
      dir.objects.push({
        group: groupOfApiVersion(o.apiVersion),
        kind: o.kind,
        name: o.metadata.name ?? '',
        namespace: o.metadata.namespace,
        clusterScoped: isClusterScoped(o.apiVersion, o.kind),
      });
      dir.provides.push(...providesOf(json));
      dir.needs.push(...needsOf(json, scan));
      const target = scaleTargetOf(json);
      if (target) scaleTargets.add(target);
    }
    dirs.set(chart.outputDir, dir);
  }
  return [...dirs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, d]) => ({
      path,
      group: d.group,
      component: d.component,
      sources: [...d.sources].sort(),
      objects: d.objects,
      autoscaled: new Set(d.objects.map(workloadKey).filter((k) => scaleTargets.has(k))),
      provides: d.provides,
      needs: d.needs,
    }));
}

/** `<group>/<kind>/<namespace>/<name>` of a workload. */
export function workloadKey(o: { group: string; kind: string; namespace?: string; name: string }): string {
  return `${o.group}/${o.kind}/${o.namespace ?? ''}/${o.name}`;
}

/** `<group>/<kind>/<namespace>/<name>` of the workload an HPA or KEDA ScaledObject scales. */
function scaleTargetOf(o: KubeObject): string | undefined {
  const isHpa = o.kind === 'HorizontalPodAutoscaler' && o.apiVersion.startsWith('autoscaling/');
  const isKeda = o.kind === 'ScaledObject' && o.apiVersion.startsWith('keda.sh/');
  if (!isHpa && !isKeda) return undefined;
  const ref = (o as { spec?: { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string } } }).spec?.scaleTargetRef;
  if (!ref?.name) return undefined;
  return `${groupOfApiVersion(ref.apiVersion ?? 'apps/v1')}/${ref.kind ?? 'Deployment'}/${o.metadata.namespace ?? ''}/${ref.name}`;
}
