/**
 * The one tool-skip rule (test/tools.ts): a missing tool skips its tests outside CI and fails
 * them in CI, and no test file uses another way to skip.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findTool, requireTool, ROOT, skipWithout } from './tools.ts';

describe('the tool-skip rule', () => {
  const saved = process.env.PROMTOOL;
  afterEach(() => {
    if (saved === undefined) delete process.env.PROMTOOL;
    else process.env.PROMTOOL = saved;
  });

  it('skips a missing tool outside CI, runs (and fails) in CI', () => {
    process.env.PROMTOOL = '/nonexistent/promtool';
    expect(findTool('promtool')).toBeUndefined();
    expect(skipWithout('promtool', false)).toBe(true);
    expect(skipWithout('promtool', true)).toBe(false);
    expect(() => requireTool('promtool')).toThrow('promtool not found (set $PROMTOOL or run scripts/install-tools promtool); CI=true requires it');
  });

  it('never skips a tool that is there', () => {
    process.env.PROMTOOL = process.execPath; // any existing file stands in
    expect(findTool('promtool')).toBe(process.execPath);
    expect(skipWithout('promtool', false)).toBe(false);
    expect(requireTool('promtool')).toBe(process.execPath);
  });

  it('refuses a tool it does not know', () => {
    expect(() => findTool('kubectx')).toThrow(/^unknown tool 'kubectx'; test\/tools.ts knows gator, promtool, actionlint, k6, tflint, argo-analysis, image-policy-check, cosign, crane, postgres_exporter, kube-state-metrics, otelcol-flextime, terraform, postgresql, pgbouncer$/);
  });
});

describe('test files', () => {
  // tools.ts and this file define the rule (and quote it); every other test file follows it.
  const files = readdirSync(join(ROOT, 'test'), { recursive: true }).map(String).filter((f) => f.endsWith('.ts') && !['tools.ts', 'tools.test.ts'].includes(f));
  const read = (f: string) => readFileSync(join(ROOT, 'test', f), 'utf8');

  it('skip only through skipWithout (no bare .skip, no home-made condition)', () => {
    const bad = files.flatMap((f) => {
      const source = read(f);
      // Names bound to skipWithout(...), e.g. `const skipGator = skipWithout('gator')`.
      const aliases = new Set([...source.matchAll(/const (\w+) = skipWithout\(/g)].map((m) => m[1]!));
      return [...source.matchAll(/\b(?:it|describe|test)\.(skip|skipIf|runIf|todo)\b(\(([^)]*)\))?|\? (?:it|describe) : (?:it|describe)\.skip/g)]
        .filter((m) => !(m[1] === 'skipIf' && (/^skipWithout\('[a-z0-9-]+'\)?$/.test(m[3] ?? '') || aliases.has(m[3] ?? ''))))
        .map((m) => `${f}: ${m[0]}`);
    });
    expect(bad).toEqual([]);
  });

  it('do not turn a missing repository file into a pass (`if (!existsSync(…)) return`)', () => {
    const bad = files.flatMap((f) => [...read(f).matchAll(/if \(!existsSync\([^)]*\)\)\s*return\b/g)].map((m) => `${f}: ${m[0]}`));
    expect(bad).toEqual([]);
  });
});
