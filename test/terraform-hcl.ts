/**
 * Reading terraform-bootstrap/ without Terraform: every *.tf file parsed with @cdktf/hcl2json
 * (the HCL parser Terraform uses, compiled to WebAssembly) and merged into one document, plus a
 * small evaluator for the expressions the policy tests need (`local.tier.x`, `var.x`, simple
 * operators and string templates).
 */
import { parse } from '@cdktf/hcl2json';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TF_DIR = 'terraform-bootstrap';

/** A JSON value as hcl2json returns it: expressions are strings of the form "${...}". */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Hcl = any;
/** One block: hcl2json gives every block as an array (a name may be declared in several files). */
export type Block = Record<string, Hcl>;

/** All *.tf files of `dir` (default: the stack), parsed and merged. `override` replaces file texts by name. */
export async function parseStack(dir = TF_DIR, override: Record<string, string> = {}): Promise<Hcl> {
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
  if (!found) throw new Error(`no ${kind} ${type}.${name} in ${TF_DIR}`);
  return found;
}

/** All `locals` blocks merged. */
export function locals(stack: Hcl): Record<string, Hcl> {
  return Object.assign({}, ...((stack.locals ?? []) as Block[]));
}

/** Names of the declared variables / outputs. */
export const variableNames = (stack: Hcl): string[] => Object.keys(stack.variable ?? {}).sort();
export const outputNames = (stack: Hcl): string[] => Object.keys(stack.output ?? {}).sort();

/** The tier table: environment → settings (locals.tf). */
export function tiers(stack: Hcl): Record<string, Record<string, Hcl>> {
  const t = locals(stack).tiers;
  if (!isObject(t)) throw new Error('locals.tiers must be a literal map of environments');
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
 * when it only uses `local.*`/`var.*` traversals, numbers, strings, booleans and the operators
 * HCL shares with JavaScript; a string template with several `${}` parts becomes a string.
 * Anything else (resource references, functions) is returned as `undefined`.
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
  const js = expr.replace(/\b(local|var)((?:\.[A-Za-z_][A-Za-z0-9_-]*|\["[^"]*"\])+)/g, (_, root: 'local' | 'var', path: string) => {
    const keys = [...path.matchAll(/\.([A-Za-z_][A-Za-z0-9_-]*)|\["([^"]*)"\]/g)].map((m) => m[1] ?? m[2]!);
    let node: Hcl = scope[root];
    for (const key of keys) node = isObject(node) ? node[key] : undefined;
    if (node === undefined || isExpression(node)) unknown = true;
    return JSON.stringify(node ?? null);
  });
  if (unknown) return undefined;
  // Only literals and operators are left; anything else (a resource reference, a function call) is not ours to evaluate.
  if (/[A-Za-z_]\w*\s*[.(]/.test(js.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) return undefined;
  try {
    return new Function(`return (${js});`)();
  } catch {
    return undefined;
  }
}

/** `expr` evaluated once per environment of the tier table, with `local.tier` set to that tier. */
export function perTier(stack: Hcl, expr: Hcl): Record<string, Hcl> {
  const all = locals(stack);
  return Object.fromEntries(
    Object.entries(tiers(stack)).map(([env, tier]) => [env, evaluate(expr, { local: { ...all, tier }, var: { environment: env } })]),
  );
}

/** References `${<type>.<name>.<attr>}` found anywhere in a value (e.g. which bucket a resource targets). */
export function references(value: Hcl): string[] {
  return [...JSON.stringify(value ?? null).matchAll(/\b((?:data\.)?aws_[a-z0-9_]+\.[a-z0-9_]+)(?:\[[^\]]*\])?\.[a-z0-9_]+/g)].map((m) => m[1]!);
}
