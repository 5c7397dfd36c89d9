/** Development: small, cheap, tags allowed, scheduler may scale to zero. */
import type { EnvironmentInput } from '../index.ts';
import { S3_PREFIX_LIST_US_EAST_2 } from '../network-ranges.ts';
import { filled } from '../schema-site.ts';
import { siteConfig } from '../site.ts';

export const development: EnvironmentInput = {
  name: 'development',
  domain: filled(siteConfig.environments.development!.domain),
  logLevel: 'debug',
  features: { conflictExplanations: true, sportSpecificSolvers: true, travelOptimization: true },
  quota: {
    requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '12', limitsMemory: '24Gi',
    pods: 30, services: 15, persistentVolumeClaims: 5,
  },
  // ephemeralStorage max: the restore check's 20Gi scratch volume counts against its container.
  containerLimits: {
    defaultRequest: { cpu: '50m', memory: '64Mi', ephemeralStorage: '64Mi' },
    default: { cpu: '500m', memory: '512Mi', ephemeralStorage: '256Mi' },
    max: { cpu: '2', memory: '4Gi', ephemeralStorage: '24Gi' },
  },
  security: { enforcementAction: 'warn', requireImageDigest: false, vulnerabilityAlert: 'none', imageSignatures: 'off' },
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
  access: { developers: 'edit', onCall: false, platformAdmins: 'admin' },
  redis: {
    mode: 'in-cluster',
    image: 'ghcr.io/flextime/redis:7.4.1-alpine',
    exporterImage: 'ghcr.io/flextime/redis-exporter:v1.67.0',
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    exporterResources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    storage: '2Gi',
    maxMemory: '256Mi',
  },
  // PgBouncer per replica; RDS db.t4g.medium allows about 400 connections (terraform-bootstrap/environment/locals.tf tier).
  database: {
    serverConnectionLimit: 400,
    pgbouncer: { replicas: 1, maxClientConn: 200, defaultPoolSize: 10, minPoolSize: 0, reservePoolSize: 2, maxDbConnections: 20 },
  },
  // Shares the cluster with production: never outranks it (config/platform.ts priorityClasses).
  priorityClass: 'flextime-development',
  services: {
    'api-svc': {
      image: 'ghcr.io/flextime/api-svc:1.5.0-rc.1',
      replicas: { min: 1, max: 3 },
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    },
    'scheduler-svc': {
      image: 'ghcr.io/flextime/scheduler-svc:2.2.0-rc.1',
      replicas: { min: 0, max: 2 },
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    },
  },
};
