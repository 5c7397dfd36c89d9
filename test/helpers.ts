/** Shared test helpers: render the committed config (or a variant) without touching dist/. */
import { buildApp, type BuildOptions } from '../charts/index.ts';
import { loadConfig, type EnvironmentName, type Platform } from '../config/index.ts';
import { platformConfig } from '../config/platform.ts';
import { render, type RenderedFile } from '../lib/synth/engine.ts';
import { type KubeObject } from '../lib/synth/object-json.ts';

/** A deep copy of the committed raw config, to mutate in a test. */
export function rawConfig(): typeof platformConfig {
  return structuredClone(platformConfig);
}

/**
 * The committed config rendered once per worker (vitest shares modules between the files of a
 * worker) and frozen deep, so a test that changed it would throw instead of changing what the
 * next file reads. A platform or options of a test's own render afresh.
 */
let committedRender: RenderedFile[] | undefined;

export function renderPlatform(platform?: Platform, options?: BuildOptions): RenderedFile[] {
  if (platform || options) return render(buildApp(platform ?? loadConfig(), options ?? {}));
  return (committedRender ??= deepFreeze(render(buildApp(loadConfig(), {}))));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** All rendered objects, optionally only those whose path starts with `prefix` (e.g. `dist/production/`). */
export function objects(prefix = '', files: RenderedFile[] = renderPlatform()): KubeObject[] {
  return files.filter((f) => f.path.startsWith(prefix)).map((f) => f.object);
}

/** The one object of `kind` named `name` under `prefix`; throws if absent, so tests read as sentences. */
export function find(kind: string, name: string, prefix = '', files?: RenderedFile[]): KubeObject {
  const hit = objects(prefix, files).find((o) => o.kind === kind && o.metadata.name === name);
  if (!hit) throw new Error(`no ${kind} '${name}' under '${prefix}'`);
  return hit;
}

/** The message `loadConfig` throws for `raw`, or '' when it is valid. */
export function configError(raw: unknown): string {
  try {
    loadConfig(raw);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * A cluster of its own for `environments` (as in "move production to its own cluster"): its VPC
 * (10.40.0.0/16, laid out like config/network-ranges.ts) with their data subnets, which leave
 * the clusters they were on, and its site values (those of the first cluster). The caller pushes
 * it into `raw.clusters` and moves the environments.
 */
export function ownCluster(raw: ReturnType<typeof rawConfig>, name: string, ...environments: EnvironmentName[]): ReturnType<typeof rawConfig>['clusters'][number] {
  for (const c of raw.clusters) for (const env of environments) if (c.network) delete c.network.dataSubnets[env];
  // Same account and settings as the first cluster (config/site.ts).
  raw.site.clusters[name] = structuredClone(raw.site.clusters[raw.clusters[0]!.name]!);
  const zones = ['a', 'b', 'c'].map((z, i) => ({ name: `us-east-2${z}`, public: `10.40.${16 * i}.0/20`, private: `10.40.${64 * (i + 1)}.0/18`, endpoints: `10.40.${60 + i}.0/24` }));
  const dataSubnets = Object.fromEntries(environments.map((env, e) => [env, [0, 1, 2].map((i) => `10.40.${48 + 4 * e + i}.0/24`)]));
  return { name, server: 'https://prod.eks.example.com', network: { vpcCidr: '10.40.0.0/16', zones, dataSubnets, endpoints: { gateway: ['s3'], interface: ['sts'] } } };
}
