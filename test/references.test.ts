/**
 * Paths the prose cites exist: a comment, doc or rendered annotation that names
 * `terraform-bootstrap/…/x.tf`, `charts/x.ts`, `config/x.ts`, `lib/…`, `scripts/…` or a `*.md` at
 * the root is read by someone looking for that file (the stale rds.tf, locals.tf, argocd.tf,
 * charts/secret-stores.ts and TOOLING.md of issue 21).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './tools.ts';

/** Where prose lives: code comments, docs, the README, and the rendered output's annotations. */
const SCANNED = ['README.md', 'docs', 'config', 'lib', 'charts', 'scripts', 'main.ts', 'argocd', 'dist'];
const TEXT = /\.(ts|mjs|md|yaml)$/;
const CITED = /(?<![\w./-])((?:terraform-bootstrap|charts|config|lib|scripts|docs|test|e2e)\/[\w./-]*[\w-]\.(?:ts|tf|mjs|md|sh|json)|[A-Z][A-Z_]+\.md)(?![\w/])/g;

function files(path: string): string[] {
  const abs = join(ROOT, path);
  if (!readdirSync(join(abs, '..')).includes(path.split('/').pop()!)) return [];
  try {
    return readdirSync(abs, { recursive: true }).map((p) => join(path, String(p))).filter((p) => TEXT.test(p));
  } catch {
    return [path];
  }
}

describe('cited paths', () => {
  it('every repository path cited in docs, comments and rendered annotations exists', () => {
    const scanned = SCANNED.flatMap(files);
    expect(scanned).toContain('config/database.ts');
    const missing = new Set<string>();
    for (const file of scanned) {
      for (const [, cited] of readFileSync(join(ROOT, file), 'utf8').matchAll(CITED)) {
        // A glob or template (`<component>`, `*`) names a family, not a file.
        if (/[*<>{}$]/.test(cited!)) continue;
        if (!existsSync(join(ROOT, cited!))) missing.add(`${file}: ${cited}`);
      }
    }
    expect([...missing].sort()).toEqual([]);
  });
});
