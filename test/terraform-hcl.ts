/**
 * Reading terraform-bootstrap/ without Terraform: every *.tf file of a root module (cluster/,
 * environment/) parsed with @cdktf/hcl2json (the HCL parser Terraform uses, compiled to
 * WebAssembly) and merged into one document, the local modules it calls (modules/) parsed the
 * same way, plus a small evaluator for the expressions the policy tests need (`local.tier.x`,
 * `var.x`, `each.value`, `count.index`, simple operators, string templates and a few collection functions, jsonencode).
 */
import { parse } from '@cdktf/hcl2json';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

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

/**
 * All *.tf files of the root module in `dir`, parsed and merged; each module it calls from a local
 * path (`source = "../modules/x"`) parsed the same way into `modules.<call name>`. `override`
 * replaces file texts by path relative to `dir` (`rds.tf`, `../modules/kms-key/main.tf`).
 */
export async function parseStack(dir: string, override: Record<string, string> = {}, relative = '.'): Promise<Hcl> {
  const files = readdirSync(join(dir, relative)).filter((f) => f.endsWith('.tf')).sort();
  let merged: Hcl = {};
  for (const file of files) {
    const path = posix.join(relative, file);
    const text = override[path] ?? readFileSync(join(dir, path), 'utf8');
    merged = mergeHcl(merged, await parse(file, text));
  }
  const modules: Record<string, Hcl> = {};
  for (const [name, [call]] of Object.entries<Block[]>(merged.module ?? {})) {
    if (isLocalSource(call!.source)) modules[name] = await parseStack(dir, override, posix.join(relative, call!.source));
  }
  return Object.keys(modules).length ? { ...merged, modules } : merged;
}

/** A module source Terraform reads from this repository (no registry, no git). */
export const isLocalSource = (source: unknown): source is string => typeof source === 'string' && /^\.\.?\//.test(source);

/**
 * A called module's HCL as its caller sees it: its blocks, plus `caller` (the calling stack and the
 * arguments of the call), so `var.x` of the module evaluates to what the call passes as `x`.
 */
export function moduleScope(stack: Hcl, name: string): Hcl {
  return { ...stack.modules[name], caller: { stack, args: stack.module[name][0] } };
}

/** The stack and every module it calls (recursively), each with the address prefix of its blocks. */
export function scopes(stack: Hcl, prefix = ''): Array<[string, Hcl]> {
  return [
    [prefix, stack],
    ...Object.keys(stack.modules ?? {}).flatMap((name) => scopes(moduleScope(stack, name), `${prefix}module.${name}.`)),
  ];
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
  /** The instance of a `for_each` block being evaluated. */
  readonly each?: { readonly key: string; readonly value: Hcl };
  /** The instance of a `count` block being evaluated. */
  readonly count?: { readonly index: number };
}

/** A `${...}`-reference (or any traversal) such as `aws_kms_key.main.arn`? */
export const isExpression = (v: unknown): v is string => typeof v === 'string' && v.includes('${');

/**
 * Value of an attribute in `scope`. Literals come back as they are; `"${expr}"` is evaluated
 * when it only uses `local.*`/`var.*`/`each.*` traversals, numbers, strings, booleans, the operators
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
  if (scope.count) expr = expr.replace(/\bcount\.index\b/g, String(scope.count.index));
  // An index by a string variable (`var.environments[var.environment]`) becomes a literal index first.
  const indexed = expr.replace(/\[(local|var|each)\.([A-Za-z_][A-Za-z0-9_-]*)\]/g, (whole, root: keyof Scope, key: string) => {
    const v: Hcl = (scope[root] as Record<string, Hcl> | undefined)?.[key];
    return typeof v === 'string' && !isExpression(v) ? `[${JSON.stringify(v)}]` : whole;
  });
  const js = indexed.replace(/\b(local|var|each)((?:\.[A-Za-z_][A-Za-z0-9_-]*|\["[^"]*"\]|\[[0-9]+\])+)/g, (_, root: keyof Scope, path: string) => {
    const keys = [...path.matchAll(/\.([A-Za-z_][A-Za-z0-9_-]*)|\["([^"]*)"\]|\[([0-9]+)\]/g)].map((m) => m[1] ?? m[2] ?? Number(m[3]));
    let node: Hcl = scope[root];
    for (const key of keys) node = typeof key === 'number' ? (Array.isArray(node) ? node[key] : undefined) : isObject(node) ? node[key] : undefined;
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
  length: (v: Hcl) => {
    if (Array.isArray(v) || typeof v === 'string') return v.length;
    if (isObject(v)) return Object.keys(v).length;
    throw new TypeError('length() takes a list, map or string');
  },
  jsonencode: (value: Hcl) => JSON.stringify(value),
  contains: (list: Hcl, value: Hcl) => {
    if (!Array.isArray(list)) throw new TypeError('contains() takes a list');
    return list.includes(value);
  },
};

/** `value` evaluated where it can be, recursively through maps and lists; what cannot be stays as it is. */
export function evaluateDeep(value: Hcl, scope: Scope): Hcl {
  if (Array.isArray(value)) return value.map((v) => evaluateDeep(v, scope));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateDeep(v, scope)]));
  return evaluate(value, scope) ?? value;
}

