/**
 * loadtest/thresholds.json: the k6 thresholds, generated from `observability.slos`, so one
 * objective drives the burn-rate alerts (charts/monitoring.ts), the rollout analysis
 * (charts/rollout-analysis.ts) and the load-test gate. The k6 scripts read the file at init.
 *
 * Only SLOs that page gate a load test (a `ticket` SLO is a target the API does not meet yet).
 * An error-ratio SLO becomes `rate<=<error budget>` on the k6 metric counting the same bad
 * events; a latency SLO "objective % within T s" becomes `p(objective)<=T ms`.
 */
import type { Platform } from '../config/index.ts';
import { errorBudget } from '../lib/monitoring/slo-rules.ts';

export const THRESHOLDS_PATH = 'loadtest/thresholds.json';

/**
 * Which k6 metric measures the events of an SLO metric (config/metrics.ts). k6 counts a request
 * as failed only on 5xx or a transport error (loadtest/flextime.js), like the availability SLO;
 * the schedule_job_* metrics are the scripts' own (loadtest/schedule-generation.js).
 */
export const K6_METRIC_OF_SLO_METRIC: Readonly<Record<string, string>> = {
  http_requests_total: 'http_req_failed',
  http_request_duration_seconds: 'http_req_duration',
  flextime_schedule_jobs_total: 'schedule_job_failed',
  flextime_schedule_generation_duration_seconds: 'schedule_job_duration',
};

export interface K6Thresholds {
  readonly generatedBy: string;
  /** k6 metric → threshold expressions (k6 `options.thresholds`). */
  readonly thresholds: Record<string, string[]>;
  /** k6 metric → the SLOs its thresholds come from, for people reading a failed run. */
  readonly slos: Record<string, string[]>;
}

export function k6Thresholds(platform: Platform): K6Thresholds {
  const thresholds: Record<string, string[]> = {};
  const slos: Record<string, string[]> = {};
  for (const slo of platform.observability.slos) {
    if (slo.alerting !== 'page') continue;
    const metric = K6_METRIC_OF_SLO_METRIC[slo.indicator.metric];
    if (!metric) throw new Error(`SLO '${slo.name}': no k6 metric measures ${slo.indicator.metric}; add it to K6_METRIC_OF_SLO_METRIC (charts/loadtest-thresholds.ts)`);
    const expression = slo.indicator.kind === 'errorRatio'
      ? `rate<=${errorBudget(slo.objective)}`
      : `p(${slo.objective})<=${Number((slo.indicator.thresholdSeconds * 1000).toPrecision(12))}`;
    (thresholds[metric] ??= []).push(expression);
    (slos[metric] ??= []).push(slo.name);
  }
  const sorted = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    generatedBy: 'npm run synth (charts/loadtest-thresholds.ts) from observability.slos in config/observability.ts; do not edit',
    thresholds: sorted(thresholds),
    slos: sorted(slos),
  };
}

/** The file as written (stable key order, trailing newline). */
export function k6ThresholdsJson(platform: Platform): string {
  return `${JSON.stringify(k6Thresholds(platform), null, 2)}\n`;
}
