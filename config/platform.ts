/**
 * Values shared by every environment. Per-environment values live in ./environments/ and
 * only there; nothing is merged, each field has one home.
 */
import type { PlatformInput } from './schema.ts';
import { development } from './environments/development.ts';
import { staging } from './environments/staging.ts';
import { production } from './environments/production.ts';
import { awsConfig } from './aws.ts';
import { observabilityConfig } from './observability.ts';
import { securityConfig } from './security.ts';
import { gitopsConfig } from './gitops.ts';
import { addonsConfig } from './addons.ts';
import { ingressConfig, networkConfig, ssoConfig } from './network.ts';
import { databaseConfig } from './database.ts';
import { loadTestingConfig } from './load-and-chaos.ts';
import { FLEXTIME_VPC } from './network-ranges.ts';
import { siteConfig } from './site.ts';
import { storageConfig } from './storage.ts';
import { PLATFORM_PRIORITY_CLASS } from './addons-common.ts';

export const platformConfig: PlatformInput = {
  // What an adopter fills in (account, domains, admin networks, …): config/site.ts.
  site: siteConfig,
  partOf: 'flextime',
  // Matches the minor of the API server `npm run verify` runs and of the EKS cluster.
  podSecurityVersion: 'v1.32',
  otelEndpoint: 'http://otel-collector.observability.svc.cluster.local:4317',
  otelProtocol: 'grpc',
  clusters: [
    // ArgoCD runs inside this cluster, so it reaches the API server at the in-cluster address.
    // Moving production to its own cluster = add it here and set `cluster` in production.ts.
    {
      name: 'flextime',
      server: 'https://kubernetes.default.svc',
      // The cluster hosts production: its add-ons and cluster-wide objects sync in production's window.
      syncWindow: { schedule: '0 10 * * 1-4', duration: '6h', timeZone: 'America/Chicago' },
      network: FLEXTIME_VPC,
    },
  ],
  platformPriorityClass: PLATFORM_PRIORITY_CLASS,
  priorityClasses: [
    // Above every production class: ingress, monitoring, secrets, certificates, autoscalers and
    // tracing serve production, so production never preempts them (add-ons name it in their values).
    { name: PLATFORM_PRIORITY_CLASS, value: 1_000_000, description: 'Platform add-ons and tracing that production depends on: outrank every workload.' },
    { name: 'flextime-critical', value: 100_000, description: 'User-facing request path (api-svc, PgBouncer, Redis): evicts lower classes under pressure.' },
    { name: 'flextime-standard', value: 10_000, description: 'Background services that must keep running (scheduler-svc workers).' },
    { name: 'flextime-batch', value: 1_000, preemptionPolicy: 'Never', description: 'Backups, restore checks and load tests: wait for room, never evict others.' },
    // Below every production class: development and staging share production's nodes (environments[].priorityClass);
    // staging (production's rehearsal) outranks development, neither preempts.
    { name: 'flextime-staging', value: 200, preemptionPolicy: 'Never', description: 'Every pod of staging: never evicts others, gives way to production, outranks development.' },
    { name: 'flextime-development', value: 100, preemptionPolicy: 'Never', description: 'Every pod of development and the load generators: never evicts others, first to go when the cluster needs room.' },
  ],
  services: [
    {
      name: 'api-svc',
      component: 'api',
      description: 'Node.js HTTP API for schedules, teams and venues',
      port: 3000,
      priorityClass: 'flextime-critical',
      health: { liveness: '/healthz', readiness: '/readyz' },
      // Its own port: the HTTP port is what the public Ingress routes, so /metrics there would be public.
      metrics: { path: '/metrics', port: 9464 },
      terminationGracePeriodSeconds: 40,
      preStopSleepSeconds: 10, // ingress-nginx and kube-proxy drop the endpoint before SIGTERM
      minAvailable: 2, // where replicas.min > 2 (production); smaller envs fall back to maxUnavailable 1
      secrets: ['DATABASE_URL', 'REDIS_PASSWORD', 'JWT_SIGNING_KEY', 'OIDC_CLIENT_SECRET'],
      autoscaling: {
        kind: 'hpa',
        cpuUtilization: 70,
        memoryUtilization: 80,
        scaleDownStabilizationSeconds: 300,
        scaleUpPercent: 100,
        scaleUpPeriodSeconds: 15,
      },
    },
    {
      name: 'scheduler-svc',
      component: 'scheduler',
      description: 'Python OR-Tools solver consuming schedule-generation jobs from a Redis list',
      port: 8080,
      priorityClass: 'flextime-standard',
      health: { liveness: '/healthz', readiness: '/readyz' },
      metrics: { path: '/metrics', port: 9090 }, // prometheus_client's own HTTP server
      // A solve runs up to 5 minutes; SIGTERM stops taking jobs, the current one may finish.
      terminationGracePeriodSeconds: 330,
      preStopSleepSeconds: 5,
      secrets: ['DATABASE_URL', 'REDIS_PASSWORD'],
      autoscaling: {
        kind: 'redis-queue',
        listName: 'flextime:schedule-jobs',
        listLength: 2, // two queued solves per worker before another starts
        activationListLength: 0,
        pollingIntervalSeconds: 15,
        cooldownPeriodSeconds: 300,
        fallback: { failureThreshold: 3, replicas: 2 },
        runAs: 'deployment',
      },
    },
  ],
  environments: [development, staging, production],
  secretStore: { name: 'aws-secrets-manager', region: 'us-east-2', refreshInterval: '1h' },
  // Secrets Manager names below flextime/<env>/ (Terraform creates redis-auth-token).
  secrets: {
    DATABASE_URL: { key: 'app/database', property: 'url' },
    REDIS_PASSWORD: { key: 'redis-auth-token' },
    JWT_SIGNING_KEY: { key: 'api-svc/jwt', property: 'signingKey' },
    OIDC_CLIENT_SECRET: { key: 'api-svc/oidc', property: 'clientSecret' },
    // charts/database.ts: PgBouncer's login for the app role, pg_dump's role, the RDS CA bundle (PEM).
    DATABASE_APP_PASSWORD: { key: 'app/database', property: 'password' },
    DATABASE_BACKUP_PASSWORD: { key: 'database/backup', property: 'password' },
    // charts/database-exporter.ts: postgres_exporter's login (pg_monitor only).
    DATABASE_MONITOR_PASSWORD: { key: 'database/monitor', property: 'password' },
    RDS_CA_BUNDLE: { key: 'database/rds-ca-bundle' },
  },
  maxSurgePercent: 25,
  aws: awsConfig,
  sso: ssoConfig,
  network: networkConfig,
  ingress: ingressConfig,
  observability: observabilityConfig,
  security: securityConfig,
  gitops: gitopsConfig,
  addons: addonsConfig,
  // Add-on charts set CPU and memory, rarely disk: these apply to their containers that set none.
  addonEphemeralStorage: { defaultRequest: '64Mi', default: '1Gi' },
  database: databaseConfig,
  storage: storageConfig,
  loadTesting: loadTestingConfig,
};
