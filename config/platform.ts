/**
 * Values shared by every environment. Per-environment values live in ./environments/ and
 * only there; nothing is merged, each field has one home.
 */
import type { PlatformInput } from './schema.ts';
import { development } from './environments/development.ts';
import { staging } from './environments/staging.ts';
import { production } from './environments/production.ts';
import { awsConfig } from './aws.ts';
import { ingressConfig, networkConfig, ssoConfig } from './network.ts';

export const platformConfig: PlatformInput = {
  partOf: 'flextime',
  // Matches the minor of the API server `npm run verify` runs and of the EKS cluster.
  podSecurityVersion: 'v1.32',
  otelEndpoint: 'http://otel-collector.observability.svc.cluster.local:4317',
  clusters: [
    // ArgoCD runs inside this cluster, so it reaches the API server at the in-cluster address.
    // Moving production to its own cluster = add it here and set `cluster` in production.ts.
    { name: 'flextime', server: 'https://kubernetes.default.svc' },
  ],
  priorityClasses: [
    { name: 'flextime-critical', value: 100_000, description: 'User-facing request path (api-svc, PgBouncer, Redis): evicts lower classes under pressure.' },
    { name: 'flextime-standard', value: 10_000, description: 'Background services that must keep running (scheduler-svc workers).' },
    { name: 'flextime-batch', value: 1_000, preemptionPolicy: 'Never', description: 'Backups, restore checks and load tests: wait for room, never evict others.' },
  ],
  services: [
    {
      name: 'api-svc',
      component: 'api',
      description: 'Node.js HTTP API for schedules, teams and venues',
      port: 3000,
      priorityClass: 'flextime-critical',
    },
    {
      name: 'scheduler-svc',
      component: 'scheduler',
      description: 'Python OR-Tools solver consuming schedule-generation jobs from a Redis list',
      port: 8080,
      priorityClass: 'flextime-standard',
    },
  ],
  environments: [development, staging, production],
  aws: awsConfig,
  sso: ssoConfig,
  network: networkConfig,
  ingress: ingressConfig,
};
