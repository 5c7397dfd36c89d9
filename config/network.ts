/**
 * Network and access values shared by every environment (docs/network.md):
 * - the NetworkPolicy intent table (`networkConfig.allow`): who may talk to whom on which port.
 *   charts/network-policies.ts renders it; test/network-policies.test.ts proves the rendered
 *   policies allow exactly these rows. To allow a connection, add a row here.
 * - the public Ingress of api-svc (`ingressConfig`) and the SSO groups RBAC binds (`ssoConfig`).
 * Per-environment values (CIDRs, rate limits, issuer, developer access) are in environments/*.ts.
 */
import type { PlatformInput } from './schema.ts';
import { development } from './environments/development.ts';
import { staging } from './environments/staging.ts';
import { production } from './environments/production.ts';
import { nginxControllerConfig } from '../lib/values/ingress-nginx-config.ts';

type AllowInput = PlatformInput['network']['allow'][number];

const DNS = [{ port: 53, protocol: 'UDP' as const }, { port: 53, protocol: 'TCP' as const }];
const HTTPS = [{ port: 443 }];

/** Every pod in an environment namespace resolves names through kube-dns. */
function dns(...workloads: string[]): AllowInput[] {
  return workloads.map((from) => ({ from, to: 'kube-dns', ports: DNS, reason: 'name resolution' }));
}

/** Prometheus scrapes the `metrics` port of each of these. */
function scrape(...workloads: string[]): AllowInput[] {
  return workloads.map((to) => ({ from: 'prometheus', to, ports: [{ port: 'metrics' }], reason: 'Prometheus scrapes metrics' }));
}

/** Where a read-only pool runs (environments[].database.readPool, in front of the read replica). */
const readPools = [development, staging, production].filter((e) => e.database.readPool).map((e) => e.name);

/** Where Redis runs in the cluster (elsewhere the apps use ElastiCache, the `elasticache` CIDR peer). */
const inClusterRedis = [development, staging, production].filter((e) => e.redis.mode === 'in-cluster').map((e) => e.name);

