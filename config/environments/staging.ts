/** Staging: production-shaped (digests, HA) at a smaller size. */
import type { EnvironmentInput } from '../index.ts';
import { stagingChaos } from '../load-and-chaos.ts';
import { S3_PREFIX_LIST_US_EAST_2 } from '../network-ranges.ts';
import { filled } from '../schema-site.ts';
import { siteConfig } from '../site.ts';

export const staging: EnvironmentInput = {
  name: 'staging',
  domain: filled(siteConfig.environments.staging!.domain),
  logLevel: 'info',
  features: { conflictExplanations: true, sportSpecificSolvers: true, travelOptimization: false },
  quota: {
    requestsCpu: '8', requestsMemory: '16Gi', limitsCpu: '24', limitsMemory: '48Gi',
    pods: 50, services: 15, persistentVolumeClaims: 5,
  },
  // ephemeralStorage max: the restore check's 20Gi scratch volume counts against its container.
  containerLimits: {
    defaultRequest: { cpu: '100m', memory: '128Mi', ephemeralStorage: '64Mi' },
    default: { cpu: '500m', memory: '512Mi', ephemeralStorage: '256Mi' },
    max: { cpu: '2', memory: '4Gi', ephemeralStorage: '24Gi' },
  },
  security: { enforcementAction: 'deny', requireImageDigest: true, vulnerabilityAlert: 'warning', imageSignatures: 'warn' },
  // Network peers: inside the cluster VPC by subnet name (clusters[].network, config/network-ranges.ts), outside by range; docs/network.md.
  network: {
    cidrs: {
      rds: 'data-subnets',
      s3: S3_PREFIX_LIST_US_EAST_2,
      'vpc-endpoints': 'endpoint-subnets',
      'oidc-issuer': filled(siteConfig.ssoIssuerRanges),
    },
  },
  ingress: { issuer: 'letsencrypt-production', rateLimit: { rps: 20, burstMultiplier: 5, connections: 20 } },
  access: { developers: 'view', onCall: false, platformAdmins: 'admin' },
  redis: {
    mode: 'in-cluster',
    image: 'ghcr.io/flextime/redis:7.4.1-alpine@sha256:c1e88455c85225310bbea54816e9c3f4b5295815e6dbf80c34d40afc6df28275',
    exporterImage: 'ghcr.io/flextime/redis-exporter:v1.67.0@sha256:3ea6bc4a1b7ab1bb3e4ed1dbe3ee4c6e9fc9cd1a20fa62a19e0db3b1f2c46f1e',
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
    exporterResources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    storage: '8Gi',
    maxMemory: '512Mi',
  },
  // PgBouncer per replica; RDS db.t4g.large allows about 800 connections (terraform-bootstrap/environment/locals.tf tier).
  database: {
    serverConnectionLimit: 800,
    pgbouncer: { replicas: 2, maxClientConn: 500, defaultPoolSize: 20, minPoolSize: 2, reservePoolSize: 5, maxDbConnections: 40 },
  },
  // Chaos Mesh experiments during the nightly load test (config/load-and-chaos.ts).
  chaos: stagingChaos,
  // Shares the cluster with production: never outranks it (config/platform.ts priorityClasses).
  priorityClass: 'flextime-staging',
  services: {
    'api-svc': {
      image: 'ghcr.io/flextime/api-svc:1.5.0-rc.1@sha256:7ed80f6a81ad0833f390dad47a2eb32a07de3d479c0ee27519f7fb1431b614e3',
      replicas: { min: 2, max: 6 },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    },
    'scheduler-svc': {
      image: 'ghcr.io/flextime/scheduler-svc:2.2.0-rc.1@sha256:a2fce31e0c99e2ab6ebd82af337fddd215eb67ff4479171c47ae21e31a0b5535',
      replicas: { min: 1, max: 4 },
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    },
  },
};
