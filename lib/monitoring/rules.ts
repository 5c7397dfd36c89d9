/**
 * Prometheus rule groups as plain data, the shape of `spec.groups` in a PrometheusRule and of a
 * rules file `promtool check rules` reads, plus the small PromQL helpers the generators share.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/
 */

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold before the alert fires. @default - fires at once */
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  readonly name: string;
  /** @default - the Prometheus global evaluation interval */
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export function isAlertingRule(rule: Rule): rule is AlertingRule {
  return 'alert' in rule;
}

/** Every alerting rule of `groups`, in order. */
export function alertingRules(groups: readonly RuleGroup[]): AlertingRule[] {
  return groups.flatMap((g) => g.rules.filter(isAlertingRule));
}

/**
 * `{a="x",b=~"y"}` from equality and regex matchers, labels sorted so output is stable.
 * Values are escaped for a PromQL double-quoted string.
 */
export function selector(equal: Readonly<Record<string, string>>, regex: Readonly<Record<string, string>> = {}): string {
  const quote = (v: string) => JSON.stringify(v);
  const parts = [
    ...Object.entries(equal).map(([k, v]) => [k, `${k}=${quote(v)}`] as const),
    ...Object.entries(regex).map(([k, v]) => [k, `${k}=~${quote(v)}`] as const),
  ].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${parts.map(([, p]) => p).join(',')}}`;
}

/**
 * A histogram bucket bound as Prometheus 3 stores it: classic-histogram `le` values are
 * normalised to float notation on ingestion, so 1 is `"1.0"` and 0.5 stays `"0.5"`.
 * @see https://prometheus.io/docs/prometheus/latest/migration/#le-and-quantile-label-values
 */
export function formatLe(seconds: number): string {
  return Number.isInteger(seconds) ? `${seconds}.0` : String(seconds);
}

/** A number for a PromQL literal without float noise: 100 - 99.9 → 0.001, not 0.0010000000000000009. */
export function promNumber(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** `api-latency-p95` → `ApiLatencyP95`. */
export function pascalCase(name: string): string {
  return name.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}
