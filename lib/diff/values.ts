/**
 * Field-level diff of two JSON-like values, with no noise from key order or formatting.
 *
 * Lists of objects are matched by an identity key when every item has a unique one (`name` for
 * containers, env, ports and volumes; `mountPath`, `containerPort`, `port`, `key` otherwise), so
 * reordering such a list is no change. Other lists first pair up items that are equal, so a
 * reorder is still no change, then compare what is left position by position.
 * Strings that hold JSON or YAML documents (dashboards, rule files) are compared as structure;
 * other multi-line strings get a line diff.
 */
import { parse as parseYaml } from 'yaml';

export type FieldOp = 'added' | 'removed' | 'changed';

export interface FieldChange {
  /** Readable path: `spec.template.spec.containers[api-svc].resources.limits.cpu`. */
  readonly path: string;
  readonly op: FieldOp;
  /** Value before; absent for `added`. */
  readonly old?: unknown;
  /** Value after; absent for `removed`. */
  readonly new?: unknown;
  /** For changed multi-line text: the changed lines, `- old` / `+ new`. */
  readonly lines?: readonly string[];
}

/** List item keys tried, in order, to match items of two lists. */
export const IDENTITY_KEYS = ['name', 'mountPath', 'containerPort', 'port', 'key'] as const;

/** Deep equality of JSON-like values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  if (keys.length !== Object.keys(bo).filter((k) => bo[k] !== undefined).length) return false;
  return keys.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}

/** `a.b`, `a["app.kubernetes.io/name"]`: keys that are not plain identifiers are quoted. */
export function joinKey(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every field that differs between `before` and `after`, sorted by path. */
export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, path, out);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  if (deepEqual(a, b)) return;
  if (a === undefined) return void out.push({ path, op: 'added', new: b });
  if (b === undefined) return void out.push({ path, op: 'removed', old: a });
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], joinKey(path, k), out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) return walkList(a, b, path, out);
  if (typeof a === 'string' && typeof b === 'string') return walkText(a, b, path, out);
  out.push({ path, op: 'changed', old: a, new: b });
}

function walkList(a: unknown[], b: unknown[], path: string, out: FieldChange[]): void {
  // A list of scalars reads best as one value: `verbs: [get, list] → [get, list, watch]`.
  if (![...a, ...b].some((x) => typeof x === 'object' && x !== null)) {
    out.push({ path, op: 'changed', old: a, new: b });
    return;
  }
  const key = identityKey(a, b);
  if (key) {
    const label = (item: unknown) => {
      const v = (item as Record<string, unknown>)[key];
      return key === 'name' ? `${path}[${String(v)}]` : `${path}[${key}=${String(v)}]`;
    };
    const byKey = new Map(b.map((item) => [(item as Record<string, unknown>)[key], item]));
    const seen = new Set<unknown>();
    for (const item of a) {
      const id = (item as Record<string, unknown>)[key];
      seen.add(id);
      walk(item, byKey.get(id), label(item), out);
    }
    for (const item of b) {
      if (!seen.has((item as Record<string, unknown>)[key])) walk(undefined, item, label(item), out);
    }
    return;
  }
  // No identity: equal items pair up first (a reorder is no change), the rest by position.
  const usedB = new Set<number>();
  const leftA: number[] = [];
  a.forEach((item, i) => {
    const j = b.findIndex((other, k) => !usedB.has(k) && deepEqual(item, other));
    if (j >= 0) usedB.add(j);
    else leftA.push(i);
  });
  const leftB = b.map((_, k) => k).filter((k) => !usedB.has(k));
  const pairs = Math.min(leftA.length, leftB.length);
  for (let i = 0; i < pairs; i++) walk(a[leftA[i]!], b[leftB[i]!], `${path}[${leftB[i]}]`, out);
  for (const i of leftA.slice(pairs)) walk(a[i], undefined, `${path}[${i}]`, out);
  for (const k of leftB.slice(pairs)) walk(undefined, b[k], `${path}[${k}]`, out);
}

/** The first of IDENTITY_KEYS that every item of both lists has, with unique scalar values. */
function identityKey(a: unknown[], b: unknown[]): string | undefined {
  return IDENTITY_KEYS.find((key) =>
    [a, b].every((list) => {
      const values = list.map((item) => (isPlainObject(item) ? item[key] : undefined));
      return values.every((v) => typeof v === 'string' || typeof v === 'number') && new Set(values).size === values.length;
    }),
  );
}

function walkText(a: string, b: string, path: string, out: FieldChange[]): void {
  const sa = structured(a);
  const sb = structured(b);
  if (sa !== undefined && sb !== undefined) return walk(sa, sb, path, out);
  if (a.includes('\n') || b.includes('\n')) {
    out.push({ path, op: 'changed', old: a, new: b, lines: lineDiff(a, b) });
    return;
  }
  out.push({ path, op: 'changed', old: a, new: b });
}

/** A JSON object/array, or a multi-line YAML mapping/list, held in a string; else undefined. */
function structured(text: string): unknown {
  const t = text.trim();
  try {
    if (t.startsWith('{') || t.startsWith('[')) return JSON.parse(t);
    if (!t.includes('\n')) return undefined;
    const v: unknown = parseYaml(t);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Changed lines of two texts (longest common subsequence), `- old` before `+ new`. */
export function lineDiff(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length * y.length > 4_000_000) return [`- (${x.length} lines)`, `+ (${y.length} lines)`];
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const lines: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      i++;
      j++;
    } else if (i < x.length && (j === y.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      lines.push(`- ${x[i++]}`);
    } else {
      lines.push(`+ ${y[j++]}`);
    }
  }
  return lines;
}
