/**
 * No source file over 300 lines: a file a reviewer cannot hold in their head gets split by
 * responsibility. Source means code we write: TypeScript/JavaScript, shell, Go and Terraform
 * anywhere in the repository, and the extension-less scripts in scripts/ and .ci/. Generated
 * and vendored trees (imports/, dist/, argocd/, node_modules/, go.sum) are not source.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './tools.ts';

const MAX_LINES = 300;
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.tools', '.build', 'imports', 'dist', 'argocd', 'cdk8s.out', '.terraform']);
const SOURCE = /\.(ts|mts|cts|mjs|cjs|js|sh|go|tf)$/;
/** Folders whose extension-less files are scripts. */
const SCRIPT_DIRS = new Set(['scripts', '.ci']);

function sourceFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) || e.name.startsWith('.synth-tmp-') ? [] : sourceFiles(path);
    const rel = relative(ROOT, path).split(sep).join('/');
    const script = !e.name.includes('.') && SCRIPT_DIRS.has(rel.split('/')[0]!);
    return e.isFile() && (SOURCE.test(e.name) || script) ? [rel] : [];
  });
}

const lines = (file: string) => readFileSync(join(ROOT, file), 'utf8').replace(/\n$/, '').split('\n').length;

describe('file sizes', () => {
  it(`no source file is longer than ${MAX_LINES} lines`, () => {
    const files = sourceFiles();
    // The walk must see the tree it guards (a wrong root would pass vacuously).
    for (const known of ['main.ts', 'lib/workload.ts', 'scripts/install-tools', '.ci/run', 'scripts/db/backup.sh', 'terraform-bootstrap/cluster/eks.tf']) expect(files).toContain(known);
    expect(files.map((f) => [f, lines(f)] as const).filter(([, n]) => n > MAX_LINES).map(([f, n]) => `${f}: ${n} lines`)).toEqual([]);
  });
});
