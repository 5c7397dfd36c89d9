/**
 * SLO → Prometheus rules: recording rules of the error ratio per window, and multi-window,
 * multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs", recommendation 6).
 *
 * A burn rate of N means the error budget of the 30-day period is spent N times faster than
 * sustainable. Each alert condition needs the long window (is it significant?) AND the short
 * window (is it still happening?) above the same burn rate, so an alert stops soon after the
 * problem does and a brief spike that already ended does not page.
 * @see https://sre.google/workbook/alerting-on-slos/
 */
import { formatLe, pascalCase, promNumber, selector, type AlertingRule, type RecordingRule, type RuleGroup } from './rules.ts';
import { alertWindows, recordedWindows, SRE_WORKBOOK_WINDOWS, type BurnRateWindow } from '../values/slo-windows.ts';

/** Bad events are series of counter `metric` whose labels match `bad` (label → regex). */
export interface ErrorRatioIndicator {
  readonly kind: 'errorRatio';
  readonly metric: string;
  readonly bad: Readonly<Record<string, string>>;
}

/** Bad events are observations of histogram `metric` slower than `thresholdSeconds` (a bucket bound). */
export interface LatencyIndicator {
  readonly kind: 'latency';
  readonly metric: string;
  readonly thresholdSeconds: number;
}

export type SloIndicator = ErrorRatioIndicator | LatencyIndicator;

export interface SloSpec {
  /** DNS-label style name; the `slo` label of every rule and the base of the alert name. */
  readonly name: string;
  readonly description: string;
  /** Per cent of good events over the period, 0 < objective < 100. */
  readonly objective: number;
  readonly indicator: SloIndicator;
  /**
   * `page`: every window pair alerts. `ticket`: only the windows whose severity is not the page
   * severity (see `SloRulesProps.pageSeverity`).
   * @default 'page'
   */
  readonly alerting?: 'page' | 'ticket';
  /** Equality matchers that select this SLO's series, e.g. `{ namespace, service }`. */
  readonly selector: Readonly<Record<string, string>>;
}

export interface SloRulesProps {
  readonly slos: readonly SloSpec[];
  /** Builds the `runbook_url` annotation from the alert name. */
  readonly runbookUrl: (alert: string) => string;
  /**
   * Labels stamped on every recording and alerting rule (e.g. the environment). They are also
   * added to every selector of a recorded series, so rules of several environments evaluated by
   * one Prometheus never read each other's series.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** @default SRE_WORKBOOK_WINDOWS */
  readonly windows?: readonly BurnRateWindow[];
  /**
   * Severity that pages; an SLO with `alerting: 'ticket'` gets no windows of this severity.
   * @default 'critical'
   */
  readonly pageSeverity?: string;
  /**
   * `for` per severity, to ride out a single bad evaluation.
   * @default { critical: '2m', warning: '15m' }
   */
  readonly forDuration?: Readonly<Record<string, string>>;
  /**
   * Length of the SLO period, for the "budget gone in …" text of the description.
   * @default 30 (days)
   */
  readonly periodDays?: number;
}

/** Name of the recording rule holding the error ratio over `window`. */
export function errorRatioRecord(window: string): string {
  return `slo:sli_error:ratio_rate${window}`;
}

/** Recording rule holding the objective as a ratio (0.999), for dashboards. */
export const OBJECTIVE_RECORD = 'slo:objective:ratio';
/** Recording rule holding the error budget as a ratio (0.001): divide an error ratio by it for the burn rate. */
export const ERROR_BUDGET_RECORD = 'slo:error_budget:ratio';

/** Name of the one alert of an SLO (one rule per severity shares it, so inhibition can pair them). */
export function sloAlertName(slo: Pick<SloSpec, 'name'>): string {
  return `${pascalCase(slo.name)}ErrorBudgetBurn`;
}

/** The error budget as a ratio: 99.9 → 0.001. */
export function errorBudget(objective: number): number {
  return Number(((100 - objective) / 100).toPrecision(12));
}

