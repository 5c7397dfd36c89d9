#!/usr/bin/env node
// `npm run synth`: run main.ts in this one node process, fast.
//
// Loading the dependencies file by file (cdk8s-plus, zod, yaml and hundreds of small
// @kubernetes-models modules) costs more than rendering. So the code is split in two bundles:
//   - vendor: every package our code imports, bundled into one file, rebuilt only when
//     package-lock.json or the set of imported packages changes (a second or two, once);
//   - app: our own TypeScript (config/, lib/, charts/, main.ts), bundled by esbuild on every
//     run (tens of ms); each package import becomes a lookup in the loaded vendor bundle.
// Both are content-addressed under .build/, so concurrent runs never overwrite each other, and
// a run whose sources and lockfile are unchanged reuses them without starting esbuild.
import { enableCompileCache } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, '.build');
// Packages that must stay real node_modules imports: re2-wasm locates its .wasm file relative
// to its own source file.
const UNBUNDLED = ['re2-wasm'];
// Loads re2-wasm only when a pattern is tested (see the file).
const RE2_SHIM_PATH = 'scripts/synth.d/re2-lazy.mjs';
const RE2_SHIM = join(root, RE2_SHIM_PATH);

// esbuild's JS API is imported only when something must be bundled: loading it took ~0.1 s, a
// tenth of a run that reuses both bundles. Its version (part of every cache key) is read from
// its package.json instead.
const esbuildVersion = JSON.parse(readFileSync(join(root, 'node_modules/esbuild/package.json'), 'utf8')).version;
const hash = (...parts) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);

function writeOnce(path, contents) {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

// Nothing changed since the last run (same sources, same lockfile): reuse both bundles and
// skip esbuild entirely. The manifest lists the exact files the last bundle was built from.
const manifestFile = join(buildDir, 'last-synth.json');
// Size and modification time stand for content (as make does): reading and hashing every source
// file and the lockfile on each run cost more than the rest of the check.
const stamp = (f) => { const s = statSync(join(root, f)); return `${f}\0${s.size}\0${s.mtimeMs}`; };
const keyOf = (inputs) => hash(esbuildVersion, ...['package-lock.json', 'scripts/synth.mjs', RE2_SHIM_PATH, ...inputs].map(stamp));
const last = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')) : undefined;
const unchanged = last && [last.app, last.vendor].every((f) => existsSync(join(buildDir, f)))
  && last.inputs.every((f) => existsSync(join(root, f))) && keyOf(last.inputs) === last.key;
const { appFile, vendorFile } = unchanged
  ? { appFile: join(buildDir, last.app), vendorFile: join(buildDir, last.vendor) }
  : await bundle();

// V8's code cache for the bundles (node >= 22.1): compiling the 5 MB vendor bundle was a fifth
// of every run. Kept under .build/ beside the bundles it belongs to.
enableCompileCache?.(join(buildDir, 'compile-cache'));

// Load the vendor bundle, then run the app.
globalThis.__flextimeVendor = (await import(pathToFileURL(vendorFile).href)).modules;
await import(pathToFileURL(appFile).href);

/** Bundle our code (every run it changed) and the vendor bundle (when the dependencies changed). */
async function bundle() {
  const { build } = await import('esbuild');
  // 1. Our code, with every package import turned into `globalThis.__flextimeVendor.get(spec)`.
  //    Treated as CommonJS by esbuild, so named imports become property reads at use time.
  const packages = new Set();
  const app = await build({
    entryPoints: [join(root, 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'error',
    absWorkingDir: root,
    plugins: [{
      name: 'vendor',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, ({ path }) => {
          if (path.startsWith('node:')) return { path, external: true };
          packages.add(path);
          return { path, namespace: 'vendor' };
        });
        b.onLoad({ filter: /.*/, namespace: 'vendor' }, ({ path }) => ({
          contents: `module.exports = globalThis.__flextimeVendor.get(${JSON.stringify(path)});`,
          loader: 'js',
        }));
      },
    }],
  });

  // 2. The vendor bundle for exactly these packages at exactly the locked versions.
  const specs = [...packages].sort();
  const lockfile = readFileSync(join(root, 'package-lock.json'), 'utf8');
  const vendorFile = join(buildDir, `vendor-${hash(lockfile, specs.join(','), esbuildVersion, readFileSync(RE2_SHIM, 'utf8'), 'punycode/')}.mjs`);
  if (!existsSync(vendorFile)) {
    const entry = [
      ...specs.map((spec, i) => `import * as m${i} from ${JSON.stringify(spec)};`),
      `export const modules = new Map([${specs.map((spec, i) => `[${JSON.stringify(spec)}, m${i}]`).join(', ')}]);`,
    ].join('\n');
    const vendor = await build({
      stdin: { contents: entry, resolveDir: root, loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'error',
      external: UNBUNDLED,
      // Less text for node to parse on every run; identifiers stay, so stack traces stay readable.
      minifyWhitespace: true,
      minifySyntax: true,
      // punycode: the npm package of the same name instead of node's deprecated built-in (node 22
      // warns on every run; ajv-formats-draft2019 asks for it).
      alias: { '@kubernetes-models/validate/runtime/re2': RE2_SHIM, punycode: 'punycode/' },
      // Bundled CommonJS packages still call require() for node built-ins.
      banner: { js: "import { createRequire as __flextimeRequire } from 'node:module'; const require = __flextimeRequire(import.meta.url);" },
    });
    writeOnce(vendorFile, vendor.outputFiles[0].contents);
  }

  const code = app.outputFiles[0].contents;
  const appFile = join(buildDir, `main-${hash(Buffer.from(code).toString('latin1'))}.mjs`);
  writeOnce(appFile, code);
  const inputs = Object.keys(app.metafile.inputs).filter((f) => !f.includes(':')).sort();
  const manifest = JSON.stringify({ key: keyOf(inputs), inputs, app: basename(appFile), vendor: basename(vendorFile) });
  writeFileSync(`${manifestFile}.${process.pid}`, manifest);
  renameSync(`${manifestFile}.${process.pid}`, manifestFile);
  return { appFile, vendorFile };
}
