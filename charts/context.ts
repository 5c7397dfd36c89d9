/**
 * What every FlexTime chart needs to know about the environment it renders, derived once from
 * config: namespace, labels, and where its output goes.
 */
import type { App } from 'cdk8s';
import type { Environment, Platform } from '../config/index.ts';
import type { AppIdentity } from '../lib/labels.ts';
import { recommendedLabels } from '../lib/labels.ts';
import { OutputChart } from '../lib/synth/output-chart.ts';

export const ENVIRONMENT_LABEL = 'flextime.io/environment';

export interface EnvContext {
  readonly platform: Platform;
  readonly env: Environment;
  /** `flextime-<env>`: environments map to namespaces by name, not by config. */
  readonly namespace: string;
  /** Identity of an object family in this environment (labels come from it). */
  identity(name: string, component: string, version?: string): AppIdentity;
  /** `identity(...)` as a label map. */
  labels(name: string, component: string, version?: string): Record<string, string>;
  /** The priority class a pod of this environment runs at: `environments[].priorityClass`, else the workload's `own`. */
  priorityClass(own: string): string;
  /** How this environment's multi-replica workloads spread over zones (`environments[].zoneSpread`). */
  readonly zoneSpread: 'DoNotSchedule' | 'ScheduleAnyway';
}

export function namespaceOf(platform: Platform, env: Environment): string {
  return `${platform.partOf}-${env.name}`;
}

export function envContext(platform: Platform, env: Environment): EnvContext {
  const namespace = namespaceOf(platform, env);
  const identity = (name: string, component: string, version?: string): AppIdentity => ({
    name,
    instance: `${name}-${env.name}`,
    component,
    partOf: platform.partOf,
    version,
    extraLabels: { [ENVIRONMENT_LABEL]: env.name },
  });
  return {
    platform,
    env,
    namespace,
    identity,
    labels: (name, component, version) => recommendedLabels(identity(name, component, version)),
    priorityClass: (own) => env.priorityClass ?? own,
    zoneSpread: env.zoneSpread,
  };
}

/** Creates the chart that renders `component` of one environment into `dist/<env>/<component>`. */
export function envChart(app: App, ctx: EnvContext, component: string, source: string): OutputChart {
  return new OutputChart(app, `${ctx.env.name}-${component}`, {
    outputDir: `dist/${ctx.env.name}/${component}`,
    source,
  });
}

/**
 * The dist/ group of add-on folders: `dist/addons/<addon>` holds what exists only on the clusters
 * that install the add-on (charts/namespaces.ts); charts/argocd.ts syncs it to exactly those.
 */
export const ADDON_GROUP = 'addons';

/** Creates the chart rendered into `dist/addons/<addon>`, synced only where `addon` is installed. */
export function addonChart(app: App, addon: string, source: string): OutputChart {
  return new OutputChart(app, `${ADDON_GROUP}-${addon}`, { outputDir: `dist/${ADDON_GROUP}/${addon}`, source });
}

/** Creates the chart for cluster-scoped objects of `component`, rendered once into `dist/cluster/<component>`. */
export function clusterChart(app: App, component: string, source: string): OutputChart {
  return new OutputChart(app, `cluster-${component}`, { outputDir: `dist/cluster/${component}`, source });
}