/** One rule group per SLO: its recording rules, then its alerts (critical before warning). */
export function sloRuleGroups(props: SloRulesProps): RuleGroup[] {
  const windows = props.windows ?? SRE_WORKBOOK_WINDOWS;
  const pageSeverity = props.pageSeverity ?? 'critical';
  const forDuration = props.forDuration ?? { critical: '2m', warning: '15m' };
  const periodDays = props.periodDays ?? 30;
  const staticLabels = props.labels ?? {};
  if (windows.length === 0) throw new Error("'windows' must name at least one burn-rate window pair");
  const names = new Set<string>();

  return props.slos.map((slo) => {
    if (!(slo.objective > 0 && slo.objective < 100)) {
      throw new Error(`'objective' (${slo.objective}) of SLO '${slo.name}' must be > 0 and < 100 (per cent)`);
    }
    if (names.has(slo.name)) throw new Error(`SLO name '${slo.name}' is used twice; the 'slo' label must be unique`);
    names.add(slo.name);

    const used = alertWindows(slo, windows, pageSeverity);
    const durations = recordedWindows(slo, windows, pageSeverity);
    const labels = { ...staticLabels, slo: slo.name };
    const budget = errorBudget(slo.objective);
    // Dashboards read objective and budget from these series, so a changed objective changes
    // the rules only.
    const records: RecordingRule[] = [
      { record: OBJECTIVE_RECORD, expr: `vector(${promNumber(slo.objective / 100)})`, labels },
      { record: ERROR_BUDGET_RECORD, expr: `vector(${promNumber(budget)})`, labels },
      ...durations.map((window) => ({ record: errorRatioRecord(window), expr: errorRatioExpr(slo, window), labels })),
    ];

    const alert = sloAlertName(slo);
    const severities = [...new Set(used.map((w) => w.severity))];
    const alerts: AlertingRule[] = severities.map((severity) => {
      const pairs = used.filter((w) => w.severity === severity);
      const condition = pairs
        .map((w) => {
          const threshold = `(${promNumber(w.factor)} * ${promNumber(budget)})`;
          return `(\n  ${errorRatioRecord(w.long)}${selector(labels)} > ${threshold}\nand\n  ${errorRatioRecord(w.short)}${selector(labels)} > ${threshold}\n)`;
        })
        .join('\nor\n');
      const fastest = Math.max(...pairs.map((w) => w.factor));
      const windowText = pairs.map((w) => `${w.factor}x over ${w.long} and ${w.short}`).join(', or ');
      return {
        alert,
        expr: condition,
        ...(forDuration[severity] ? { for: forDuration[severity] } : {}),
        labels: { ...labels, severity },
        annotations: {
          summary: `SLO ${slo.name} is burning its error budget (${severity === pageSeverity ? 'fast' : 'slowly'})`,
          description:
            `${slo.description} (objective ${slo.objective} % over ${periodDays} days). ` +
            `The error ratio is {{ $value | humanizePercentage }} against a budget of ${promNumber(budget * 100)} % ` +
            `(burn rate ${windowText}); at ${fastest}x the ${periodDays}-day budget is gone in ${humanDays(periodDays / fastest)}.`,
          runbook_url: props.runbookUrl(alert),
        },
      };
    });

    return { name: `slo-${slo.name}`, rules: [...records, ...alerts] };
  });
}

/** The two event rates of an SLO indicator over `window`: bad (error ratio) or good (latency), and all. */
function eventRates(slo: SloSpec, window: string): { bad?: string; good?: string; all: string } {
  const { indicator } = slo;
  if (indicator.kind === 'errorRatio') {
    return {
      bad: `sum(rate(${indicator.metric}${selector(slo.selector, indicator.bad)}[${window}]))`,
      all: `sum(rate(${indicator.metric}${selector(slo.selector)}[${window}]))`,
    };
  }
  return {
    good: `sum(rate(${indicator.metric}_bucket${selector({ ...slo.selector, le: formatLe(indicator.thresholdSeconds) })}[${window}]))`,
    all: `sum(rate(${indicator.metric}_count${selector(slo.selector)}[${window}]))`,
  };
}

/** PromQL for the share of bad events of `slo` over `window`. */
export function errorRatioExpr(slo: SloSpec, window: string): string {
  const { bad, good, all } = eventRates(slo, window);
  return bad ? `${bad}\n/\n${all}` : `1 - (\n  ${good}\n/\n  ${all}\n)`;
}

/**
 * The share of bad events of `slo` over `window`, for a gate that must tell "no errors" from
 * "no traffic": without any bad series the bad rate is 0 (`or vector(0)`), not an empty result;
 * without events (no series, or rate 0) the result is empty, never NaN (0/0).
 */
export function gateErrorRatioExpr(slo: SloSpec, window: string): string {
  const { bad, good, all } = eventRates(slo, window);
  return bad
    ? `(\n  ${bad}\n  or vector(0)\n)\n/\n(\n  ${all} > 0\n)`
    : `1 - (\n  ${good}\n/\n  (${all} > 0)\n)`;
}

function humanDays(days: number): string {
  return days >= 1 ? `${promNumber(Math.round(days * 10) / 10)} days` : `${Math.round(days * 24)} hours`;
}
