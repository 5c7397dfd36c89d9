#!/usr/bin/env node
// `npm run synth`: bundle main.ts and our own modules with esbuild (about 50 ms), then run the
// bundle in this same process. One node process and no TypeScript runtime hook keeps a full
// synth well under a second; `npx cdk8s synth` (tsx through the cdk8s runner) takes seconds.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, '.build', 'main.mjs');
await build({
  entryPoints: [join(root, 'main.ts')],
  outfile,
  bundle: true,
  packages: 'external', // node_modules load as they are; only our sources are bundled
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'error',
});
await import(pathToFileURL(outfile).href);
