/**
 * Pinned command-line tools the tests run for real (gator, promtool, actionlint, k6, …).
 * scripts/install-tools links them into .tools/bin; an environment variable named like the tool
 * (GATOR, PROMTOOL, ACTIONLINT, …) points at another build. Outside CI a missing tool skips
 * the tests that need it; in CI (CI=true) a missing tool is a failure, never a silent skip.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
export const IN_CI = process.env.CI === 'true';

export function toolPath(name: string): string {
  return process.env[name.toUpperCase().replace(/-/g, '_')] ?? join(ROOT, '.tools', 'bin', name);
}

/** True when the tests needing `name` should be skipped (tool missing and not in CI). */
export function skipWithout(name: string): boolean {
  return !existsSync(toolPath(name)) && !IN_CI;
}

/** The tool's path; throws a clear message when it is missing (reached only in CI or when present). */
export function requireTool(name: string): string {
  const path = toolPath(name);
  if (!existsSync(path)) throw new Error(`${name} not found at ${path}; run scripts/install-tools ${name}`);
  return path;
}
