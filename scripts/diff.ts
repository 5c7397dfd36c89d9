/**
 * `npm run diff`: what a change does to the rendered objects, per environment, with risk flags.
 *
 *   npm run diff                                   working tree vs HEAD
 *   npm run diff -- --base origin/main             working tree vs a ref (synthesized in a temp worktree)
 *   npm run diff -- --format markdown --out x.md   Markdown for the sticky PR comment
 *   npm run diff -- --base-dir A --head-dir B      two already rendered trees (no synth)
 *
 * Both sides are synthesized into temp dirs with `--out-root`, so dist/ and argocd/ of this
 * checkout are never touched. The base worktree reuses this checkout's node_modules via a symlink.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadObjects } from '../lib/diff/objects.ts';
import { buildReport, formatMarkdown, formatText, type DiffReport } from '../lib/diff/report.ts';
import type { RiskOptions } from '../lib/diff/risk-types.ts';
import { reachability } from '../lib/network/reachability.ts';

/** Environments whose every change is a risk flag. */
export const PROTECTED_ENVIRONMENTS = ['production'];

/** Marker of the sticky PR comment (pr-diff.yml finds the comment to update by it). */
export const COMMENT_MARKER = '<!-- flextime-rendered-diff -->';

const ROOT = resolve(import.meta.dirname, '..');

export class DiffError extends Error {}

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new DiffError(`${command} ${args.join(' ')} failed in ${cwd} (exit ${r.status}):\n${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`);
  }
  return r.stdout;
}

/** Synthesize the checkout at `root` (its current files) into `outRoot`. */
export function synthInto(root: string, outRoot: string): void {
  if (existsSync(join(root, 'scripts', 'synth.mjs'))) run(process.execPath, ['scripts/synth.mjs', '--out-root', outRoot], root);
  else run(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'main.ts', '--out-root', outRoot], root);
}

/** Synthesize git ref `ref` of the repository at `root` into `outRoot`, in a temp worktree. */
export function synthRef(root: string, ref: string, outRoot: string): string {
  const sha = run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root).trim();
  const worktree = mkdtempSync(join(tmpdir(), 'flextime-base-'));
  run('git', ['worktree', 'add', '--detach', '--force', worktree, sha], root);
  try {
    symlinkSync(join(root, 'node_modules'), join(worktree, 'node_modules'), 'dir');
    synthInto(worktree, outRoot);
  } finally {
    spawnSync('git', ['worktree', 'remove', '--force', worktree], { cwd: root });
    rmSync(worktree, { recursive: true, force: true });
    spawnSync('git', ['worktree', 'prune'], { cwd: root });
  }
  return sha;
}

/** Risk options of FlexTime: production is protected (its namespaces follow from dist/production). */
export function riskOptions(): RiskOptions {
  return {
    protectedGroups: PROTECTED_ENVIRONMENTS,
    // The NetworkPolicy evaluator: a flag is a connection allowed after but not before.
    reachability,
  };
}

export interface DiffRun {
  /** Git ref for the base side. @default 'HEAD' */
  readonly base?: string;
  /** Already rendered base tree (skips the base synth). */
  readonly baseDir?: string;
  /** Already rendered head tree (skips the working-tree synth). */
  readonly headDir?: string;
  /** Repository root. @default this checkout */
  readonly root?: string;
}

/** Render both sides (as needed) and build the report. */
export function diffRun(options: DiffRun = {}): DiffReport {
  const root = options.root ?? ROOT;
  const temp: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'flextime-diff-'));
    temp.push(dir);
    return dir;
  };
  try {
    let base = options.baseDir ? `${options.baseDir}` : '';
    let baseDir = options.baseDir;
    if (!baseDir) {
      const ref = options.base ?? 'HEAD';
      baseDir = scratch();
      base = `${ref} (${synthRef(root, ref, baseDir).slice(0, 10)})`;
    }
    let headDir = options.headDir;
    if (!headDir) {
      headDir = scratch();
      synthInto(root, headDir);
    }
    return buildReport({
      base,
      head: options.headDir ?? 'working tree',
      before: loadObjects(baseDir),
      after: loadObjects(headDir),
      options: riskOptions(),
    });
  } finally {
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  }
}

export function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string' },
      'base-dir': { type: 'string' },
      'head-dir': { type: 'string' },
      format: { type: 'string', default: 'text' },
      out: { type: 'string' },
    },
  });
  if (values.format !== 'text' && values.format !== 'markdown') {
    console.error(`--format = ${JSON.stringify(values.format)}: must be one of "text", "markdown"`);
    return 2;
  }
  try {
    const report = diffRun({
      base: values.base,
      baseDir: values['base-dir'] && resolve(values['base-dir']),
      headDir: values['head-dir'] && resolve(values['head-dir']),
    });
    const text = values.format === 'markdown' ? formatMarkdown(report, { marker: COMMENT_MARKER }) : formatText(report);
    if (values.out) writeFileSync(values.out, text);
    else process.stdout.write(text);
    return 0;
  } catch (error) {
    if (error instanceof DiffError) {
      console.error(`diff: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2));
