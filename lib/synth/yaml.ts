/**
 * A small, fast, deterministic YAML emitter for JSON-shaped data (plain objects, arrays,
 * strings, finite numbers, booleans, null), used by the synth engine instead of `yaml.stringify`
 * (which cost about a fifth of `npm run synth`).
 *
 * The output is kubectl-style block YAML that reads back to the same data under YAML 1.2 (core
 * schema) AND YAML 1.1, because kubectl, ArgoCD and other Go tools resolve plain scalars the
 * YAML 1.1 way (`Off`, `yes`, `on` are booleans there, `0755` is octal, `12:30` is 750):
 *
 * - mappings `key: value` in insertion order; sequences as `- item` indented two spaces below
 *   their key; `{}` and `[]` for empty ones;
 * - a string is written plain only if no YAML 1.1 or 1.2 resolver could read it as anything but
 *   that string and it cannot be mistaken for syntax; otherwise double-quoted (JSON escapes, which
 *   are valid YAML escapes, plus \uXXXX for characters YAML does not allow raw), or single-quoted
 *   when it contains `"` but nothing that needs an escape (fewer backslashes to read);
 * - a multi-line string is a block literal (`|-`, `|`, `|+` by its trailing newlines, with an
 *   indentation indicator when its first line starts with a space) unless it holds characters a
 *   block literal cannot carry (`\r`, control characters, YAML 1.1 line breaks), then it is quoted;
 * - numbers as JSON numbers, `true`/`false`, `null`.
 *
 * Anything else (undefined in an array, NaN, functions, class instances) is an error rather than
 * a silent guess. Object properties that are `undefined` are omitted, as JSON.stringify does.
 */

/** Characters allowed raw in a plain or quoted scalar (YAML 1.2 printable, minus YAML 1.1 line breaks NEL/LS/PS and the BOM). */
const UNSAFE_CHAR = /[^\x20-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD\u{10000}-\u{10FFFF}]/u;
/** Same, for the lines of a block literal, which may also hold tabs (lines are split on `\n`). */
const UNSAFE_IN_LITERAL = /[^\n\t\x20-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD\u{10000}-\u{10FFFF}]/u;
/** Characters JSON.stringify leaves raw but YAML double-quoted scalars may not hold raw. */
const ESCAPE_IN_QUOTES = /[\x7F-\x9F\u2028\u2029\uFEFF\uFFFE\uFFFF]/g;

/**
 * Plain scalars that some YAML 1.1 or 1.2 resolver reads as something other than a string.
 * Deliberately wider than either spec (any case, `_` digit separators everywhere) — quoting a
 * string that did not need it is harmless; the reverse changes the data.
 */
