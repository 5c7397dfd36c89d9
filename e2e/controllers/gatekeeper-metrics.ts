/**
 * Gatekeeper's audit and admission results as metrics, against what the *FlexTime Security*
 * dashboard reads (issue 20): the dashboard's `gatekeeper_*` queries are read from the rendered
 * ConfigMap in dist/ (metric names, label matchers, `by` labels), the live manager's Prometheus
 * endpoint (--metrics-backend=prometheus) is scraped, and the values are compared with the live
 * constraints' audit results — never with config.
 */
import { readObjects, walkYaml } from './addons.ts';
import { constraintsPath } from './gatekeeper-status.ts';
import { kubePath, type Kube, type KubeObject } from './kube.ts';
import { matches, metricNames, selectors, type LabelMatcher } from '../../lib/monitoring/promql.ts';
import { parseMetrics, type Series } from '../../test/metrics-text.ts';

export const SECURITY_DASHBOARD_UID = 'flextime-security';
/** Gatekeeper v3.23.0's names for what the checks compare (its OpenTelemetry → Prometheus exporter). */
export const VIOLATIONS = 'gatekeeper_violations';
export const LAST_RUN = 'gatekeeper_audit_last_run_time';
export const REQUESTS = 'gatekeeper_validation_request_count_total';

/** One `gatekeeper_*` metric as one dashboard query reads it. */
export interface DashboardRead {
  readonly metric: string;
  readonly expr: string;
  /** Labels the query needs on the series: its matchers' and its `by (…)` labels. */
  readonly labels: string[];
  readonly matchers: LabelMatcher[];
}

type Panel = { panels?: Panel[]; targets?: { expr?: string }[] };

/** The PromQL of every panel (rows' nested panels included) of a rendered dashboard JSON. */
function exprs(panels: Panel[] = []): string[] {
  return panels.flatMap((p) => [...(p.targets ?? []).flatMap((t) => (t.expr ? [t.expr] : [])), ...exprs(p.panels)]);
}

/** The `gatekeeper_*` metrics the rendered dashboard `uid` queries, from its ConfigMap in dist/. */
export function dashboardGatekeeperReads(root: string, uid = SECURITY_DASHBOARD_UID): DashboardRead[] {
  const dashboards = readObjects(walkYaml(`${root}/dist`))
    .filter((o) => o.kind === 'ConfigMap')
    .flatMap((cm) => Object.values((cm.data ?? {}) as Record<string, string>).flatMap((v) => {
      try {
        const d = JSON.parse(v);
        return d?.uid === uid ? [d] : [];
      } catch {
        return [];
      }
    }));
  if (dashboards.length !== 1) throw new Error(`expected one rendered dashboard with uid ${uid} in dist/, found ${dashboards.length}`);
  return gatekeeperReads(exprs(dashboards[0].panels));
}

/** What each query reads of the `gatekeeper_*` metrics. */
export function gatekeeperReads(queries: readonly string[]): DashboardRead[] {
  return queries.flatMap((expr) => {
    const by = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()).filter(Boolean));
    return metricNames(expr).filter((m) => m.startsWith('gatekeeper_')).map((metric) => {
      const matchers = selectors(expr).filter((s) => s.metric === metric).flatMap((s) => s.matchers).filter((m) => m.label !== '__name__');
      return { metric, expr, labels: [...new Set([...matchers.map((m) => m.label), ...by])].sort(), matchers };
    });
  });
}

const describeSelector = (r: DashboardRead) => `${r.metric}{${r.matchers.map((m) => `${m.label}${m.op}"${m.value}"`).join(', ')}}`;

/** What the dashboard reads that the scraped series do not provide (empty when all is there). */
export function exportProblems(reads: readonly DashboardRead[], series: readonly Series[]): string[] {
  const exported = [...new Set(series.map((s) => s.name).filter((n) => n.startsWith('gatekeeper_')))].sort();
  return reads.flatMap((r) => {
    const same = series.filter((s) => s.name === r.metric);
    if (!same.length) return [`${r.metric} (dashboard query ${r.expr}) is not exported; Gatekeeper exports ${exported.join(', ') || 'no gatekeeper_* metric'}`];
    const missing = r.labels.filter((l) => !same.some((s) => l in s.labels));
    if (missing.length) return [`${r.metric} (dashboard query ${r.expr}) has no series with label(s) ${missing.join(', ')}; its series carry ${[...new Set(same.flatMap((s) => Object.keys(s.labels)))].sort().join(', ') || 'no labels'}`];
    // Matchers with a Grafana variable are filled in by Grafana; the others must select a series.
    const fixed = r.matchers.filter((m) => !m.value.includes('$'));
    if (fixed.length && !same.some((s) => fixed.every((m) => matches(m, s.labels[m.label])))) return [`${describeSelector(r)} (dashboard query ${r.expr}) selects no exported series`];
    return [];
  });
}

const sum = (series: readonly Series[], name: string, labels: Record<string, string> = {}) => {
  const sel = series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return sel.length ? sel.reduce((n, s) => n + s.value, 0) : undefined;
};

