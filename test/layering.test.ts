/**
 * The one-way flow, read from the import statements themselves (not from a list kept by hand):
 * config/ depends only on the value module lib/values/ (and zod); lib/values/ on nothing;
 * lib/ never on config/ or charts/; charts/ never on the synth engine. Names are unambiguous
 * across layers, and every dist/ folder names the chart file that renders it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { ROOT } from './tools.ts';

const rel = (abs: string) => relative(ROOT, abs).split(sep).join('/');

/** Every .ts file below `dir` (repository-relative). */
function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => rel(join(e.parentPath, e.name)))
    .sort();
}

/** What `file` imports: repository paths for relative specifiers, the package (or `node:x`) otherwise. */
export function importsOf(file: string, source = readFileSync(join(ROOT, file), 'utf8')): string[] {
  const specs = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)]
    .map((m) => (m[1] ?? m[2] ?? m[3])!);
  return specs.map((spec) => {
    if (!spec.startsWith('.')) return spec.startsWith('node:') ? spec : spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
    return normalize(join(dirname(file), spec)).split(sep).join('/');
  });
}

const under = (prefix: string) => (path: string) => path.startsWith(prefix);

/** `file imports x`, for every import of every file below `dirs` that `allowed` refuses. */
function violations(dirs: string[], allowed: (target: string) => boolean): string[] {
  return dirs.flatMap(tsFiles).flatMap((file) => importsOf(file).filter((t) => !allowed(t)).map((t) => `${file} imports ${t}`));
}

describe('import layering', () => {
  it('the import parser sees static, re-export, side-effect and dynamic imports', () => {
    const source = "import { a } from './a.ts';\nimport type { B } from '../lib/b.ts';\nexport { c } from './c.ts';\nimport 'zod/side';\nconst d = await import('node:fs');\nimport {\n  e,\n} from '@scope/pkg/deep';\n";
    expect(importsOf('config/x.ts', source)).toEqual(['config/a.ts', 'lib/b.ts', 'config/c.ts', 'zod', 'node:fs', '@scope/pkg']);
  });

  it('config/ imports only config/, the value module lib/values/ and zod', () => {
    expect(violations(['config'], (t) => under('config/')(t) || under('lib/values/')(t) || t === 'zod')).toEqual([]);
  });

  it('lib/values/ is dependency-free: it imports only itself', () => {
    expect(violations(['lib/values'], under('lib/values/'))).toEqual([]);
  });

  it('lib/ never imports config/, charts/, main.ts or scripts/', () => {
    expect(violations(['lib'], (t) => !['config/', 'charts/', 'scripts/', 'main.ts'].some((p) => t.startsWith(p)))).toEqual([]);
  });

  it('charts/ never import the synth engine (they report problems with BuildError from lib/values/)', () => {
    expect(violations(['charts'], (t) => !['lib/synth/engine.ts', 'lib/synth/write.ts', 'main.ts'].includes(t) && !t.startsWith('scripts/'))).toEqual([]);
  });

  it('no module name is used in both lib/ and charts/, and no folder sits beside a file of its name', () => {
    const base = (f: string) => f.split('/').pop()!.replace(/\.ts$/, '');
    const libNames = new Set(tsFiles('lib').map(base));
    expect(tsFiles('charts').filter((f) => libNames.has(base(f)))).toEqual([]);
    const shadowed = ['config', 'lib', 'charts'].flatMap((top) => [top, ...readdirSync(join(ROOT, top), { recursive: true }).map((p) => join(top, String(p)))])
      .filter((p) => statSync(join(ROOT, p)).isDirectory() && existsSync(join(ROOT, `${p}.ts`)));
    expect(shadowed).toEqual([]);
  });
});

describe('every dist/ folder names the chart file that renders it', () => {
  const services = new Set(loadConfig().services.map((s) => s.name));
  const folders = readdirSync(join(ROOT, 'dist')).flatMap((group) => readdirSync(join(ROOT, 'dist', group)).map((component) => ({ group, component })));

  it('dist/<group>/<component>/ is rendered by charts/<component>.ts (a service folder: charts/service-chart.ts, which renders every service; an add-on folder dist/addons/<addon>: charts/namespaces.ts)', () => {
    expect(folders.length).toBeGreaterThan(20);
    const wrong = folders.flatMap(({ group, component }) => {
      const dir = join(ROOT, 'dist', group, component);
      const expected = group === 'addons' ? 'charts/namespaces.ts' : services.has(component) ? 'charts/service-chart.ts' : `charts/${component}.ts`;
      const problems = existsSync(join(ROOT, expected)) ? [] : [`dist/${group}/${component}: ${expected} does not exist`];
      for (const file of readdirSync(dir)) {
        const header = readFileSync(join(dir, file), 'utf8').split('\n', 1)[0]!;
        const source = /^# Generated by `npm run synth` from (\S+); do not edit by hand\.$/.exec(header)?.[1];
        if (source !== expected) problems.push(`dist/${group}/${component}/${file} is rendered by ${source}, expected ${expected}`);
      }
      return problems;
    });
    expect(wrong).toEqual([]);
  });
});
