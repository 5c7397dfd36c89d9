/**
 * The atomic write: every rendered file and generated document goes into a scratch folder beside
 * the targets, then all targets are swapped in one transaction. Each old target is renamed
 * aside, then the new one renamed in; if any rename fails, every step already done is undone in
 * reverse order, so a failed run leaves dist/, argocd/ and every document exactly as they were.
 *
 * A file whose bytes did not change is staged as a hard link to the file it replaces: one
 * directory entry instead of a new file's data to allocate and flush (writing and then deleting
 * ~450 files was most of the write's time), and it keeps its inode and mtime, so git, make and
 * editors see it unchanged. A folder or document that already holds exactly what this run renders
 * is left alone altogether (the common re-run: nothing changed, nothing to stage or swap).
 */
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { BuildError } from '../values/build-error.ts';
import type { RenderedDocument, RenderedFile } from './engine.ts';
import { groupOf } from './layout.ts';

export interface WriteOptions {
  /** Repository root; file paths are relative to it. */
  readonly root: string;
  /**
   * Folders (relative to root) that this run owns and replaces as a whole, e.g. `['dist', 'argocd']`
   * or `['dist/staging']`. Files of objects that no longer exist disappear with the old folder.
   */
  readonly units: readonly string[];
  /**
   * Generated documents, each replaced as a whole file in the same transaction as the folders.
   * @default []
   */
  readonly documents?: readonly RenderedDocument[];
  /**
   * The rename the swap uses; injected by tests to make one step fail.
   * @default fs.renameSync
   */
  readonly rename?: (from: string, to: string) => void;
}

/** One swap: `target` is replaced by `staged`; the old target (if any) waits in `aside`. */
interface Swap {
  readonly target: string;
  readonly staged: string;
  readonly aside: string;
}

/**
 * Write `files` and `options.documents`, replacing every unit and document or nothing.
 * Returns the number of files written per group (`cluster`, `production`, …, `argocd`).
 */
export function writeAtomically(files: readonly RenderedFile[], options: WriteOptions): Map<string, number> {
  const { root, units } = options;
  const rename = options.rename ?? renameSync;
  for (const file of files) {
    if (!units.some((u) => file.path.startsWith(`${u}/`))) {
      throw new BuildError([`${file.path} is outside the folders this run replaces (${units.join(', ')})`]);
    }
  }
  const perGroup = new Map<string, number>();
  for (const { path } of files) perGroup.set(groupOf(path), (perGroup.get(groupOf(path)) ?? 0) + 1);
  const changedUnits = units.filter((unit) => !holdsExactly(root, unit, files.filter((f) => f.path.startsWith(`${unit}/`))));
  const changedDocuments = (options.documents ?? []).filter((doc) => !unchanged(join(root, doc.path), doc.content));
  if (!changedUnits.length && !changedDocuments.length) return perGroup;

  mkdirSync(root, { recursive: true });
  const scratch = mkdtempSync(join(root, '.synth-tmp-'));
  try {
    const made = new Set<string>();
    for (const file of files) {
      if (!changedUnits.some((u) => file.path.startsWith(`${u}/`))) continue;
      const target = join(scratch, 'new', file.path);
      const folder = dirname(target);
      if (!made.has(folder)) {
        mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      stage(target, join(root, file.path), file.content, file.path);
    }
    const swaps: Swap[] = changedUnits.map((unit, i) => {
      const staged = join(scratch, 'new', unit);
      mkdirSync(staged, { recursive: true });
      return { target: join(root, unit), staged, aside: join(scratch, 'old', `unit-${i}`) };
    });
    changedDocuments.forEach((doc, i) => {
      const staged = join(scratch, 'new', `.document-${i}`);
      stage(staged, join(root, doc.path), doc.content, doc.path);
      swaps.push({ target: join(root, doc.path), staged, aside: join(scratch, 'old', `document-${i}`) });
    });
    mkdirSync(join(scratch, 'old'));
    swapAll(swaps, rename);
    return perGroup;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Whether folder `unit` holds exactly `expected`: the same file paths with the same bytes, and
 * no other file, folder or link (an empty folder left by hand counts as a difference).
 */
function holdsExactly(root: string, unit: string, expected: readonly RenderedFile[]): boolean {
  const wanted = new Map(expected.map((f) => [f.path, f.content]));
  // Two files at one path: stage() reports it.
  if (wanted.size !== expected.length) return false;
  const folders = new Set(expected.flatMap((f) => ancestorsBelow(unit, f.path)));
  let entries;
  try {
    entries = readdirSync(join(root, unit), { recursive: true, withFileTypes: true });
  } catch {
    return false;
  }
  for (const entry of entries) {
    const path = relative(root, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (entry.isDirectory() ? !folders.has(path) : !(entry.isFile() && wanted.get(path) === readFileSync(join(root, path), 'utf8'))) return false;
    wanted.delete(path);
  }
  return wanted.size === 0;
}

/** `dist/a/b/c.yaml` below `dist`: `dist/a`, `dist/a/b`. */
function ancestorsBelow(unit: string, path: string): string[] {
  const parts = path.slice(unit.length + 1).split('/').slice(0, -1);
  return parts.map((_, i) => `${unit}/${parts.slice(0, i + 1).join('/')}`);
}

/**
 * Put `content` at `path` in the scratch tree: a hard link to `current` (the file it will replace)
 * when that is a regular file with the same bytes, else a new file. Neither overwrites: a second
 * file at the same path (e.g. two names that differ only in case on a case-insensitive file
 * system) is an error here instead of a silently lost object.
 */
function stage(path: string, current: string, content: string, name: string): void {
  try {
    if (unchanged(current, content)) {
      try {
        linkSync(current, path);
        return;
      } catch (error) {
        // A file system without hard links (or across devices): write the bytes instead.
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
      }
    }
    writeFileSync(path, content, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new BuildError([`${name}: two objects write the same file on this file system (names differing only in case?); rename one`]);
    }
    throw error;
  }
}

function unchanged(path: string, content: string): boolean {
  try {
    return lstatSync(path).isFile() && readFileSync(path, 'utf8') === content;
  } catch {
    return false;
  }
}

/** Every swap or none: on a failure, undo the completed steps in reverse and rethrow. */
function swapAll(swaps: readonly Swap[], rename: (from: string, to: string) => void): void {
  const undo: Array<() => void> = [];
  try {
    for (const { target, staged, aside } of swaps) {
      mkdirSync(dirname(target), { recursive: true });
      if (existsSync(target)) {
        rename(target, aside);
        undo.push(() => rename(aside, target));
      }
      rename(staged, target);
      undo.push(() => rename(target, staged));
    }
  } catch (error) {
    const failed: string[] = [];
    for (const step of undo.reverse()) {
      try {
        step();
      } catch (undoError) {
        failed.push((undoError as Error).message);
      }
    }
    const cause = (error as Error).message;
    if (failed.length) {
      throw new BuildError([`swapping the output into place failed (${cause}) and rolling back failed too: ${failed.join('; ')}`]);
    }
    throw new BuildError([`swapping the output into place failed (${cause}); every target was rolled back`]);
  }
}
