// kubectl and process helpers of scripts/verify.d/dry-run.mjs (node's standard library only).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const log = (m) => console.error(`[verify] ${m}`);
export const secs = (t) => `${((Date.now() - t) / 1000).toFixed(1)}s`;

// Children still running; ended if this process is told to stop (scripts/verify's cleanup).
const children = new Set();
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    for (const c of children) c.kill('SIGTERM');
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}
export function run(cmd, args) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(p);
    p.on('exit', () => children.delete(p));
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', (e) => resolve({ code: 127, stdout, stderr: stderr + String(e) }));
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i], i); }
  }));
  return out;
}
export const chunk = (xs, n) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
export const flagFiles = (files) => files.flatMap((f) => ['-f', f]);

export function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

// Splits kubectl's `-o json` output for several objects (concatenated JSON documents).
export function splitJson(s) {
  const out = [];
  let depth = 0, inStr = false, esc = false, start = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr) { if (esc) esc = false; else if (c === '\\') esc = true; else if (c === '"') inStr = false; continue; }
    if (c === '"') inStr = true;
    else if (c === '{' || c === '[') { if (depth++ === 0) start = i; }
    else if (c === '}' || c === ']') { if (--depth === 0) out.push(JSON.parse(s.slice(start, i + 1))); }
  }
  return out;
}
// Number of non-empty YAML documents in a file (to attribute a batch's parsed objects to files).
export const countDocs = (text) => text.split(/^---[ \t]*(?:#.*)?$/m)
  .filter((d) => d.split('\n').some((l) => { const t = l.trim(); return t && !t.startsWith('#') && t !== '...'; })).length;

// ---- kubectl apply output ------------------------------------------------------------------
export function classifyStderr(stderr) {
  const warnings = [], errors = [];
  for (const block of stderr.split(/\n(?=Warning:|Error from server|error:|Error:)/)) {
    const t = block.trim();
    if (!t) continue;
    if (t.startsWith('Warning:')) warnings.push(t.replace(/^Warning:\s*/, ''));
    else errors.push(t);
  }
  return { warnings, errors };
}
export const okLines = (stdout) => stdout.split('\n').filter((l) => /\(server dry run\)\s*$/.test(l)).length;

/** kubectl bound to one binary, and the steps that need it. */
export function kubectlTool(binary, jobs) {
  const kubectl = (...args) => run(binary, args);
  async function kubectlOk(what, ...args) {
    const r = await kubectl(...args);
    if (r.code !== 0) {
      log(`${what} failed:\n${r.stderr || r.stdout}`);
      process.exit(2);
    }
    return r;
  }
  // `kubectl wait` fails at once on a CRD the API server has not yet given any condition to.
  async function waitEstablished(...selector) {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const r = await kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd', ...selector);
      if (r.code === 0) return;
      if (Date.now() > deadline || !/accessor error|not found|no matching resources/.test(r.stderr)) {
        log(`waiting for CRDs to be Established failed:\n${r.stderr || r.stdout}`);
        process.exit(2);
      }
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  async function parseFiles(files) {
    const parsed = new Map(); // file -> { objects, error }
    const parseOne = async (f) => {
      const r = await kubectl('annotate', '--local', '-o', 'json', '-f', f, 'flextime.io/verify-parse-');
      parsed.set(f, r.code === 0 ? { objects: splitJson(r.stdout) } : { objects: [], error: (r.stderr || r.stdout).trim() });
    };
    await pool(chunk(files, 100), jobs, async (batch) => {
      const expected = batch.map((f) => countDocs(fs.readFileSync(f, 'utf8')));
      const r = await kubectl('annotate', '--local', '-o', 'json', ...flagFiles(batch), 'flextime.io/verify-parse-');
      const objs = r.code === 0 ? splitJson(r.stdout) : null;
      if (objs && objs.length === expected.reduce((a, b) => a + b, 0)) {
        let k = 0;
        batch.forEach((f, i) => { parsed.set(f, { objects: objs.slice(k, k + expected[i]) }); k += expected[i]; });
      } else {
        for (const f of batch) await parseOne(f);
      }
    });
    return parsed;
  }

  // ---- discovery: which kinds are namespaced ---------------------------------------------------
  async function namespacedKinds() {
    const r = await kubectlOk('kubectl api-resources', 'api-resources');
    const lines = r.stdout.split('\n').filter(Boolean);
    const header = lines.shift();
    const col = (name) => header.indexOf(name);
    const [cv, cn, ck] = [col('APIVERSION'), col('NAMESPACED'), col('KIND')];
    const m = new Map();
    for (const l of lines) {
      const apiVersion = l.slice(cv).split(/\s+/)[0];
      const namespaced = l.slice(cn).split(/\s+/)[0] === 'true';
      const kind = l.slice(ck).trim();
      m.set(`${apiVersion.includes('/') ? apiVersion.split('/')[0] : ''}/${kind}`, namespaced);
    }
    return m;
  }
  return { kubectl, kubectlOk, waitEstablished, parseFiles, namespacedKinds };
}
