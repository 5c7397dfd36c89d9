/**
 * The review report: summary table first, risk flags next, then every change per environment
 * and object. Rendered as terminal text or as Markdown for a (sticky) PR comment.
 */
import { describeObject, diffObjects, type LocatedObject, type ObjectDiff } from './objects.ts';
import { assessRisks, RISK_RULES } from './risk.ts';
import type { RiskFinding, RiskOptions } from './risk-types.ts';
import type { FieldChange } from './values.ts';

export interface DiffReport {
  /** What the left side is, e.g. `origin/main (3f2a1c0)`. */
  readonly base: string;
  /** What the right side is, e.g. `working tree`. */
  readonly head: string;
  readonly diffs: readonly ObjectDiff[];
  readonly findings: readonly RiskFinding[];
}

export interface ReportInput {
  readonly base: string;
  readonly head: string;
  readonly before: readonly LocatedObject[];
  readonly after: readonly LocatedObject[];
  readonly options?: RiskOptions;
}

export function buildReport(input: ReportInput): DiffReport {
  const diffs = diffObjects(input.before, input.after);
  const findings = assessRisks(diffs, { before: input.before, after: input.after, options: input.options ?? {} });
  return { base: input.base, head: input.head, diffs, findings };
}

export interface SummaryRow {
  readonly group: string;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly fields: number;
  readonly flags: number;
}

/** One row per group with any change or flag, groups sorted by name. */
export function summaryRows(report: DiffReport): SummaryRow[] {
  const groups = [...new Set([...report.diffs.map((d) => d.group), ...report.findings.map((f) => f.group)])].sort();
  return groups.map((group) => {
    const diffs = report.diffs.filter((d) => d.group === group);
    return {
      group,
      added: diffs.filter((d) => d.status === 'added').length,
      removed: diffs.filter((d) => d.status === 'removed').length,
      changed: diffs.filter((d) => d.status === 'changed').length,
      fields: diffs.reduce((n, d) => n + d.changes.length, 0),
      flags: report.findings.filter((f) => f.group === group).length,
    };
  });
}

/** Rows per risk flag in Markdown; a bulk change (a new component) would drown the comment. */
const MAX_FLAG_ROWS = 40;

const SYMBOL = { added: '+', removed: '-', changed: '~' } as const;

