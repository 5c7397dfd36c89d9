/**
 * Schema of observability (docs/observability.md): SLOs and the metrics they read, alert
 * thresholds, alert routing (paging, Slack, email), Grafana login and tracing (OpenTelemetry
 * Collector, Jaeger). Part of the platform schema in ./schema.ts (`observability`).
 *
 * This module must not import ./schema.ts (schema.ts imports it); the rules that look at other
 * sections (SLO services, otelEndpoint) are in schema.ts.
 */
import { z } from 'zod';
import { KNOWN_METRICS, knownMetric } from './metrics.ts';
import { dnsLabel, environmentName, imageRef, memoryQuantity, resources } from './schema-primitives.ts';
import { logs } from './schema-logs.ts';

/** A Prometheus metric or label name as PromQL writes it. */
const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)');
/** A Prometheus duration: "5m", "1h", "3d". */
export const promDuration = z.string().regex(/^[0-9]+(ms|s|m|h|d|w)$/, 'must be a Prometheus duration such as "30s", "5m", "1h" or "3d"');

/** What an SLO measures: the share of bad events, read from metrics in config/metrics.ts. */
export const sloIndicator = z.discriminatedUnion('kind', [
  z.object({
    /** Bad events are the `metric` series whose labels match `bad` (label → regex); all series are the total. */
    kind: z.literal('errorRatio'),
    /** A counter from KNOWN_METRICS. */
    metric: metricName,
    bad: z.record(labelName, z.string().min(1)).refine((r) => Object.keys(r).length > 0, { message: 'must name at least one label matcher' }),
  }).strict(),
  z.object({
    /** Bad events are observations slower than `thresholdSeconds` in a histogram. */
    kind: z.literal('latency'),
    /** A histogram base name from KNOWN_METRICS. */
    metric: metricName,
    /** Must be one of the histogram's bucket bounds, or the ratio cannot be computed exactly. */
    thresholdSeconds: z.number().positive(),
  }).strict(),
]);

/** One service-level objective over a rolling 30 days; lib/monitoring/slo-rules.ts turns it into rules. */
export const slo = z.object({
  /** Also the `slo` label of its recording rules; the alert is `<PascalName>ErrorBudgetBurn`. */
  name: dnsLabel,
  description: z.string().min(1),
  /** Service (from `services`) whose metrics the indicator reads. */
  service: dnsLabel,
  /** Per cent of events that must be good, e.g. 99.9 (error budget = 100 - objective). */
  objective: z.number().gt(0, 'must be > 0 (per cent)').lt(100, 'must be < 100 (per cent); 100 leaves no error budget'),
  indicator: sloIndicator,
  /**
   * `page`: fast burn pages (critical) and slow burn opens a ticket (warning).
   * `ticket`: a target we watch but do not wake anyone for; slow-burn tickets only.
   */
  alerting: z.enum(['page', 'ticket']).default('page'),
}).strict().superRefine((s, ctx) => {
  const known = knownMetric(s.indicator.metric);
  const wanted = s.indicator.kind === 'latency' ? 'histogram' : 'counter';
  if (!known || known.type !== wanted) {
    const allowed = KNOWN_METRICS.filter((m) => m.type === wanted).map((m) => m.name).join(', ');
    ctx.addIssue({ code: 'custom', path: ['indicator', 'metric'], message: `must be a ${wanted} listed in config/metrics.ts: ${allowed}` });
    return;
  }
  if (s.indicator.kind === 'latency' && !known.buckets?.includes(s.indicator.thresholdSeconds)) {
    ctx.addIssue({
      code: 'custom',
      path: ['indicator', 'thresholdSeconds'],
      message: `must be a bucket bound of ${known.name}: ${known.buckets?.join(', ')}`,
    });
  }
});
export type Slo = z.infer<typeof slo>;

