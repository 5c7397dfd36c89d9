/** Shared test helpers: render the committed config (or a variant) without touching dist/. */
import { buildApp, type BuildOptions } from '../charts/index.ts';
import { loadConfig, type Platform } from '../config/index.ts';
import { platformConfig } from '../config/platform.ts';
import { render, type KubeObject, type RenderedFile } from '../lib/synth/engine.ts';

/** A deep copy of the committed raw config, to mutate in a test. */
export function rawConfig(): typeof platformConfig {
  return structuredClone(platformConfig);
}

export function renderPlatform(platform: Platform = loadConfig(), options: BuildOptions = {}): RenderedFile[] {
  return render(buildApp(platform, options));
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