/** A value on one line, cut at `max` characters. */
export function formatValue(v: unknown, max = 300): string {
  const text = v === undefined ? '(none)' : typeof v === 'string' ? (v === '' || /^\s|\s$/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function changeLine(c: FieldChange): string {
  if (c.lines) return `${c.path}: text changed (${c.lines.length} line(s))`;
  if (c.op === 'added') return `${c.path}: + ${formatValue(c.new)}`;
  if (c.op === 'removed') return `${c.path}: - ${formatValue(c.old)}`;
  return `${c.path}: ${formatValue(c.old)} → ${formatValue(c.new)}`;
}

function byRule(findings: readonly RiskFinding[]) {
  return RISK_RULES.map((rule) => ({ rule, items: findings.filter((f) => f.rule === rule.id) })).filter((r) => r.items.length);
}

export function formatText(report: DiffReport): string {
  const out: string[] = [`Rendered diff: ${report.base} → ${report.head}`, ''];
  if (!report.diffs.length) return [...out, 'No changes to rendered output.', ''].join('\n');
  const rows = summaryRows(report);
  const header = ['group', 'added', 'removed', 'changed', 'fields', 'flags'];
  const width = Math.max(12, ...rows.map((r) => r.group.length + 2));
  out.push(header[0]!.padEnd(width) + header.slice(1).map((h) => h.padStart(9)).join(''));
  for (const r of rows) {
    out.push(r.group.padEnd(width) + [r.added, r.removed, r.changed, r.fields, r.flags].map((n) => String(n).padStart(9)).join(''));
  }
  out.push('');
  const flagged = byRule(report.findings);
  out.push(flagged.length ? `Risk flags (${report.findings.length})` : 'Risk flags: none');
  for (const { rule, items } of flagged) {
    out.push(`  ! ${rule.title} (${items.length})`);
    for (const f of items) out.push(`      ${f.group.padEnd(11)} ${f.object}: ${f.detail}`);
  }
  out.push('', 'Changes');
  let group = '';
  for (const d of report.diffs) {
    if (d.group !== group) out.push(`  ${(group = d.group)}`);
    out.push(`    ${SYMBOL[d.status]} ${describeObject(d)}  ${d.status}  (${d.path})`);
    if (d.movedFrom) out.push(`        file moved from ${d.movedFrom}`);
    for (const c of d.changes) {
      out.push(`        ${changeLine(c)}`);
      for (const line of c.lines ?? []) out.push(`          ${line}`);
    }
  }
  out.push('');
  return out.join('\n');
}

export interface MarkdownOptions {
  /**
   * Longest comment produced; object sections past it are left out with a note.
   * @default 60000 - GitHub rejects comments over 65536 characters
   */
  readonly maxLength?: number;
  /**
   * First line of the comment, used to find and update the sticky comment.
   * @default '<!-- rendered-diff -->'
   */
  readonly marker?: string;
}

/** Inline code that survives backticks in the value, and pipes inside table cells. */
function code(text: string, cell = false): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${cell ? text.replaceAll('|', '\\|') : text}${fence}`;
}

export function formatMarkdown(report: DiffReport, options: MarkdownOptions = {}): string {
  const max = options.maxLength ?? 60000;
  const head: string[] = [options.marker ?? '<!-- rendered-diff -->', `### Rendered diff: ${code(report.base)} → ${code(report.head)}`, ''];
  if (!report.diffs.length) return [...head, 'No changes to rendered output.', ''].join('\n');
  head.push('| Environment | Added | Removed | Changed | Fields | Risk flags |', '|---|--:|--:|--:|--:|--:|');
  for (const r of summaryRows(report)) {
    head.push(`| ${r.group} | ${r.added} | ${r.removed} | ${r.changed} | ${r.fields} | ${r.flags ? `**${r.flags}**` : 0} |`);
  }
  head.push('');
  const flagged = byRule(report.findings);
  if (flagged.length) {
    head.push(`#### :warning: Risk flags (${report.findings.length})`, '');
    for (const { rule, items } of flagged) {
      head.push(`<details open><summary><b>${rule.title}</b> (${items.length})</summary>`, '', '| Environment | Object | Detail |', '|---|---|---|');
      for (const f of items.slice(0, MAX_FLAG_ROWS)) head.push(`| ${f.group} | ${code(f.object, true)} | ${code(formatValue(f.detail, 500), true)} |`);
      if (items.length > MAX_FLAG_ROWS) head.push(`| | | _… and ${items.length - MAX_FLAG_ROWS} more (\`npm run diff\` lists all)_ |`);
      head.push('', '</details>', '');
    }
  } else {
    head.push('Risk flags: none.', '');
  }
  head.push('#### Changes', '');

  const sections: string[] = [];
  const groups = [...new Set(report.diffs.map((d) => d.group))];
  for (const group of groups) {
    const diffs = report.diffs.filter((d) => d.group === group);
    const lines = [`<details><summary><b>${group}</b>: ${diffs.length} object(s)</summary>`, ''];
    for (const d of diffs) {
      lines.push(`**${SYMBOL[d.status]} ${code(describeObject(d))}** ${d.status} — ${code(d.path)}${d.movedFrom ? ` (moved from ${code(d.movedFrom)})` : ''}`, '');
      for (const c of d.changes) {
        if (c.lines) {
          lines.push(`- ${code(c.path)}:`, '', '  ```diff', ...c.lines.map((l) => `  ${l.replaceAll('```', "'''")}`), '  ```');
        } else if (c.op === 'changed') {
          lines.push(`- ${code(c.path)}: ${code(formatValue(c.old))} → ${code(formatValue(c.new))}`);
        } else {
          lines.push(`- ${code(c.path)}: ${c.op} ${code(formatValue(c.op === 'added' ? c.new : c.old))}`);
        }
      }
      lines.push('');
    }
    lines.push('</details>', '');
    sections.push(lines.join('\n'));
  }

  let body = `${head.join('\n')}\n`;
  let omitted = 0;
  for (const section of sections) {
    if (body.length + section.length > max - 200) omitted++;
    else body += section;
  }
  if (omitted) body += `\n_${omitted} environment section(s) left out to fit a comment; run \`npm run diff\` locally for all of it._\n`;
  return body;
}
