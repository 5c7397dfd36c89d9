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
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

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

/** Write `path` whole or not at all: concurrent runs never see a partial file. */
function replaceFile(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

function writeOnce(path, contents) {
  if (!existsSync(path)) replaceFile(path, contents);
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

// Load the vendor bundle, then run the app.
globalThis.__flextimeVendor = runBundle(vendorFile).modules;
runBundle(appFile);

/**
 * Run a CommonJS bundle from V8's code cache for it, and refresh that cache after a successful
 * run that had none (or had one V8 refused, e.g. after a node upgrade).
 *
 * The cache is taken when the run ends, so it holds every function the run compiled. V8
 * compiles most functions lazily, on their first call; node's own compile cache is written
 * right after a module is compiled, before any of that, and compiling those functions (the
 * ajv validators of @kubernetes-models, zod, cdk8s) was ~0.1 s of every run.
 */
function runBundle(file) {
  const cacheFile = `${file.replace(/\.cjs$/, '')}.v8-${process.versions.v8}.cache`;
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  // The wrapper opens on the bundle's first line, so stack traces keep the bundle's line numbers.
  // Strict, as the ES modules the bundles are made of.
  const wrapped = `(function (exports, require, module, __filename, __dirname, __bundleUrl) {'use strict';${readFileSync(file, 'utf8')}\n})`;
  const script = new vm.Script(wrapped, {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', (code) => {
      if (code === 0) replaceFile(cacheFile, script.createCachedData());
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), pathToFileURL(file).href);
  return module.exports;
}

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
    format: 'cjs',
    target: 'node20',
    write: false,
    metafile: true,
    // Our code reads files beside its sources (charts/database-backups.ts); runBundle passes the
    // bundle's URL, and the bundle sits one folder below the root as the sources do.
    define: { 'import.meta.url': '__bundleUrl' },
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
  const entry = [
    ...specs.map((spec, i) => `import * as m${i} from ${JSON.stringify(spec)};`),
    `export const modules = new Map([${specs.map((spec, i) => `[${JSON.stringify(spec)}, m${i}]`).join(', ')}]);`,
  ].join('\n');
  const vendorOptions = {
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'error',
    external: UNBUNDLED,
    // As in the ES module bundle this replaced: import.meta.url is the bundle's (re2-lazy.mjs
    // resolves re2-wasm from it).
    define: { 'import.meta.url': '__bundleUrl' },
    // Less text for node to parse on every run; identifiers stay, so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    // punycode: the npm package of the same name instead of node's deprecated built-in (node 22
    // warns on every run; ajv-formats-draft2019 asks for it).
    alias: { '@kubernetes-models/validate/runtime/re2': RE2_SHIM, punycode: 'punycode/' },
  };
  // Named by everything that shapes it: the locked versions, the options (with the package
  // list), esbuild and the re2 shim.
  const lockfile = readFileSync(join(root, 'package-lock.json'), 'utf8');
  const vendorFile = join(buildDir, `vendor-${hash(lockfile, JSON.stringify(vendorOptions), esbuildVersion, readFileSync(RE2_SHIM, 'utf8'))}.cjs`);
  if (!existsSync(vendorFile)) {
    const vendor = await build(vendorOptions);
    writeOnce(vendorFile, vendor.outputFiles[0].contents);
  }

  const code = app.outputFiles[0].contents;
  const appFile = join(buildDir, `main-${hash(Buffer.from(code).toString('latin1'))}.cjs`);
  writeOnce(appFile, code);
  const inputs = Object.keys(app.metafile.inputs).filter((f) => !f.includes(':')).sort();
  const manifest = JSON.stringify({ key: keyOf(inputs), inputs, app: basename(appFile), vendor: basename(vendorFile) });
  writeFileSync(`${manifestFile}.${process.pid}`, manifest);
  renameSync(`${manifestFile}.${process.pid}`, manifestFile);
  pruneBuildDir([appFile, vendorFile]);
  return { appFile, vendorFile };
}

/**
 * Remove the bundles and code caches of earlier sources (each edit leaves ~1.6 MB), and the
 * compile cache of older versions of this script. An hour's grace: a run that started before
 * the sources changed may still be loading them.
 */
function pruneBuildDir(current) {
  const keep = new Set(current.map((f) => basename(f).replace(/\.cjs$/, '')));
  const cutoff = Date.now() - 3600_000;
  for (const name of readdirSync(buildDir)) {
    const bundle = /^((?:main|vendor)-[0-9a-f]{16})\./.exec(name)?.[1];
    if (!(bundle ? !keep.has(bundle) : name === 'compile-cache')) continue;
    const path = join(buildDir, name);
    if (statSync(path).mtimeMs < cutoff) rmSync(path, { recursive: true, force: true });
  }
}
