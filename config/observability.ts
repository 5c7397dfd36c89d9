/**
 * SLOs, alert thresholds, alert routing, Grafana login and tracing: the values behind
 * charts/monitoring.ts (rules, dashboards), charts/alerting.ts and charts/tracing.ts.
 * Changing an objective here changes the rendered rules and nothing else.
 */
import type { PlatformInput } from './schema.ts';
import { ssoConfig } from './network.ts';
import { logsConfig } from './logs.ts';

/** Grafana role by SSO group (the groups RBAC binds, config/network.ts); anyone else is refused (role_attribute_strict). */
const { groups } = ssoConfig;
const grafanaRoles = [
  [groups.platformAdmins, 'Admin'],
  [groups.developers, 'Editor'],
  [groups.onCall, 'Viewer'],
  [groups.viewers, 'Viewer'],
].map(([group, role]) => `contains(groups[*], '${group}') && '${role}'`).join(' || ');

export const observabilityConfig: PlatformInput['observability'] = {
  slos: [
    {
      name: 'api-availability',
      description: 'API requests answered without a server error (5xx)',
      service: 'api-svc',
      objective: 99.9,
      indicator: { kind: 'errorRatio', metric: 'http_requests_total', bad: { code: '5..' } },
    },
    {
      name: 'api-latency-p95',
      description: '95 % of API requests complete within 500 ms',
      service: 'api-svc',
      objective: 95,
      indicator: { kind: 'latency', metric: 'http_request_duration_seconds', thresholdSeconds: 0.5 },
    },
    {
      name: 'api-latency-p99',
      description: '99 % of API requests complete within 1 s',
      service: 'api-svc',
      objective: 99,
      indicator: { kind: 'latency', metric: 'http_request_duration_seconds', thresholdSeconds: 1 },
    },
    {
      // The product target from the seeds; watched with tickets, not pages, until the API meets it.
      name: 'api-latency-p95-target',
      description: 'Target: 95 % of API requests complete within 200 ms',
      service: 'api-svc',
      objective: 95,
      indicator: { kind: 'latency', metric: 'http_request_duration_seconds', thresholdSeconds: 0.2 },
      alerting: 'ticket',
    },
    {
      name: 'schedule-job-errors',
      description: 'Schedule-generation jobs that fail or time out stay below 0.1 %',
      service: 'scheduler-svc',
      objective: 99.9,
      indicator: { kind: 'errorRatio', metric: 'flextime_schedule_jobs_total', bad: { status: 'failed|timeout' } },
    },
    {
      name: 'schedule-generation-time',
      description: '99 % of schedules are generated within 5 minutes',
      service: 'scheduler-svc',
      objective: 99,
      indicator: { kind: 'latency', metric: 'flextime_schedule_generation_duration_seconds', thresholdSeconds: 300 },
    },
  ],
  alerts: {
    queueBacklogJobs: 25,
    queueBacklogFor: '15m',
    jobFailuresPerHour: 5,
    hpaAtMaxFor: '15m',
    pvcUsedPercent: 80,
    certExpiryDays: 14,
    backupMaxAgeHours: 26,
    pgbouncerWaitingFor: '5m',
    redisMemoryPercent: 90,
    dbConnectionsPercent: 80,
    dbConnectionsFor: '10m',
    // 5 minutes: nothing of FlexTime's (schedule writes, the nightly pg_dump's snapshot aside) runs that long.
    dbLongTransactionSeconds: 300,
    rightSizingMaxRatio: 2,
  },
  alerting: {
    runbookBaseUrl: 'https://github.com/flextime/platform/blob/main/docs/runbooks',
    pagingEnvironments: ['production'],
    slackChannel: '#flextime-alerts',
    email: {
      to: 'ops-team@flextime.app',
      from: 'alertmanager@flextime.app',
      smarthost: 'email-smtp.us-east-1.amazonaws.com:587',
      username: 'alertmanager',
    },
    secretKey: 'flextime/monitoring/alertmanager',
  },
  grafana: {
    oauthClientId: 'flextime-grafana',
    oauthSecretKey: 'flextime/monitoring/grafana-oauth',
    roleAttributePath: grafanaRoles,
  },
  tracing: {
    namespace: 'observability',
    retention: '168h',
    storage: '20Gi',
    collector: {
      // Mirrored from otel/opentelemetry-collector-contrib (docs/observability.md "Images").
      image: 'ghcr.io/flextime/opentelemetry-collector-contrib:0.115.1@sha256:8c1357749be4fac3ea11b6aafd41431c0781278faa24806152f131faab6204ed',
      replicas: 2,
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    },
    jaeger: {
      // Mirrored from jaegertracing/jaeger.
      image: 'ghcr.io/flextime/jaeger:2.5.0@sha256:4f68257ca7fb74f68791c3b7a4bc30bf896a24b2e20ac52dc1a7fcf3e52555ed',
      resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
    },
    samplingPercent: 25,
    // Jaeger's UI has no login: oauth2-proxy in front of it, Big 12 SSO, these groups only.
    ui: {
      image: 'ghcr.io/flextime/oauth2-proxy:v7.7.1@sha256:15e80105c40ca11aece119bd7774b2496127264f310d584b3dd41fcd63f12b89',
      oauthClientId: 'flextime-jaeger',
      // Secrets Manager: client-secret and cookie-secret (32 random bytes, base64).
      oauthSecretKey: 'flextime/monitoring/jaeger-oauth',
      allowedGroups: ['flextime:platform-admins', 'flextime:developers', 'flextime:on-call'],
      resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    },
  },
  logs: logsConfig,
};
