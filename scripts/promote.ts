/**
 * `npm run promote`: move a service's image from one environment to the next (or pin a new build).
 *
 *   npm run promote -- --service api-svc --from staging --to production
 *   npm run promote -- --service api-svc --to staging --image ghcr.io/flextime/api-svc@sha256:…
 *
 * Edits exactly one value, the `image:` string of the service in config/environments/<to>.ts
 * (found with the TypeScript parser, so formatting and neighbouring lines are left alone),
 * validates the result with loadConfig (which refuses a tag without digest where the config
 * requires digests), re-synths dist/ and argocd/ and prints the rendered diff against HEAD.
 * Nothing is written when validation fails.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');

/** The user asked for something that cannot be done: printed without a stack trace, exit 1. */
export class PromoteError extends Error {}

export interface PromoteOptions {
  /** Repository root whose config is edited. @default this checkout */
  readonly root?: string;
  readonly service: string;
  /** Environment whose current image is promoted; or give `image`. */
  readonly from?: string;
  readonly to: string;
  /** Image reference to pin instead of `from`'s image. */
  readonly image?: string;
}

export interface PromoteResult {
  /** Edited file, relative to root (`config/environments/production.ts`). */
  readonly file: string;
  /** 1-based line of the edited value. */
  readonly line: number;
  readonly old: string;
  readonly new: string;
  /** False when the target already had this image (nothing written). */
  readonly changed: boolean;
}

interface RawEnvironment {
  name: string;
  services: Record<string, { image: string }>;
}

interface ConfigModules {
  platformConfig: { environments: RawEnvironment[] };
  loadConfig: (raw: unknown) => unknown;
  ConfigError: new (...args: never[]) => Error;
}

async function loadConfigModules(root: string): Promise<ConfigModules> {
  const index = await import(pathToFileURL(join(root, 'config', 'index.ts')).href);
  const platform = await import(pathToFileURL(join(root, 'config', 'platform.ts')).href);
  return { platformConfig: platform.platformConfig, loadConfig: index.loadConfig, ConfigError: index.ConfigError };
}

/** Position of the `image` string literal of `service` inside the `services` object of `source`. */
export function locateImage(source: string, fileName: string, service: string): { start: number; end: number; value: string } {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const hits: ts.StringLiteralLike[] = [];
  const nameOf = (p: ts.ObjectLiteralElementLike) =>
    ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? p.name.text : undefined;
  const property = (o: ts.ObjectLiteralExpression, name: string) =>
    o.properties.find((p): p is ts.PropertyAssignment => nameOf(p) === name);
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && nameOf(node) === 'services' && ts.isObjectLiteralExpression(node.initializer)) {
      const entry = property(node.initializer, service);
      if (entry && ts.isObjectLiteralExpression(entry.initializer)) {
        const image = property(entry.initializer, 'image');
        if (image && ts.isStringLiteralLike(image.initializer)) hits.push(image.initializer);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (hits.length !== 1) {
    throw new PromoteError(`${fileName}: expected exactly one string literal at services['${service}'].image, found ${hits.length}`);
  }
  const literal = hits[0]!;
  return { start: literal.getStart(file), end: literal.getEnd(), value: literal.text };
}

/** Edit the target environment's image value; validate before writing. */
export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  const root = options.root ?? ROOT;
  const { platformConfig, loadConfig, ConfigError } = await loadConfigModules(root);
  const env = (name: string, flag: string) => {
    const found = platformConfig.environments.find((e) => e.name === name);
    if (!found) {
      throw new PromoteError(`${flag} ${JSON.stringify(name)}: unknown environment; allowed: ${platformConfig.environments.map((e) => e.name).join(', ')}`);
    }
    if (!found.services[options.service]) {
      throw new PromoteError(`--service ${JSON.stringify(options.service)}: not configured in ${name}; allowed: ${Object.keys(found.services).join(', ')}`);
    }
    return found;
  };
  const target = env(options.to, '--to');
  if (!options.image && !options.from) throw new PromoteError('give --from <environment> or --image <repo@sha256:…>');
  if (options.from === options.to) throw new PromoteError(`--from and --to are both ${options.to}`);
  const image = options.image ?? env(options.from!, '--from').services[options.service]!.image;

  // Validate the config as it will be, with the same rules synth applies.
  const candidate = structuredClone(platformConfig);
  candidate.environments.find((e) => e.name === options.to)!.services[options.service]!.image = image;
  try {
    loadConfig(candidate);
  } catch (error) {
    if (error instanceof ConfigError) throw new PromoteError(`refusing to promote ${image} to ${options.to}:\n${error.message}`);
    throw error;
  }

  const path = join(root, 'config', 'environments', `${options.to}.ts`);
  if (!existsSync(path)) throw new PromoteError(`${relative(root, path)} does not exist; environment values live in config/environments/<name>.ts`);
  const source = readFileSync(path, 'utf8');
  const at = locateImage(source, relative(root, path), options.service);
  if (at.value !== target.services[options.service]!.image) {
    throw new PromoteError(`${relative(root, path)}: services['${options.service}'].image is '${at.value}' in the file but '${target.services[options.service]!.image}' in the loaded config; is the value computed elsewhere?`);
  }
  const line = source.slice(0, at.start).split('\n').length;
  const result = { file: relative(root, path).split('\\').join('/'), line, old: at.value, new: image };
  if (at.value === image) return { ...result, changed: false };
  const quote = source[at.start];
  writeFileSync(path, source.slice(0, at.start) + quote + image + quote + source.slice(at.end));
  return { ...result, changed: true };
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      service: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      image: { type: 'string' },
      root: { type: 'string' },
      'no-diff': { type: 'boolean', default: false },
      format: { type: 'string', default: 'text' },
    },
  });
  try {
    if (!values.service || !values.to) throw new PromoteError('usage: npm run promote -- --service <name> (--from <env> | --image <repo@sha256:…>) --to <env>');
    const root = resolve(values.root ?? ROOT);
    const result = await promote({ root, service: values.service, from: values.from, to: values.to, image: values.image });
    if (!result.changed) {
      console.log(`${values.service} in ${values.to} already runs ${result.new}; nothing to do`);
      return 0;
    }
    console.log(`${result.file}:${result.line}: ${values.service} image ${result.old} → ${result.new}`);
    // Re-render dist/ and argocd/ so the promotion commit carries the rendered change, then show it.
    const { synthInto, diffRun } = await import('./diff.ts');
    synthInto(root, root);
    if (!values['no-diff']) {
      const { formatMarkdown, formatText } = await import('../lib/diff/report.ts');
      const report = diffRun({ root, base: 'HEAD' });
      process.stdout.write(values.format === 'markdown' ? formatMarkdown(report) : formatText(report));
    }
    return 0;
  } catch (error) {
    if (error instanceof PromoteError || (error as Error).name === 'DiffError') {
      console.error(`promote: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main(process.argv.slice(2));