export const networkConfig: PlatformInput['network'] = {
  workloads: [
    { name: 'redis', description: 'Redis StatefulSet (job queue, cache) with redis_exporter', ports: { redis: 6379, metrics: 9121 }, environments: inClusterRedis },
    { name: 'pgbouncer', description: 'PgBouncer in front of RDS, with pgbouncer_exporter', ports: { pgbouncer: 6432, metrics: 9127 } },
    { name: 'pgbouncer-ro', description: 'Read-only PgBouncer in front of the RDS read replica, with pgbouncer_exporter', ports: { pgbouncer: 6432, metrics: 9127 }, environments: readPools },
    { name: 'flextime-backup', description: 'Nightly pg_dump to S3 (CronJob)' },
    { name: 'flextime-restore-verify', description: 'Weekly restore of the newest dump into a throw-away PostgreSQL (CronJob)' },
    { name: 'pushgateway', description: 'Prometheus Pushgateway: the backup and restore jobs push their result metrics', ports: { metrics: 9091 } },
    { name: 'postgres-exporter', description: 'postgres_exporter: PostgreSQL statistics (pg_monitor role) straight from RDS', ports: { metrics: 9187 } },
  ],
  clusterPeers: [
    {
      name: 'ingress-nginx',
      description: 'ingress-nginx controller pods (add-on)',
      namespace: 'ingress-nginx',
      podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
    },
    { name: 'prometheus', description: 'Prometheus of kube-prometheus-stack', namespace: 'observability', podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
    { name: 'otel-collector', description: 'OpenTelemetry Collector (OTLP gRPC 4317, HTTP 4318)', namespace: 'observability', podLabels: { 'app.kubernetes.io/name': 'otel-collector' } },
    { name: 'kube-dns', description: 'CoreDNS', namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
    { name: 'keda-operator', description: 'KEDA operator: reads the Redis queue length to scale scheduler-svc', namespace: 'keda', podLabels: { 'app.kubernetes.io/name': 'keda-operator' } },
  ],
  cidrPeers: [
    { name: 'rds', description: 'RDS PostgreSQL (the environment\'s data subnets in the cluster VPC)' },
    { name: 'elasticache', description: 'ElastiCache Redis, where Redis is not in the cluster (the environment\'s data subnets)' },
    { name: 's3', description: 'S3 via the gateway endpoint (the region\'s S3 prefix list)' },
    { name: 'vpc-endpoints', description: 'Interface VPC endpoints (STS for IRSA) in the endpoint subnets of the cluster VPC' },
    { name: 'oidc-issuer', description: 'Big 12 SSO: api-svc fetches the signing keys (JWKS) of the issuer' },
  ],
  neverReachable: ['169.254.169.254/32'],
  allow: [
    { from: 'ingress-nginx', to: 'api-svc', ports: [{ port: 'http' }], reason: 'public HTTPS traffic, TLS ends at the controller' },
    { from: 'api-svc', to: 'pgbouncer', ports: [{ port: 'pgbouncer' }], reason: 'database queries through the pool' },
    { from: 'api-svc', to: 'redis', ports: [{ port: 'redis' }], reason: 'enqueue schedule jobs, cache' },
    { from: 'api-svc', to: 'elasticache', ports: [{ port: 6379 }], reason: 'enqueue schedule jobs, cache' },
    { from: 'api-svc', to: 'oidc-issuer', ports: HTTPS, reason: 'verify SSO tokens against the issuer’s JWKS' },
    { from: 'scheduler-svc', to: 'pgbouncer', ports: [{ port: 'pgbouncer' }], reason: 'read constraints, write schedules' },
    { from: 'scheduler-svc', to: 'redis', ports: [{ port: 'redis' }], reason: 'take jobs from the queue' },
    { from: 'scheduler-svc', to: 'elasticache', ports: [{ port: 6379 }], reason: 'take jobs from the queue' },
    { from: 'keda-operator', to: 'redis', ports: [{ port: 'redis' }], reason: 'KEDA reads the queue length' },
    { from: 'pgbouncer', to: 'rds', ports: [{ port: 5432 }], reason: 'server connections (TLS verify-full)' },
    { from: 'api-svc', to: 'pgbouncer-ro', ports: [{ port: 'pgbouncer' }], reason: 'read queries through the read-only pool (read replica)' },
    { from: 'pgbouncer-ro', to: 'rds', ports: [{ port: 5432 }], reason: 'server connections to the read replica (TLS verify-full)' },
    { from: 'flextime-backup', to: 'rds', ports: [{ port: 5432 }], reason: 'pg_dump reads the database directly (a dump needs a session, not a pooled transaction)' },
    { from: 'postgres-exporter', to: 'rds', ports: [{ port: 5432 }], reason: 'statistics views and pg_stat_statements need a session of their own, not a pooled transaction (TLS verify-full)' },
    { from: 'flextime-backup', to: 's3', ports: HTTPS, reason: 'upload the dump' },
    { from: 'flextime-backup', to: 'vpc-endpoints', ports: HTTPS, reason: 'STS AssumeRoleWithWebIdentity (IRSA)' },
    { from: 'flextime-restore-verify', to: 's3', ports: HTTPS, reason: 'download the newest dump' },
    { from: 'flextime-restore-verify', to: 'vpc-endpoints', ports: HTTPS, reason: 'STS AssumeRoleWithWebIdentity (IRSA)' },
    { from: 'flextime-backup', to: 'pushgateway', ports: [{ port: 'metrics' }], reason: 'push flextime_backup_last_success_timestamp_seconds' },
    { from: 'flextime-restore-verify', to: 'pushgateway', ports: [{ port: 'metrics' }], reason: 'push flextime_restore_verify_success' },
    { from: 'api-svc', to: 'otel-collector', ports: [{ port: 4317 }, { port: 4318 }], reason: 'traces and metrics over OTLP' },
    { from: 'scheduler-svc', to: 'otel-collector', ports: [{ port: 4317 }, { port: 4318 }], reason: 'traces and metrics over OTLP' },
    ...scrape('api-svc', 'scheduler-svc', 'redis', 'pgbouncer', 'pgbouncer-ro', 'pushgateway', 'postgres-exporter'),
    ...dns('api-svc', 'scheduler-svc', 'pgbouncer', 'pgbouncer-ro', 'flextime-backup', 'flextime-restore-verify', 'postgres-exporter'),
  ],
};

export const ingressConfig: PlatformInput['ingress'] = {
  className: 'nginx',
  controllerNamespace: 'ingress-nginx',
  headersConfigMap: 'flextime-security-headers',
  securityHeaders: {
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    // A JSON API: nothing to load, nothing may frame it.
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  },
  hsts: { maxAgeSeconds: 31_536_000, includeSubdomains: true, preload: false },
  proxyBodySize: '8m',
  timeouts: { connect: 5, read: 60, send: 60 },
  acme: {
    email: 'platform@flextime.app',
    issuers: [
      { name: 'letsencrypt-production', server: 'https://acme-v02.api.letsencrypt.org/directory' },
      { name: 'letsencrypt-staging', server: 'https://acme-staging-v02.api.letsencrypt.org/directory' },
    ],
    // DNS-01 needs no inbound path to solver pods (default-deny stays intact) and works before DNS points at the NLB.
    solver: { kind: 'dns01-route53', region: 'us-east-2' },
  },
};

export const ssoConfig: PlatformInput['sso'] = {
  issuer: 'https://sso.big12sports.com/realms/big12',
  clientId: 'flextime-kubernetes',
  usernameClaim: 'email',
  groupsClaim: 'groups',
  groupsPrefix: 'oidc:',
  groups: {
    platformAdmins: 'flextime:platform-admins',
    developers: 'flextime:developers',
    viewers: 'flextime:viewers',
    onCall: 'flextime:on-call',
    // Empty in the IdP; a time-bound assignment per incident (like break-glass), audited by EKS.
    onCallExec: 'flextime:on-call-exec',
    breakGlass: 'flextime:break-glass',
  },
};

/**
 * What the ingress-nginx add-on's `controller.config` must contain (config/addons.ts spreads it):
 * `add-headers` → the security-headers ConfigMap of charts/ingress.ts, HSTS from `ingressConfig`,
 * snippet annotations off, 429 for rate-limited clients.
 */
export const ingressControllerSettings = nginxControllerConfig({
  addHeaders: `${ingressConfig.controllerNamespace}/${ingressConfig.headersConfigMap}`,
  hsts: ingressConfig.hsts,
});
