/**
 * promtool plumbing shared by test/prometheus-rules.test.ts and scripts/test-rules.ts:
 * find the binary, extract every PrometheusRule's groups from dist/ into plain rules files,
 * and generate unit tests for the SLO burn-rate alerts from the SLO config.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Slo } from '../../config/schema.ts';
import { formatLe, promNumber, type AlertingRule, type RuleGroup } from '../../lib/monitoring/rules.ts';
import { errorBudget, sloAlertName } from '../../lib/monitoring/slo-rules.ts';
import { seconds, SRE_WORKBOOK_WINDOWS } from '../../lib/values/slo-windows.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface ExtractedRules {
  /** Rules file path (in `dir`), named `<env>-<object name>.rules.yaml`. */
  readonly file: string;
  readonly env: string;
  readonly name: string;
  readonly groups: RuleGroup[];
}

/** Every PrometheusRule under dist/, as rules files promtool reads, written into `dir`. */
export function extractRuleFiles(dir: string, distDir = join(ROOT, 'dist')): ExtractedRules[] {
  const out: ExtractedRules[] = [];
  for (const env of readdirSync(distDir).sort()) {
    for (const component of readdirSync(join(distDir, env)).sort()) {
      const folder = join(distDir, env, component);
      for (const fileName of readdirSync(folder).filter((f) => f.startsWith('prometheusrule-')).sort()) {
        const object = parse(readFileSync(join(folder, fileName), 'utf8')) as { metadata: { name: string }; spec: { groups: RuleGroup[] } };
        const file = join(dir, `${env}-${object.metadata.name}.rules.yaml`);
        writeFileSync(file, stringify({ groups: object.spec.groups }, { lineWidth: 0 }));
        out.push({ file, env, name: object.metadata.name, groups: object.spec.groups });
      }
    }
  }
  return out;
}

/** Copy the hand-written unit tests (test/prometheus/*.test.yaml) next to the extracted rules. */
export function copyStaticTests(dir: string): string[] {
  const src = join(ROOT, 'test', 'prometheus');
  return readdirSync(src)
    .filter((f) => f.endsWith('.test.yaml'))
    .sort()
    .map((f) => {
      copyFileSync(join(src, f), join(dir, f));
      return join(dir, f);
    });
}

export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

export function promtool(bin: string, args: string[], cwd: string): PromtoolResult {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export function promtoolVersion(bin: string): string {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
}

// ---------------------------------------------------------------- SLO unit tests from config

/** Go's `%.4g` for the magnitudes alert values have here (1e-4 .. 1e4). */
function goG4(x: number): string {
  if (x === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(x)));
  if (exponent < -4 || exponent >= 4) throw new Error(`goG4(${x}): exponent form not implemented`);
  return String(Number(x.toPrecision(4)));
}

/** What Prometheus' `humanizePercentage` template function prints. */
export function humanizePercentage(ratio: number): string {
  return `${goG4(ratio * 100)}%`;
}

/** A label value the regex matches (first alternative, `.` as `0`), checked. */
export function sampleMatching(regex: string): string {
  const sample = regex.split('|')[0]!.replace(/[()^$]/g, '').replace(/\./g, '0');
  if (!new RegExp(`^(?:${regex})$`).test(sample)) throw new Error(`cannot derive a sample value for regex '${regex}'`);
  return sample;
}

/** A label value the regex does not match. */
export function sampleNotMatching(regex: string): string {
  const hit = ['200', 'succeeded', 'ok', 'good'].find((v) => !new RegExp(`^(?:${regex})$`).test(v));
  if (!hit) throw new Error(`cannot derive a non-matching value for regex '${regex}'`);
  return hit;
}

interface Phase {
  /** Minutes this phase lasts. */
  readonly minutes: number;
  /** Share of bad events during the phase. */
  readonly ratio: number;
}

/** Value every generated counter starts from. */
const COUNTER_START = 1_000_000;
/** Events per minute in every generated series. */
const EVENTS_PER_MINUTE = 1000;

