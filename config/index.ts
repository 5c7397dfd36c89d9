/**
 * Config entry point: validate the raw config with zod before anything is built, and turn
 * zod issues into one readable line per problem (field path, bad value, what is allowed).
 */
import { z } from 'zod';
import { environment, platform, type Platform } from './schema.ts';
import { platformConfig } from './platform.ts';

export type EnvironmentInput = z.input<typeof environment>;
export type { Environment, EnvironmentName, Platform, PlatformInput } from './schema.ts';

/** A config the user wrote is wrong: printed without a stack trace, exit code 1. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid platform config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validate `raw` (default: the committed config) and return it with defaults applied. */
export function loadConfig(raw: unknown = platformConfig): Platform {
  // jitless: zod would otherwise compile a fast path per object schema (new Function) for a
  // config parsed once per run; interpreting it is cheaper here.
  const result = platform.safeParse(raw, { jitless: true });
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => describeIssue(raw, issue)));
}

function describeIssue(raw: unknown, issue: z.core.$ZodIssue): string {
  const path = readablePath(raw, issue.path);
  const value = valueAt(raw, issue.path);
  const shown = value === undefined ? 'missing' : JSON.stringify(value);
  let allowed = issue.message;
  if (issue.code === 'invalid_value') allowed = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'unrecognized_keys') return `${path}: unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  return `${path} = ${shown}: ${allowed}`;
}

/** `environments[2].services.api-svc` reads better as `environments[production].services.api-svc`. */
function readablePath(raw: unknown, path: readonly PropertyKey[]): string {
  let node: unknown = raw;
  let out = '';
  for (const key of path) {
    const item = (node as Record<PropertyKey, unknown> | undefined)?.[key];
    if (typeof key === 'number') {
      const name = (item as { name?: unknown } | undefined)?.name;
      out += typeof name === 'string' ? `[${name}]` : `[${key}]`;
    } else {
      out += out ? `.${String(key)}` : String(key);
    }
    node = item;
  }
  return out || '(root)';
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown> | undefined)?.[key], raw);
}
