/**
 * Entry point of `npm run synth`: load config → build the App → render → write atomically.
 *
 *   npm run synth                      every environment, dist/ and argocd/
 *   npm run synth -- --env staging     only dist/staging
 *   npm run synth -- --config x.json   another raw config (tests, experiments)
 *   npm run synth -- --out-root DIR    write below DIR instead of the repository root
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type EnvironmentName } from './config/index.ts';
import { openPlaceholders } from './config/schema-site.ts';
import { buildApp } from './charts/index.ts';
import { render, renderDocuments, summarize } from './lib/synth/engine.ts';
import { BuildError } from './lib/values/build-error.ts';
import { writeAtomically } from './lib/synth/write.ts';

export function main(argv: string[]): number {
  const started = performance.now();
  const { values } = parseArgs({
    args: argv,
    options: {
      env: { type: 'string' },
      config: { type: 'string' },
      'out-root': { type: 'string', default: '.' },
    },
  });
  try {
    const raw = values.config ? readJson(values.config) : undefined;
    const platform = loadConfig(raw);
    const known = platform.environments.map((e) => e.name);
    if (values.env !== undefined && !known.includes(values.env as EnvironmentName)) {
      throw new ConfigError([`--env = ${JSON.stringify(values.env)}: must be one of ${known.map((k) => `"${k}"`).join(', ')}`]);
    }
    const only = values.env as EnvironmentName | undefined;
    const app = buildApp(platform, only ? { environments: [only], shared: false } : {});
    const files = render(app);
    const documents = renderDocuments(app);
    const written = writeAtomically(files, {
      root: resolve(values['out-root']),
      units: only ? [`dist/${only}`] : ['dist', 'argocd'],
      documents,
    });
    for (const { group, objects, components } of summarize(files)) {
      console.log(`${group.padEnd(12)} ${String(objects).padStart(4)} objects  ${String(written.get(group)).padStart(4)} files  ${components} components`);
    }
    if (documents.length) console.log(`documents    ${documents.map((d) => d.path).join(', ')}`);
    const open = openPlaceholders(platform.site).length;
    if (open) console.log(`placeholders ${open} values in config/site.ts are still examples: npm run preflight -- --env <env> lists them`);
    console.log(`synth: ${files.length} objects in ${Math.round(performance.now() - started)} ms`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof BuildError) {
      console.error(error.message);
      console.error('nothing was written; dist/ and argocd/ are as they were');
      return 1;
    }
    throw error;
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`--config ${path}: cannot read JSON (${(error as Error).message})`]);
  }
}

process.exitCode = main(process.argv.slice(2));
