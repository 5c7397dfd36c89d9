import { describe, expect, it } from 'vitest';
import { configError, rawConfig } from './helpers.ts';

type Raw = ReturnType<typeof rawConfig>;
function errorFor(edit: (raw: Raw) => void): string {
  const raw = rawConfig();
  edit(raw);
  return configError(raw);
}
const slo = (raw: Raw, i: number) => raw.observability.slos[i]!;

describe('observability config', () => {
  it('is valid as committed', () => {
    expect(configError(rawConfig())).toBe('');
  });

  it('rejects an objective of 100 %, which leaves no error budget', () => {
    expect(errorFor((r) => { slo(r, 0).objective = 100; })).toBe(
      'invalid platform config:\n  - observability.slos[api-availability].objective = 100: must be < 100 (per cent); 100 leaves no error budget',
    );
  });

  it('rejects an SLO on a metric nobody exposes', () => {
    expect(errorFor((r) => { slo(r, 0).indicator.metric = 'http_requests'; })).toMatch(
      /^invalid platform config:\n {2}- observability\.slos\[api-availability\]\.indicator\.metric = "http_requests": must be a counter listed in config\/metrics\.ts: http_requests_total, /,
    );
  });

  it('rejects a latency SLO on a counter', () => {
    expect(errorFor((r) => { slo(r, 1).indicator.metric = 'http_requests_total'; })).toBe(
      'invalid platform config:\n  - observability.slos[api-latency-p95].indicator.metric = "http_requests_total": must be a histogram listed in config/metrics.ts: ' +
      'http_request_duration_seconds, flextime_schedule_generation_duration_seconds, traces_span_metrics_duration_seconds',
    );
  });

  it('rejects a latency threshold that is not a bucket bound', () => {
    expect(errorFor((r) => { (slo(r, 1).indicator as { thresholdSeconds: number }).thresholdSeconds = 0.4; })).toBe(
      'invalid platform config:\n  - observability.slos[api-latency-p95].indicator.thresholdSeconds = 0.4: must be a bucket bound of http_request_duration_seconds: 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10',
    );
  });

  it('rejects an SLO of an unknown service', () => {
    expect(errorFor((r) => { slo(r, 5).service = 'billing-svc'; })).toBe(
      "invalid platform config:\n  - observability.slos[schedule-generation-time].service = \"billing-svc\": unknown service 'billing-svc'; allowed: api-svc, scheduler-svc",
    );
  });

  it('rejects two SLOs with one name', () => {
    expect(errorFor((r) => { slo(r, 5).name = 'schedule-job-errors'; })).toBe(
      "invalid platform config:\n  - observability.slos[schedule-job-errors].name = \"schedule-job-errors\": duplicate name 'schedule-job-errors' (also at observability.slos[4])",
    );
  });

  it('rejects an error-ratio SLI without a bad-event matcher', () => {
    expect(errorFor((r) => { (slo(r, 0).indicator as { bad: object }).bad = {}; })).toBe(
      'invalid platform config:\n  - observability.slos[api-availability].indicator.bad = {}: must name at least one label matcher',
    );
  });

  it('rejects an OTLP endpoint that is not the collector this repo deploys', () => {
    expect(errorFor((r) => { r.otelEndpoint = 'http://collector.tracing.svc.cluster.local:4317'; })).toBe(
      'invalid platform config:\n  - otelEndpoint = "http://collector.tracing.svc.cluster.local:4317": must point at the collector this repo deploys (otel-collector.observability.svc.cluster.local, from observability.tracing.namespace)',
    );
  });

  it('rejects a retention Jaeger cannot parse', () => {
    expect(errorFor((r) => { r.observability.tracing.retention = '7d'; })).toBe(
      'invalid platform config:\n  - observability.tracing.retention = "7d": must be whole hours such as "168h" (Go duration)',
    );
  });

  it('rejects a Slack channel without "#"', () => {
    expect(errorFor((r) => { r.observability.alerting.slackChannel = 'flextime-alerts'; })).toBe(
      'invalid platform config:\n  - observability.alerting.slackChannel = "flextime-alerts": must be a Slack channel such as "#flextime-alerts"',
    );
  });

  it('rejects an alert duration Prometheus cannot parse', () => {
    expect(errorFor((r) => { r.observability.alerts.hpaAtMaxFor = '15 minutes'; })).toBe(
      'invalid platform config:\n  - observability.alerts.hpaAtMaxFor = "15 minutes": must be a Prometheus duration such as "30s", "5m", "1h" or "3d"',
    );
  });
});
