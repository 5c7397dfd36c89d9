/**
 * The world the canary analysis of production api-svc is judged in (test/analysis-gate.test.ts):
 * api-svc series as Prometheus stores them after the ServiceMonitor's relabeling, for the pods of
 * the new version (the canary) and of the stable version, and what each AnalysisTemplate metric
 * must return and decide in each case. Every number here is written by hand from issue 18 and the
 * SLOs' objectives (99.9 % of requests without 5xx: bound 0.001; 95 % within 500 ms: bound 0.05);
 * nothing is read from the config or the rendered template.
 */
import { stringify } from 'yaml';

/** Pod-template hashes Argo Rollouts would stamp on the two ReplicaSets' pods. */
export const CANARY_HASH = '7c9f6d5b8';
export const STABLE_HASH = '5d8b7c6f4';

/** Requests a minute of one version, the share answered 5xx and the share slower than 0.5 s. */
export interface Traffic {
  readonly perMinute: number;
  readonly errors: number;
  readonly slow: number;
  /** Does the pod export a `code="500"` series at all (a process that never answered 5xx has none). */
  readonly has5xxSeries: boolean;
}

export type Phase = 'Successful' | 'Failed' | 'Inconclusive';

export interface Scenario {
  readonly name: string;
  /** undefined: the version's pods export no series (not yet scraped, or never served). */
  readonly canary?: Traffic;
  readonly stable?: Traffic;
  /** Per metric: the query's value at evaluation time (`none` = empty result) and the measurement phase. */
  readonly expect: Readonly<Record<'api-availability' | 'api-latency-p95', { value: number | 'none'; phase: Phase }>>;
}

const busy = (errors: number, slow: number): Traffic => ({ perMinute: 2000, errors, slow, has5xxSeries: true });

export const SCENARIOS: readonly Scenario[] = [
  {
    // 1 in 2000 requests fails, 2 % are slow; the stable pods burn at 5 % errors and 50 % slow,
    // which must not leak into the canary's verdict.
    name: 'healthy canary beside a failing stable version',
    canary: busy(0.0005, 0.02),
    stable: busy(0.05, 0.5),
    expect: { 'api-availability': { value: 0.0005, phase: 'Successful' }, 'api-latency-p95': { value: 0.02, phase: 'Successful' } },
  },
  {
    name: '5xx burst in the canary (10 %), stable healthy',
    canary: busy(0.1, 0.02),
    stable: busy(0, 0),
    expect: { 'api-availability': { value: 0.1, phase: 'Failed' }, 'api-latency-p95': { value: 0.02, phase: 'Successful' } },
  },
  {
    name: 'latency breach in the canary (20 % slower than 500 ms), no errors',
    canary: busy(0, 0.2),
    stable: busy(0, 0),
    expect: { 'api-availability': { value: 0, phase: 'Successful' }, 'api-latency-p95': { value: 0.2, phase: 'Failed' } },
  },
  {
    name: 'no traffic at all (every series flat)',
    canary: { perMinute: 0, errors: 0, slow: 0, has5xxSeries: true },
    stable: { perMinute: 0, errors: 0, slow: 0, has5xxSeries: true },
    expect: { 'api-availability': { value: 'none', phase: 'Inconclusive' }, 'api-latency-p95': { value: 'none', phase: 'Inconclusive' } },
  },
  {
    name: 'canary pods export no series yet, stable busy',
    stable: busy(0.0005, 0.02),
    expect: { 'api-availability': { value: 'none', phase: 'Inconclusive' }, 'api-latency-p95': { value: 'none', phase: 'Inconclusive' } },
  },
  {
    name: 'no 5xx series at all, only 2xx traffic, all fast',
    canary: { perMinute: 2000, errors: 0, slow: 0, has5xxSeries: false },
    stable: { perMinute: 2000, errors: 0, slow: 0, has5xxSeries: false },
    expect: { 'api-availability': { value: 0, phase: 'Successful' }, 'api-latency-p95': { value: 0, phase: 'Successful' } },
  },
];

/** Counters start high (as in test/prometheus/promtool.ts) and are sampled once a minute. */
const START = 1_000_000;
const MINUTES = 15;
/** When the queries are evaluated: 10 minutes in, well past the 5-minute rate window. */
export const EVAL_TIME = '10m';

/** api-svc series of one version's pod as scraped in production (ServiceMonitor target labels + relabeled hash). */
function podSeries(hash: string, t: Traffic): Array<{ series: string; values: string }> {
  const labels = (extra: Record<string, string>) => `{${Object.entries({
    // The app's own `service` label moves to exported_service (honorLabels false), as config/metrics.ts + test/metric-contract.test.ts say.
    container: 'api-svc', endpoint: 'metrics', exported_service: 'api-svc', instance: '10.0.1.7:9464', job: 'api-svc', namespace: 'flextime-production',
    pod: `api-svc-${hash}-x7k2p`, rollouts_pod_template_hash: hash, service: 'api-svc', ...extra,
  }).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  const counter = (perMinute: number) => `${START}+${perMinute}x${MINUTES}`;
  return [
    { series: `http_requests_total${labels({ code: '200', method: 'GET', route: '/v1/schedules' })}`, values: counter(t.perMinute * (1 - t.errors)) },
    ...(t.has5xxSeries ? [{ series: `http_requests_total${labels({ code: '500', method: 'GET', route: '/v1/schedules' })}`, values: counter(t.perMinute * t.errors) }] : []),
    { series: `http_request_duration_seconds_bucket${labels({ code: '200', le: '0.5', method: 'GET', route: '/v1/schedules' })}`, values: counter(t.perMinute * (1 - t.slow)) },
    { series: `http_request_duration_seconds_bucket${labels({ code: '200', le: '+Inf', method: 'GET', route: '/v1/schedules' })}`, values: counter(t.perMinute) },
    { series: `http_request_duration_seconds_count${labels({ code: '200', method: 'GET', route: '/v1/schedules' })}`, values: counter(t.perMinute) },
  ];
}

/**
 * A promtool unit-test file checking one metric's `query` in one scenario. The value is compared
 * at 1e-6 (rounded in PromQL: rate arithmetic leaves float noise in the 15th digit, e.g.
 * 0.020000000000000130 for 0.02); an empty result stays empty.
 */
export function promtoolSuite(s: Scenario, metric: string, query: string, ruleFiles: readonly string[]): string {
  const e = s.expect[metric as keyof Scenario['expect']];
  if (!e) throw new Error(`scenario '${s.name}' expects nothing of metric '${metric}'`);
  const test = {
    name: `${s.name}: ${metric}`,
    interval: '1m',
    input_series: [
      ...(s.canary ? podSeries(CANARY_HASH, s.canary) : []),
      ...(s.stable ? podSeries(STABLE_HASH, s.stable) : []),
    ],
    promql_expr_test: [{
      expr: `round((${query}) * 1000000) / 1000000`,
      eval_time: EVAL_TIME,
      exp_samples: e.value === 'none' ? [] : [{ labels: '{}', value: e.value }],
    }],
  };
  return stringify({ rule_files: [...ruleFiles], evaluation_interval: '1m', tests: [test] }, { lineWidth: 0 });
}

/** The Prometheus HTTP API `data` of an instant query that returned `value` (an empty vector for `none`). */
export function queryData(value: number | 'none'): unknown {
  return { resultType: 'vector', result: value === 'none' ? [] : [{ metric: {}, value: [600, String(value)] }] };
}