export const observability = z.object({
  slos: z.array(slo).min(1),
  /** Thresholds of the alerts that are not SLO burn rates (charts/alert-rules.ts). */
  alerts: z.object({
    /** Scheduler jobs waiting in the queue ... */
    queueBacklogJobs: z.number().int().positive(),
    /** ... for this long. */
    queueBacklogFor: promDuration,
    /** Failed or timed-out schedule jobs within one hour that raise a warning. */
    jobFailuresPerHour: z.number().int().positive(),
    /** An HPA pinned at maxReplicas this long means it cannot absorb more load. */
    hpaAtMaxFor: promDuration,
    pvcUsedPercent: z.number().gt(0).lt(100),
    certExpiryDays: z.number().int().positive(),
    /** Backups run nightly; this many hours without a success means one was missed. */
    backupMaxAgeHours: z.number().int().positive(),
    /** Clients waiting for a PgBouncer server connection this long means the pool is saturated. */
    pgbouncerWaitingFor: promDuration,
    redisMemoryPercent: z.number().gt(0).lt(100),
    /** PostgreSQL connections (all states) above this share of max_connections ... */
    dbConnectionsPercent: z.number().gt(0).lt(100),
    /** ... for this long: new sessions are about to be refused. */
    dbConnectionsFor: promDuration,
    /** A transaction open longer than this (seconds) holds locks and stops vacuum from cleaning up. */
    dbLongTransactionSeconds: z.number().int().min(10),
    /**
     * Right-sizing (weekly ticket): a container's request above this multiple of the highest VPA
     * target of the last 7 days is over-provisioned; one below the lowest lower bound of the week is
     * under-provisioned.
     */
    rightSizingMaxRatio: z.number().gt(1),
  }).strict(),
  alerting: z.object({
    /** runbook_url of an alert = `<runbookBaseUrl>/<AlertName>.md` (docs/runbooks/ in this repo). */
    runbookBaseUrl: z.url(),
    /** Environments whose critical alerts page the on-call; elsewhere critical goes to Slack only. */
    pagingEnvironments: z.array(environmentName).min(1),
    slackChannel: z.string().regex(/^#[a-z0-9_-]+$/, 'must be a Slack channel such as "#flextime-alerts"'),
    email: z.object({
      to: z.email(),
      from: z.email(),
      /** SMTP relay as host:port. */
      smarthost: z.string().regex(/^[a-z0-9.-]+:[0-9]+$/, 'must be host:port'),
      username: z.string().min(1),
    }).strict(),
    /** Secrets Manager secret (JSON, read through `secretStore`) with the receiver credentials, see docs/observability.md. */
    secretKey: z.string().min(1),
  }).strict(),
  grafana: z.object({
    /** OAuth client registered at `sso.issuer` for Grafana. */
    oauthClientId: z.string().min(1),
    /** Secrets Manager secret (JSON, property `client-secret`) holding the client secret. */
    oauthSecretKey: z.string().min(1),
    /** JMESPath mapping SSO claims to Grafana roles (Admin / Editor / Viewer). */
    roleAttributePath: z.string().min(1),
  }).strict(),
  tracing: z.object({
    /** Namespace of the OpenTelemetry Collector and Jaeger; `otelEndpoint` must point into it. */
    namespace: dnsLabel,
    /** How long Jaeger keeps spans (Go duration, e.g. "168h"). */
    retention: z.string().regex(/^[0-9]+h$/, 'must be whole hours such as "168h" (Go duration)'),
    /** Size of Jaeger's Badger volume. */
    storage: memoryQuantity,
    /** OpenTelemetry Collector (contrib distribution: spanmetrics connector, Prometheus exporter). */
    collector: z.object({ image: imageRef, replicas: z.number().int().min(1), resources }).strict(),
    /** Jaeger v2 (one replica: Badger is a local, single-writer store). */
    jaeger: z.object({ image: imageRef, resources }).strict(),
    /** Share of traces kept by the collector (probabilistic head sampling), per cent. */
    samplingPercent: z.number().gt(0).max(100),
    /** The authenticated entry to Jaeger's UI: oauth2-proxy at `jaeger.<production domain>`. */
    ui: z.object({
      image: imageRef,
      /** OIDC client of the SSO realm. */
      oauthClientId: z.string().min(1),
      /** Secrets Manager secret with `client-secret` and `cookie-secret`. */
      oauthSecretKey: z.string().min(1),
      /** IdP groups (without the Kubernetes prefix) allowed in. */
      allowedGroups: z.array(z.string().min(1)).min(1),
      resources,
    }).strict(),
  }).strict(),
  /** Container logs: the node-level collector and its CloudWatch Logs groups (./schema-logs.ts). */
  logs,
}).strict();
export type Observability = z.infer<typeof observability>;

/** The parts of the platform the OTLP endpoint check reads (schema.ts calls it). */
interface OtlpView {
  readonly otelEndpoint: string;
  readonly otelProtocol: 'grpc' | 'http/protobuf';
  readonly observability: { readonly tracing: { readonly namespace: string } };
}

/** The endpoint names the collector this repo deploys, on the port of the protocol handed to the apps. */
export function checkOtlpEndpoint(p: OtlpView, ctx: z.RefinementCtx): void {
  const collector = `otel-collector.${p.observability.tracing.namespace}.svc.cluster.local`;
  if (!URL.canParse(p.otelEndpoint)) return;
  const url = new URL(p.otelEndpoint);
  if (url.hostname !== collector) {
    ctx.addIssue({ code: 'custom', path: ['otelEndpoint'], message: `must point at the collector this repo deploys (${collector}, from observability.tracing.namespace)` });
  }
  const expectedPort = p.otelProtocol === 'grpc' ? '4317' : '4318';
  if (url.port !== expectedPort) {
    ctx.addIssue({ code: 'custom', path: ['otelProtocol'], message: `'${p.otelProtocol}' is served on port ${expectedPort} of the collector, but otelEndpoint names port ${url.port || '(none)'}` });
  }
}
