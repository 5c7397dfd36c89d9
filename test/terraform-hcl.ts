/**
 * Reading terraform-bootstrap/ without Terraform: every *.tf file of a root module (cluster/,
 * environment/) parsed with @cdktf/hcl2json (the HCL parser Terraform uses, compiled to
 * WebAssembly) and merged into one document, plus a small evaluator for the expressions the
 * policy tests need (`local.tier.x`, `var.x`, simple operators, string templates and a few
 * collection functions).
 */
import { parse } from '@cdktf/hcl2json';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TF_DIR = 'terraform-bootstrap';
/** Root module applied once per cluster of config. */
export const CLUSTER_DIR = `${TF_DIR}/cluster`;
/** Root module applied once per environment of config. */
export const ENVIRONMENT_DIR = `${TF_DIR}/environment`;
export const MODULE_DIRS = { cluster: CLUSTER_DIR, environment: ENVIRONMENT_DIR } as const;
export type ModuleName = keyof typeof MODULE_DIRS;

/** A JSON value as hcl2json returns it: expressions are strings of the form "${...}". */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Hcl = any;
/** One block: hcl2json gives every block as an array (a name may be declared in several files). */
export type Block = Record<string, Hcl>;

/** All *.tf files of the root module in `dir`, parsed and merged. `override` replaces file texts by name. */
export async function parseStack(dir: string, override: Record<string, string> = {}): Promise<Hcl> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.tf')).sort();
  let merged: Hcl = {};
  for (const file of files) {
    const text = override[file] ?? readFileSync(join(dir, file), 'utf8');
    merged = mergeHcl(merged, await parse(file, text));
  }
  return merged;
}

/** Parse one HCL file (e.g. a .tfvars) as plain attributes. */
export async function parseHclFile(path: string): Promise<Record<string, Hcl>> {
  return parse(path, readFileSync(path, 'utf8'));
}

