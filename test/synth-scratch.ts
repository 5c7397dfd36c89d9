/** Scratch repository roots for tests that write a rendered tree, and reading a tree back. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll } from 'vitest';

/** The stale file each scratch root starts with: a good synth removes it, a failed one keeps it. */
export const STALE_FILE = 'dist/production/old-component/deployment-gone.yaml';
export const STALE_CONTENT = 'kept until a good synth\n';

/**
 * A factory of temp roots, each holding STALE_FILE; every root is removed after the calling test
 * file (812 had piled up in /tmp when they were not).
 */
export function scratchRoots(): () => string {
  const roots: string[] = [];
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));
  return () => {
    const root = mkdtempSync(join(tmpdir(), 'flextime-synth-'));
    roots.push(root);
    mkdirSync(join(root, 'dist/production/old-component'), { recursive: true });
    writeFileSync(join(root, STALE_FILE), STALE_CONTENT);
    return root;
  };
}

/** Every file under `dirs` of `root`: repository-relative path (with /) → content. */
export function filesUnder(root: string, dirs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of dirs) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const entry of readdirSync(abs, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      out.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  }
  return out;
}