/** Every live constraint (of every live ConstraintTemplate's kind). */
export async function liveConstraints(kube: Kube): Promise<KubeObject[]> {
  const templates = await kube.list(kubePath('templates.gatekeeper.sh/v1', 'constrainttemplates'));
  const kinds = templates.map((t) => t.spec?.crd?.spec?.names?.kind as string).filter(Boolean);
  return (await Promise.all(kinds.map((k) => kube.list(constraintsPath(k))))).flat();
}

export interface MetricsSeen {
  violationsDeny: number;
  auditTimestamp: string;
  denyConstraints: number;
  lastRunTime: number;
  deniedRequests: number;
  metrics: string[];
}

/** One look: the problems (empty when everything holds) and what was seen. */
async function look(kube: Kube, url: string, reads: readonly DashboardRead[], auditStart: string, mustInclude: { kind: string; name: string }): Promise<{ problems: string[]; seen?: MetricsSeen; scraped: string }> {
  let text: string;
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
    text = await r.text();
    if (!r.ok) return { problems: [`GET ${url}: HTTP ${r.status}`], scraped: text.slice(0, 500) };
  } catch (e) {
    return { problems: [`GET ${url}: ${(e as Error).message}`], scraped: '(nothing)' };
  }
  // Histogram buckets say nothing the checks read; the rest is the evidence on failure.
  const scraped = text.split('\n').filter((l) => l.startsWith('gatekeeper_') && !/_bucket\{/.test(l)).join('\n');
  const series = parseMetrics(text);
  const problems = exportProblems(reads, series);
  for (const m of [VIOLATIONS, LAST_RUN, REQUESTS]) if (!reads.some((r) => r.metric === m)) problems.push(`the dashboard no longer reads ${m}: the checks of its value do not apply to what the dashboard shows`);

  const lastRunTime = sum(series, LAST_RUN) ?? NaN;
  const start = Date.parse(auditStart) / 1000;
  if (!(lastRunTime >= start)) problems.push(`${LAST_RUN} ${lastRunTime} is before the audit the scenario observed (${auditStart} = ${start})`);
  const deniedRequests = sum(series, REQUESTS, { admission_status: 'deny' }) ?? 0;
  if (deniedRequests < 1) problems.push(`${REQUESTS}{admission_status="deny"} is ${deniedRequests}, expected ≥ 1 (the scenario's own refusals)`);

  const deny = (await liveConstraints(kube)).filter((o) => (o.spec?.enforcementAction ?? 'deny') === 'deny');
  const stamps = [...new Set(deny.map((o) => String(o.status?.auditTimestamp ?? 'never')))].sort();
  const plant = deny.find((o) => o.kind === mustInclude.kind && o.metadata?.name === mustInclude.name);
  const expected = deny.reduce((n, o) => n + Number(o.status?.totalViolations ?? NaN), 0);
  const violationsDeny = sum(series, VIOLATIONS, { enforcement_action: 'deny' }) ?? NaN;
  if (stamps.length !== 1 || !(stamps[0]! >= auditStart)) problems.push(`the ${deny.length} live deny constraints are not all from one audit at or after ${auditStart}: audit timestamps ${stamps.join(', ')}`);
  if (!plant || !(plant.status?.totalViolations > 0)) problems.push(`${mustInclude.kind}/${mustInclude.name}: ${plant ? `totalViolations ${plant.status?.totalViolations ?? '(not audited)'}, expected > 0` : 'not among the live deny constraints'}`);
  if (violationsDeny !== expected) problems.push(`${VIOLATIONS}{enforcement_action="deny"} is ${violationsDeny}, the live deny constraints' status.totalViolations sum to ${expected} (${deny.filter((o) => o.status?.totalViolations).map((o) => `${o.kind}/${o.metadata!.name} ${o.status.totalViolations}`).join(', ') || 'none'})`);
  const metrics = [...new Set(series.map((s) => s.name).filter((n) => n.startsWith('gatekeeper_')))].sort();
  return { problems, scraped, seen: { violationsDeny, auditTimestamp: stamps.join(','), denyConstraints: deny.length, lastRunTime, deniedRequests, metrics } };
}

/**
 * Waits until the live Gatekeeper exports everything the dashboard reads and its audit metrics
 * agree with the live constraints of one audit at or after `auditStart` (Gatekeeper sets the
 * gauge at the end of an audit run, then writes the constraints' status). Asks every second;
 * on timeout fails with the last problems and the `gatekeeper_*` lines last scraped.
 */
export async function waitGatekeeperMetrics(
  kube: Kube,
  opts: { url: string; reads: readonly DashboardRead[]; auditStart: string; mustInclude: { kind: string; name: string }; timeoutMs: number },
): Promise<MetricsSeen> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const t = new Date().toISOString();
    const r = await look(kube, opts.url, opts.reads, opts.auditStart, opts.mustInclude);
    if (!r.problems.length) return r.seen!;
    if (Date.now() > deadline) {
      throw new Error(`expected Gatekeeper's metrics (${opts.url}) to hold what the security dashboard reads within ${opts.timeoutMs / 1000} s, saw at ${t}:\n${r.problems.map((p) => `- ${p}`).join('\n')}\nscraped (gatekeeper_*, no buckets):\n${r.scraped}`);
    }
    // A metrics endpoint has no event to wait on; ask again in a second.
    await new Promise((res) => setTimeout(res, 1000));
  }
}

