/**
 * Just enough PromQL lexing to answer "which metrics does this query read?", for tests that
 * check dashboards and rules only use metrics someone produces. It understands selectors,
 * strings, range and subquery brackets, grouping clauses, function calls, keywords, numbers,
 * durations and Grafana template variables ($var, ${var}, [[var]]); it is not a full parser.
 * @see https://prometheus.io/docs/prometheus/latest/querying/basics/
 */

const KEYWORDS = new Set([
  'and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'atan2',
  'inf', 'nan', 'start', 'end',
]);
/** Clauses followed by a parenthesised list of label names (not metrics). */
const LABEL_LIST_CLAUSES = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** Metric names `query` reads, sorted and unique. */
export function metricNames(query: string): string[] {
  const names = new Set<string>();
  const s = query;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(s, i);
    } else if (c === '#') {
      while (i < s.length && s[i] !== '\n') i++;
    } else if (c === '{') {
      // Label matchers (possibly of a bare `{__name__="x"}` selector).
      const end = closing(s, i, '{', '}');
      const byName = /__name__\s*=\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/.exec(s.slice(i, end));
      if (byName) names.add(byName[1]!);
      i = end + 1;
    } else if (c === '[') {
      i = closing(s, i, '[', ']') + 1; // range, subquery step or Grafana [[var]]
    } else if (c === '$') {
      i++;
      if (s[i] === '{') i = closing(s, i, '{', '}') + 1;
      else while (i < s.length && /[a-zA-Z0-9_]/.test(s[i]!)) i++;
    } else if (/[0-9.]/.test(c)) {
      const m = /^(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)(?:ms|s|m|h|d|w|y)*/.exec(s.slice(i));
      i += m ? m[0].length : 1;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(s.slice(i))!;
      const word = m[0];
      i += word.length;
      let j = i;
      while (j < s.length && /\s/.test(s[j]!)) j++;
      const lower = word.toLowerCase();
      if (LABEL_LIST_CLAUSES.has(lower) && s[j] === '(') {
        i = closing(s, j, '(', ')') + 1;
      } else if (KEYWORDS.has(lower)) {
        // operator or literal
      } else if (s[j] === '(' || /^(by|without)\s*\(/i.test(s.slice(j))) {
        // function call, or aggregation written `sum by (x) (...)`
      } else {
        names.add(word);
      }
    } else {
      i++;
    }
  }
  return [...names].sort();
}

export interface LabelMatcher { readonly label: string; readonly op: string; readonly value: string }

/** `metric{matchers}` selectors of a PromQL expression (enough for ours: no nested braces in strings). */
export function selectors(expr: string): Array<{ metric: string; matchers: LabelMatcher[] }> {
  const out: Array<{ metric: string; matchers: LabelMatcher[] }> = [];
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g)) {
    const matchers = [...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((x) => ({ label: x[1]!, op: x[2]!, value: x[3]! }));
    out.push({ metric: m[1]!, matchers });
  }
  return out;
}

/** Does a label value satisfy the matcher (an absent label is "")? */
export function matches(m: LabelMatcher, value: string | undefined): boolean {
  const v = value ?? '';
  const re = () => new RegExp(`^(?:${m.value})$`).test(v);
  return m.op === '=' ? v === m.value : m.op === '!=' ? v !== m.value : m.op === '=~' ? re() : !re();
}

function skipString(s: string, start: number): number {
  const quote = s[start];
  let i = start + 1;
  while (i < s.length && s[i] !== quote) i += s[i] === '\\' && quote !== '`' ? 2 : 1;
  return i + 1;
}

function closing(s: string, start: number, open: string, close: string): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(s, i) - 1;
    } else if (c === open) {
      depth++;
    } else if (c === close && --depth === 0) {
      return i;
    }
  }
  throw new Error(`unbalanced '${open}' at offset ${start} in PromQL: ${s}`);
}