/**
 * `expr` evaluated once per row of the tier table, with `local.tier` set to that row (and, in the
 * environment module, `var.environment` to its name). In a called module (moduleScope) the tiers
 * are the caller's, and `var.x` is the call's argument `x` evaluated in that tier, or the
 * variable's default where the call leaves `x` out.
 */
export function perTier(stack: Hcl, expr: Hcl): Record<string, Hcl> {
  return Object.fromEntries(Object.entries(tierScopes(stack)).map(([name, scope]) => [name, evaluate(expr, scope)]));
}

function tierScopes(stack: Hcl): Record<string, Scope> {
  if (stack.caller) {
    const { stack: parent, args } = stack.caller as { stack: Hcl; args: Block };
    return Object.fromEntries(Object.entries(tierScopes(parent)).map(([name, scope]) => [
      name,
      { local: locals(stack), var: { ...variableDefaults(stack), ...Object.fromEntries(Object.entries(args).map(([k, v]) => [k, evaluateDeep(v, scope)])) } },
    ]));
  }
  const all = locals(stack);
  const perEnvironment = stack.variable?.environment !== undefined;
  return Object.fromEntries(Object.entries(tiers(stack)).map(([name, tier]) => [
    name,
    { local: { ...all, tier, tier_name: name }, var: perEnvironment ? { environment: name } : {} },
  ]));
}

/** Declared variable → its default (`undefined` where it has none). */
function variableDefaults(stack: Hcl): Record<string, Hcl> {
  return Object.fromEntries(Object.entries<Block[]>(stack.variable ?? {}).map(([name, [v]]) => [name, v!.default]));
}

/**
 * Whether a resource exists in every tier: it has no `count`, or its count evaluates to at least 1
 * in each row of the tier table (in a called module: with the call's arguments). A count that
 * cannot be evaluated does not count as existing.
 */
export function existsInEveryTier(stack: Hcl, body: Block): boolean {
  return body.count === undefined || Object.values(perTier(stack, body.count)).every((n) => typeof n === 'number' && n >= 1);
}

/**
 * The resources a value refers to, by their full address from the root module (`module.<call>.`
 * prefixes), followed across module boundaries: `var.x.y` in a called module is what the call
 * passes as `x` (its attribute `y`), `module.m.out` is what module m's output `out` refers to.
 * `stack` is the scope the value is written in and `prefix` its address (scopes()).
 */
export function qualifiedReferences(stack: Hcl, value: Hcl, prefix = ''): string[] {
  const text = JSON.stringify(value ?? null);
  const out = references(value).map((r) => `${prefix}${r}`);
  if (stack.caller) {
    const { stack: parent, args } = stack.caller as { stack: Hcl; args: Block };
    for (const [, name, path] of text.matchAll(/(?<![\w.])var\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*)*)/g)) {
      let arg: Hcl = args[name!];
      for (const key of path!.split('.').filter(Boolean)) arg = isObject(arg) ? arg[key] : undefined;
      out.push(...qualifiedReferences(parent, arg, prefix.replace(/module\.[^.]+\.$/, '')));
    }
  }
  for (const [, name, output] of text.matchAll(/(?<![\w.])module\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)/g)) {
    const body = stack.modules?.[name!]?.output?.[output!]?.[0];
    if (body) out.push(...qualifiedReferences(moduleScope(stack, name!), body.value, `${prefix}module.${name}.`));
  }
  return [...new Set(out)];
}

/** Names of the modules whose outputs (`module.<name>.<output>`) a value refers to. */
export function moduleReferences(value: Hcl): string[] {
  return [...JSON.stringify(value ?? null).matchAll(/\bmodule\.([A-Za-z_][A-Za-z0-9_-]*)\./g)].map((m) => m[1]!);
}

/** References `${<type>.<name>.<attr>}` found anywhere in a value (e.g. which bucket a resource targets). */
export function references(value: Hcl): string[] {
  return [...JSON.stringify(value ?? null).matchAll(/\b((?:data\.)?aws_[a-z0-9_]+\.[a-z0-9_]+)(?:\[[^\]]*\])?\.[a-z0-9_]+/g)].map((m) => m[1]!);
}

/** Body of the first nested block `name` (hcl2json lists nested blocks as arrays). */
export const nested = (body: Block | undefined, name: string): Block | undefined => body?.[name]?.[0];

/** Resources of `type` whose attribute `attr` refers to `target` (e.g. the bucket of a policy). */
export function attachedTo(stack: Hcl, type: string, attr: string, target: string): Array<[string, Block]> {
  return blocks(stack, 'resource', type).filter(([, body]) => references(body[attr]).includes(target));
}
