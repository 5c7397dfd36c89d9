/**
 * Burn-rate windows of multi-window, multi-burn-rate SLO alerts (Google SRE workbook, "Alerting
 * on SLOs") and Prometheus durations: plain values, so config can check which windows an SLO
 * records without loading the rule generator (lib/monitoring/slo-rules.ts).
 * @see https://sre.google/workbook/alerting-on-slos/
 */

/** How an SLO alerts: `page` on every window pair, `ticket` only on pairs that do not page. */
export interface SloAlerting {
  /** @default 'page' */
  readonly alerting?: 'page' | 'ticket';
}

/** One long/short window pair and the burn rate both must exceed. */
export interface BurnRateWindow {
  /** Long window, a Prometheus duration ("1h"). */
  readonly long: string;
  /** Short window, usually 1/12 of the long one ("5m"). */
  readonly short: string;
  /** Burn rate (multiple of the sustainable error rate). */
  readonly factor: number;
  /** `severity` label of the alert this pair belongs to. */
  readonly severity: string;
}

/**
 * The SRE workbook's pairs for a 30-day SLO: 2 % of the budget in 1 h or 5 % in 6 h pages;
 * 10 % in 1 d or 10 % in 3 d opens a ticket.
 */
export const SRE_WORKBOOK_WINDOWS: readonly BurnRateWindow[] = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'critical' },
  { long: '6h', short: '30m', factor: 6, severity: 'critical' },
  { long: '1d', short: '2h', factor: 3, severity: 'warning' },
  { long: '3d', short: '6h', factor: 1, severity: 'warning' },
];

/** The window pairs an SLO alerts on: all of them, or for `alerting: 'ticket'` those that do not page. */
export function alertWindows(
  slo: SloAlerting,
  windows: readonly BurnRateWindow[] = SRE_WORKBOOK_WINDOWS,
  pageSeverity = 'critical',
): BurnRateWindow[] {
  return windows.filter((w) => (slo.alerting ?? 'page') === 'page' || w.severity !== pageSeverity);
}

/**
 * The windows `slo:sli_error:ratio_rate<window>` is recorded for (shortest first): what other
 * readers of the recording rules (dashboards, rollout analysis) may query.
 */
export function recordedWindows(
  slo: SloAlerting,
  windows: readonly BurnRateWindow[] = SRE_WORKBOOK_WINDOWS,
  pageSeverity = 'critical',
): string[] {
  return [...new Set(alertWindows(slo, windows, pageSeverity).flatMap((w) => [w.short, w.long]))].sort((a, b) => seconds(a) - seconds(b));
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds of a simple Prometheus duration ("5m", "1h", "3d"). */
export function seconds(duration: string): number {
  const m = /^([0-9]+)(ms|s|m|h|d|w)$/.exec(duration);
  if (!m) throw new Error(`'${duration}' is not a Prometheus duration such as "5m" or "1h"`);
  return Number(m[1]) * UNIT_SECONDS[m[2]!]!;
}
