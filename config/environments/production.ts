/** Production: HA floors from the SLOs (min 3 API pods, max 20), images by digest. */
import type { EnvironmentInput } from '../index.ts';
import { S3_PREFIX_LIST_US_EAST_2 } from '../network-ranges.ts';
import { filled } from '../schema-site.ts';
import { siteConfig } from '../site.ts';

export const production: EnvironmentInput = {
  name: 'production',
  domain: filled(siteConfig.environments.production!.domain),
  logLevel: 'info',
  features: { conflictExplanations: true, sportSpecificSolvers: true, travelOptimization: false },
  quota: {
    requestsCpu: '24', requestsMemory: '48Gi', limitsCpu: '64', limitsMemory: '128Gi',
    pods: 100, services: 20, persistentVolumeClaims: 5,
  },
  // ephemeralStorage max: the restore check's 20Gi scratch volume counts against its container.
  containerLimits: {
    defaultRequest: { cpu: '100m', memory: '128Mi', ephemeralStorage: '64Mi' },
    default: { cpu: '1', memory: '1Gi', ephemeralStorage: '256Mi' },
    max: { cpu: '4', memory: '8Gi', ephemeralStorage: '24Gi' },
  },
  // Hard zone spread: a zone outage may take only a third of a service's pods (its PDB's allowance).
  zoneSpread: 'DoNotSchedule',
  security: { enforcementAction: 'deny', requireImageDigest: true, vulnerabilityAlert: 'critical', imageSignatures: 'enforce' },
  // Network peers: inside the cluster VPC by subnet name (clusters[].network, config/network-ranges.ts), outside by range; docs/network.md.
  network: {
    cidrs: {
      rds: 'data-subnets',
      elasticache: 'data-subnets',
      s3: S3_PREFIX_LIST_US_EAST_2,
      'vpc-endpoints': 'endpoint-subnets',
      'oidc-issuer': filled(siteConfig.ssoIssuerRanges),
    },
  },
  ingress: { issuer: 'letsencrypt-production', rateLimit: { rps: 50, burstMultiplier: 5, connections: 50 } },
  access: { developers: 'view', onCall: true, platformAdmins: 'restart' },
  // Automated sync only Mon-Thu 10:00-16:00 Central (people are around); admins may sync by hand.
  gitops: {
    pruneLast: true,
    syncWindow: { schedule: '0 10 * * 1-4', duration: '6h', timeZone: 'America/Chicago' },
    developerAccess: 'read-only',
    notifyChannel: 'flextime-alerts',
  },
  // ElastiCache (Multi-AZ, TLS): endpoint and port are this environment's Terraform outputs.
  redis: { mode: 'external', tls: true },
  // PgBouncer per replica; RDS db.r6g.large allows about 1600 connections (terraform-bootstrap/environment/locals.tf tier).
  database: {
    serverConnectionLimit: 1600,
    pgbouncer: { replicas: 3, maxClientConn: 1000, defaultPoolSize: 40, minPoolSize: 5, reservePoolSize: 10, maxDbConnections: 80 },
    // Reads of api-svc go to the read replica (same instance class, same connection limit).
    readPool: { replicas: 2, maxClientConn: 1000, defaultPoolSize: 40, minPoolSize: 5, reservePoolSize: 10, maxDbConnections: 80 },
  },
  services: {
    'api-svc': {
      image: 'ghcr.io/flextime/api-svc:1.4.2@sha256:a64d77806d2a434e13be6271911aa17d566fc1564b85cbc1c4ed37734e00a06f',
      replicas: { min: 3, max: 20 },
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      // Argo Rollout: 10 → 25 → 50 % of the pods, each step held 5 min while the SLOs hold; else rollback.
      // failureLimit 0: any measurement of the canary above its error budget aborts (a 5xx burst
      // seen by one measurement only — the last one of a step — must not be promoted); no traffic
      // is Inconclusive, not Failed, so a quiet canary pauses for a person instead.
      delivery: {
        kind: 'canary',
        steps: [10, 25, 50],
        analysis: { slos: ['api-availability', 'api-latency-p95'], window: '5m', interval: '1m', count: 5, failureLimit: 0 },
      },
    },
    'scheduler-svc': {
      image: 'ghcr.io/flextime/scheduler-svc:2.1.0@sha256:830066d39248addeb81b0bad5a62a1bfbca69f814a75a59441aca4985f376cbe',
      replicas: { min: 2, max: 10 },
      resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
    },
  },
};