function mergeHcl(a: Hcl, b: Hcl): Hcl {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (isObject(a) && isObject(b)) {
    const out: Record<string, Hcl> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? mergeHcl(out[k], v) : v;
    return out;
  }
  return b;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Every `<kind> "<type>" "<name>"` block of the stack (kind: resource or data), as [address, body]. */
export function blocks(stack: Hcl, kind: 'resource' | 'data', type: string): Array<[string, Block]> {
  const byName: Record<string, Block[]> = stack[kind]?.[type] ?? {};
  const prefix = kind === 'data' ? `data.${type}` : type;
  return Object.entries(byName).map(([name, list]) => [`${prefix}.${name}`, list[0]!]);
}

/** The one block at `kind.type.name`; throws when absent so tests read as sentences. */
export function block(stack: Hcl, kind: 'resource' | 'data', type: string, name: string): Block {
  const found = stack[kind]?.[type]?.[name]?.[0];
  if (!found) throw new Error(`no ${kind} ${type}.${name} in the stack`);
  return found;
}

/** All `locals` blocks merged. */
export function locals(stack: Hcl): Record<string, Hcl> {
  return Object.assign({}, ...((stack.locals ?? []) as Block[]));
}

/** Names of the declared variables / outputs. */
export const variableNames = (stack: Hcl): string[] => Object.keys(stack.variable ?? {}).sort();
export const outputNames = (stack: Hcl): string[] => Object.keys(stack.output ?? {}).sort();

/** The tier table: tier (environment, or cluster kind) → settings (locals.tf). */
export function tiers(stack: Hcl): Record<string, Record<string, Hcl>> {
  const t = locals(stack).tiers;
  if (!isObject(t)) throw new Error('locals.tiers must be a literal map of tiers');
  return t as Record<string, Record<string, Hcl>>;
}

/** What `${...}` expressions may refer to when evaluated. */
export interface Scope {
  readonly local?: Record<string, Hcl>;
  readonly var?: Record<string, Hcl>;
}

/** A `${...}`-reference (or any traversal) such as `aws_kms_key.main.arn`? */
export const isExpression = (v: unknown): v is string => typeof v === 'string' && v.includes('${');

/**
 * Value of an attribute in `scope`. Literals come back as they are; `"${expr}"` is evaluated
 * when it only uses `local.*`/`var.*` traversals, numbers, strings, booleans, the operators
 * HCL shares with JavaScript and the functions of FUNCTIONS; a string template with several
 * `${}` parts becomes a string. Anything else (resource references, other functions) is
 * returned as `undefined`.
 */
export function evaluate(value: Hcl, scope: Scope): Hcl {
  if (!isExpression(value)) return value;
  const whole = /^\$\{([^{}]*)\}$/.exec(value);
  if (whole) return evaluateExpression(whole[1]!, scope);
  let failed = false;
  const text = value.replace(/\$\{([^{}]*)\}/g, (_, expr: string) => {
    const v = evaluateExpression(expr, scope);
    if (v === undefined) failed = true;
    return String(v);
  });
  return failed ? undefined : text;
}

function evaluateExpression(expr: string, scope: Scope): Hcl {
  let unknown = false;
  // An index by a string variable (`var.environments[var.environment]`) becomes a literal index first.
  const indexed = expr.replace(/\[(local|var)\.([A-Za-z_][A-Za-z0-9_-]*)\]/g, (whole, root: 'local' | 'var', key: string) => {
    const v: Hcl = scope[root]?.[key];
    return typeof v === 'string' && !isExpression(v) ? `[${JSON.stringify(v)}]` : whole;
  });
  const js = indexed.replace(/\b(local|var)((?:\.[A-Za-z_][A-Za-z0-9_-]*|\["[^"]*"\])+)/g, (_, root: 'local' | 'var', path: string) => {
    const keys = [...path.matchAll(/\.([A-Za-z_][A-Za-z0-9_-]*)|\["([^"]*)"\]/g)].map((m) => m[1] ?? m[2]!);
    let node: Hcl = scope[root];
    for (const key of keys) node = isObject(node) ? node[key] : undefined;
    if (node === undefined || isExpression(node)) unknown = true;
    return JSON.stringify(node ?? null);
  });
  if (unknown) return undefined;
  // Only literals, operators and known functions are left; anything else (a resource reference,
  // another function) is not ours to evaluate.
  const calls = [...js.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/([A-Za-z_]\w*)\s*([.(])/g)];
  if (calls.some(([, name, kind]) => kind === '.' || !(name! in FUNCTIONS))) return undefined;
  try {
    return new Function(...Object.keys(FUNCTIONS), `return (${js});`)(...Object.values(FUNCTIONS));
  } catch {
    return undefined;
  }
}

/** The HCL functions the evaluator knows, with Terraform's meaning (a wrong argument type throws). */
const FUNCTIONS: Record<string, (...args: Hcl[]) => Hcl> = {
  keys: (m: Hcl) => {
    if (!isObject(m)) throw new TypeError('keys() takes a map');
    return Object.keys(m).sort();
  },
  values: (m: Hcl) => {
    if (!isObject(m)) throw new TypeError('values() takes a map');
    return Object.keys(m).sort().map((k) => m[k]);
  },
  contains: (list: Hcl, value: Hcl) => {
    if (!Array.isArray(list)) throw new TypeError('contains() takes a list');
    return list.includes(value);
  },
};

/**
 * `expr` evaluated once per row of the tier table, with `local.tier` set to that row (and, in the
 * environment module, `var.environment` to its name).
 */
export function perTier(stack: Hcl, expr: Hcl): Record<string, Hcl> {
  const all = locals(stack);
  const perEnvironment = stack.variable?.environment !== undefined;
  return Object.fromEntries(
    Object.entries(tiers(stack)).map(([name, tier]) => [
      name,
      evaluate(expr, { local: { ...all, tier, tier_name: name }, var: perEnvironment ? { environment: name } : {} }),
    ]),
  );
}

/** References `${<type>.<name>.<attr>}` found anywhere in a value (e.g. which bucket a resource targets). */
export function references(value: Hcl): string[] {
  return [...JSON.stringify(value ?? null).matchAll(/\b((?:data\.)?aws_[a-z0-9_]+\.[a-z0-9_]+)(?:\[[^\]]*\])?\.[a-z0-9_]+/g)].map((m) => m[1]!);
}