/** promtool input series for one SLO: `phases` of constant bad ratio, one sample a minute. */
function inputSeries(slo: Slo, labels: Record<string, string>, phases: readonly Phase[]): { series: string; values: string }[] {
  const sel = (extra: Record<string, string>) =>
    `{${Object.entries({ ...labels, ...extra }).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  const counter = (perMinute: (p: Phase) => number) => {
    // Counters start high: Prometheus stops extrapolating a rate at a counter's zero point, which
    // would skew the ratio of a series that starts at 0 inside the window.
    let value = COUNTER_START;
    const parts: string[] = [];
    phases.forEach((p, i) => {
      const step = perMinute(p);
      // The first segment includes its start sample; later ones continue from the last value.
      const start = i === 0 ? value : value + step;
      const steps = i === 0 ? p.minutes : p.minutes - 1;
      parts.push(`${promNumber(start)}+${promNumber(step)}x${steps}`);
      value = start + step * steps;
    });
    return parts.join(' ');
  };
  const ind = slo.indicator;
  if (ind.kind === 'errorRatio') {
    const bad = Object.fromEntries(Object.entries(ind.bad).map(([k, re]) => [k, sampleMatching(re)]));
    const good = Object.fromEntries(Object.entries(ind.bad).map(([k, re]) => [k, sampleNotMatching(re)]));
    return [
      { series: `${ind.metric}${sel(bad)}`, values: counter((p) => p.ratio * EVENTS_PER_MINUTE) },
      { series: `${ind.metric}${sel(good)}`, values: counter((p) => (1 - p.ratio) * EVENTS_PER_MINUTE) },
    ];
  }
  return [
    { series: `${ind.metric}_bucket${sel({ le: formatLe(ind.thresholdSeconds) })}`, values: counter((p) => (1 - p.ratio) * EVENTS_PER_MINUTE) },
    { series: `${ind.metric}_count${sel({})}`, values: counter(() => EVENTS_PER_MINUTE) },
  ];
}

interface Scenario {
  readonly title: string;
  readonly phases: readonly Phase[];
  /** Evaluation time in minutes after the start. */
  readonly at: number;
  /** What the scenario claims for some severities (checked against the simulation). */
  readonly claims: Readonly<Record<string, boolean>>;
}

const FOR_MINUTES: Record<string, number> = { critical: 2, warning: 15 };

/**
 * Scenarios per SLO, with numbers derived from its objective. Each claims what must (not) fire;
 * `simulate` derives the full expectation and refuses a scenario whose claim it contradicts or
 * whose outcome sits too close to a threshold to be robust.
 */
export function sloScenarios(slo: Slo): Scenario[] {
  const budget = errorBudget(slo.objective);
  const pages = slo.alerting === 'page';
  const capped = (r: number) => Math.min(1, r);
  const x = (r: number) => `${promNumber(Math.round((r / budget) * 10) / 10)}x budget`;
  const fast = capped(28.8 * budget);
  const spike = capped(40 * budget);
  // Long enough for the 1h window to exceed 14.4x with a 25 % margin, short enough for 6h to stay below 6x.
  const spikeMinutes = Math.ceil((60 * 14.4 * budget * 1.25) / spike);
  const list: Scenario[] = [
    { title: `${slo.name}: a fast burn (${x(fast)}) ${pages ? 'pages' : 'opens a ticket'}`, phases: [{ minutes: 60, ratio: fast }], at: 30, claims: { critical: pages, warning: true } },
    { title: `${slo.name}: a slow burn (2x budget) opens a ticket and does not page`, phases: [{ minutes: 120, ratio: 2 * budget }], at: 90, claims: { critical: false, warning: true } },
    { title: `${slo.name}: healthy traffic (half the budget) stays silent`, phases: [{ minutes: 180, ratio: 0.5 * budget }], at: 180, claims: { critical: false, warning: false } },
    {
      // 35 minutes after the spike both short windows (5m, 30m) read 0, the long ones still see it.
      title: `${slo.name}: a spike that ended 35 minutes ago no longer pages`,
      phases: [{ minutes: 60, ratio: capped(30 * budget) }, { minutes: 40, ratio: 0 }],
      at: 95,
      claims: { critical: false, warning: true },
    },
  ];
  if (pages) {
    list.push(
      { title: `${slo.name}: a burn at 7x budget pages through the 6h/30m pair`, phases: [{ minutes: 120, ratio: 7 * budget }], at: 90, claims: { critical: true } },
      { title: `${slo.name}: a burn at 5x budget stays below the 6x page`, phases: [{ minutes: 120, ratio: 5 * budget }], at: 90, claims: { critical: false, warning: true } },
      {
        title: `${slo.name}: a ${spikeMinutes}-minute spike (${x(spike)}) after a clean morning pages through the 1h/5m pair alone`,
        phases: [{ minutes: 300, ratio: 0 }, { minutes: spikeMinutes, ratio: spike }],
        at: 300 + spikeMinutes,
        claims: { critical: true },
      },
    );
  }
  return list;
}

/** Bad ratio per minute of increments (minute m = the step from sample m-1 to sample m). */
function perMinute(phases: readonly Phase[]): number[] {
  return phases.flatMap((p) => Array.from({ length: p.minutes }, () => p.ratio));
}

/**
 * The error ratio a `window`-minute rate reads at minute t: samples in (t - window, t], so the
 * increments of minutes t - window + 2 .. t (every minute carries the same number of events).
 */
function windowRatio(minutes: readonly number[], t: number, window: number): number {
  const from = Math.max(1, t - window + 2);
  const slice = minutes.slice(from - 1, t);
  return slice.reduce((a, b) => a + b, 0) / slice.length;
}

interface Expectation {
  readonly severity: string;
  /** `$value`: the long-window ratio of the first pair that holds. */
  readonly value: number;
}

/** What Prometheus will show at `sc.at`: firing severities and their values. */
export function simulate(slo: Slo, sc: Scenario): Expectation[] {
  const budget = errorBudget(slo.objective);
  const minutes = perMinute(sc.phases);
  const windows = SRE_WORKBOOK_WINDOWS.filter((w) => slo.alerting === 'page' || w.severity !== 'critical');
  const severities = [...new Set(windows.map((w) => w.severity))];
  const holds = (severity: string, t: number, margin: number) =>
    windows.filter((w) => w.severity === severity).find((w) =>
      windowRatio(minutes, t, seconds(w.long) / 60) > w.factor * budget * margin &&
      windowRatio(minutes, t, seconds(w.short) / 60) > w.factor * budget * margin);
  const firing = (severity: string, forMinutes: number, margin: number) => {
    for (let t = sc.at - forMinutes; t <= sc.at; t++) if (t < 2 || !holds(severity, t, margin)) return false;
    return true;
  };
  const out: Expectation[] = [];
  for (const severity of severities) {
    const f = FOR_MINUTES[severity]!;
    const verdict = firing(severity, f, 1);
    // Robust only if a 5 % change of the ratios or 2 minutes of timing would not flip it.
    const robust = [firing(severity, f + 2, 1.05), firing(severity, f + 2, 0.95), firing(severity, Math.max(0, f - 2), 1.05), firing(severity, Math.max(0, f - 2), 0.95)]
      .every((v) => v === verdict);
    if (!robust) throw new Error(`scenario '${sc.title}' is too close to the ${severity} threshold to test reliably`);
    const claim = sc.claims[severity];
    if (claim !== undefined && claim !== verdict) {
      throw new Error(`scenario '${sc.title}' claims ${severity} ${claim ? 'fires' : 'stays silent'}, but the windows say otherwise`);
    }
    const pair = holds(severity, sc.at, 1);
    if (verdict && pair) out.push({ severity, value: windowRatio(minutes, sc.at, seconds(pair.long) / 60) });
  }
  return out;
}

/**
 * A promtool unit-test file for the SLO alerts of one environment, reading `rulesFile`.
 * Expected annotations are the rendered ones with `$value` filled in, so a changed description
 * template fails here as well.
 */
export function sloUnitTests(slos: readonly Slo[], alerts: readonly AlertingRule[], env: string, namespace: string, rulesFile: string): string {
  const tests = slos.flatMap((slo) =>
    sloScenarios(slo).map((sc) => {
      const alertname = sloAlertName(slo);
      const exp = simulate(slo, sc).map(({ severity, value }) => {
        const rule = alerts.find((a) => a.alert === alertname && a.labels.severity === severity);
        if (!rule) throw new Error(`no ${severity} rule for ${alertname} in ${env}`);
        return {
          exp_labels: { ...rule.labels },
          exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, v.replace('{{ $value | humanizePercentage }}', humanizePercentage(value))])),
        };
      });
      return {
        name: sc.title,
        interval: '1m',
        input_series: inputSeries(slo, { namespace, service: slo.service }, sc.phases),
        alert_rule_test: [{ eval_time: `${sc.at}m`, alertname, exp_alerts: exp }],
      };
    }),
  );
  return `# Generated from config/observability.ts by test/prometheus/promtool.ts for ${env}.\n` +
    stringify({ rule_files: [basename(rulesFile)], evaluation_interval: '1m', tests }, { lineWidth: 0 });
}

export function writeFile(dir: string, name: string, content: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