const NOT_A_STRING = [
  /^(?:~|null|y|n|yes|no|true|false|on|off)$/i, // null, 1.1 + 1.2 booleans
  /^[-+]?[0-9][0-9_]*$/, // decimal, 1.1 octal 0755
  /^[-+]?0[bBoOxX][0-9a-fA-F_]+$/, // 1.1 binary/hex, 1.2 0o/0x
  /^[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/, // floats, 1e3, 1., .5
  /^[-+]?[0-9][0-9_]*(?::[0-9_]*)+(?:\.[0-9_]*)?$/, // 1.1 sexagesimal int/float: 12:30, 1:20:30.5
  /^[-+]?\.(?:inf|nan)$/i, // .inf -.Inf .NaN
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/, // 1.1 timestamps (any suffix)
  /^(?:=|<<)$/, // 1.1 value key, merge key
];

/** Indicator characters that may not start a plain scalar (`-` only when followed by a space or nothing). */
const LEADING_INDICATOR = /^(?:[?:,[\]{}#&*!|>'"%@`]|-(?: |$)|---|\.\.\.)/;

function isPlainSafe(s: string): boolean {
  if (s === '' || s[0] === ' ' || s[s.length - 1] === ' ') return false;
  if (LEADING_INDICATOR.test(s) || s.includes(': ') || s.includes(' #') || s[s.length - 1] === ':') return false;
  if (UNSAFE_CHAR.test(s)) return false;
  for (const re of NOT_A_STRING) if (re.test(s)) return false;
  return true;
}

function quoted(s: string): string {
  // Single quotes only for text with `"` and nothing needing an escape: in '...' only `'` is special.
  if (s.includes('"') && !s.includes("'") && !UNSAFE_CHAR.test(s)) return `'${s}'`;
  return JSON.stringify(s).replace(ESCAPE_IN_QUOTES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A scalar string on one line: plain or quoted. Cached: keys and label values repeat a lot. */
const inlineCache = new Map<string, string>();
function inlineString(s: string): string {
  let out = inlineCache.get(s);
  if (out === undefined) {
    out = isPlainSafe(s) ? s : quoted(s);
    if (inlineCache.size > 50_000) inlineCache.clear();
    inlineCache.set(s, out);
  }
  return out;
}

/** A block literal header and body at `indent`, or undefined when `s` cannot be one. */
function literal(s: string, indent: string): string | undefined {
  if (UNSAFE_IN_LITERAL.test(s) || !/[^\n]/.test(s)) return undefined;
  let end = s.length;
  while (end > 0 && s[end - 1] === '\n') end--;
  const trailing = s.length - end;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  // Auto-detected indentation would swallow leading spaces (or choke on a tab) of the first content line.
  const indicator = /^\n*[ \t]/.test(s) ? '2' : '';
  const lines = s.slice(0, end).split('\n');
  let out = `|${indicator}${chomp}`;
  for (const line of lines) out += line === '' ? '\n' : `\n${indent}${line}`;
  // Kept trailing newlines beyond the final one are empty lines of the scalar.
  for (let i = 1; i < trailing; i++) out += '\n';
  return out;
}

function scalar(value: unknown, where: string): string | undefined {
  switch (typeof value) {
    case 'string':
      return inlineString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} at ${where} as YAML: not a JSON number`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
      if (!isPlainObject(value)) throw new TypeError(`cannot write a ${value.constructor?.name ?? 'non-plain object'} at ${where} as YAML`);
      for (const k in value) if ((value as Record<string, unknown>)[k] !== undefined) return undefined;
      return '{}';
    default:
      throw new TypeError(`cannot write ${typeof value} at ${where} as YAML`);
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The text after `key:` or `- `: ` scalar`, ` |-…` or a newline and the nested block.
 * `indent` is the indentation of the line that holds the key or dash.
 */
function valueAfter(value: unknown, indent: string, where: string, out: string[]): void {
  if (typeof value === 'string' && value.includes('\n')) {
    const block = literal(value, `${indent}  `);
    out.push(block === undefined ? ` ${quoted(value)}` : ` ${block}`);
    return;
  }
  const s = scalar(value, where);
  if (s !== undefined) {
    out.push(` ${s}`);
    return;
  }
  out.push('\n');
  if (Array.isArray(value)) sequence(value, `${indent}  `, where, out);
  else mapping(value as Record<string, unknown>, `${indent}  `, where, out, indent + '  ');
}

/** Mapping lines at `indent`; the first key goes after `firstPrefix` (a dash line's own prefix). */
function mapping(obj: Record<string, unknown>, indent: string, where: string, out: string[], firstPrefix: string): void {
  let first = true;
  for (const key in obj) {
    const value = obj[key];
    if (value === undefined) continue;
    if (!first) out.push('\n');
    out.push(first ? firstPrefix : indent);
    first = false;
    out.push(key.includes('\n') ? quoted(key) : inlineString(key), ':');
    valueAfter(value, indent, where + '.' + key, out);
  }
}

function sequence(items: unknown[], indent: string, where: string, out: string[]): void {
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out.push('\n');
    const item = items[i];
    const at = `${where}[${i}]`;
    if (item === undefined) throw new TypeError(`cannot write undefined at ${at} as YAML`);
    if (typeof item === 'string' && item.includes('\n')) {
      const block = literal(item, `${indent}  `);
      out.push(indent, '- ', block ?? quoted(item));
      continue;
    }
    const s = scalar(item, at);
    if (s !== undefined) out.push(indent, '- ', s);
    // A nested collection starts on the dash line, its other lines two columns further in.
    else if (Array.isArray(item)) {
      out.push(indent, '- ');
      nestedSequence(item, `${indent}  `, at, out);
    } else mapping(item as Record<string, unknown>, `${indent}  `, at, out, `${indent}- `);
  }
}

/** A non-empty sequence whose first dash continues the current line (`- - a`). */
function nestedSequence(items: unknown[], indent: string, where: string, out: string[]): void {
  const lines: string[] = [];
  sequence(items, indent, where, lines);
  out.push(lines.join('').slice(indent.length));
}

/** `value` (a mapping, sequence or scalar) as a YAML document ending in a newline. */
export function emit(value: unknown): string {
  const out: string[] = [];
  const s = typeof value === 'string' && value.includes('\n') ? undefined : scalar(value, '$');
  if (s !== undefined) return `${s}\n`;
  if (typeof value === 'string') {
    // A top-level multi-line string: a literal at indentation 0 could start with `---`; quote it.
    return `${quoted(value)}\n`;
  }
  if (Array.isArray(value)) sequence(value, '', '$', out);
  else mapping(value as Record<string, unknown>, '', '$', out, '');
  return `${out.join('')}\n`;
}
