#!/usr/bin/env node
// `npm run synth`: bundle main.ts and our own modules with esbuild (tens of ms), then run the
// bundle in this same process. One node process and no TypeScript runtime hook keeps a full
// synth well under a second; `npx cdk8s synth` (tsx under the cdk8s runner) takes seconds.
// The bundle is named by its content hash, so concurrent runs never overwrite each other's.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = await build({
  entryPoints: [join(root, 'main.ts')],
  bundle: true,
  packages: 'external', // node_modules load as they are; only our sources are bundled
  platform: 'node',
  format: 'esm',
  target: 'node20',
  write: false,
  logLevel: 'error',
  absWorkingDir: root,
});
const code = result.outputFiles[0].contents;
const outfile = join(root, '.build', `main-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
if (!existsSync(outfile)) {
  mkdirSync(dirname(outfile), { recursive: true });
  const tmp = `${outfile}.${process.pid}`;
  writeFileSync(tmp, code);
  renameSync(tmp, outfile);
}
await import(pathToFileURL(outfile).href);
