/** Staging: production-shaped (digests, HA) at a smaller size. */
import type { EnvironmentInput } from '../index.ts';
import { OIDC_ISSUER_RANGES, privateSubnets, S3_PREFIX_LIST_US_EAST_2 } from '../network-ranges.ts';

export const staging: EnvironmentInput = {
  name: 'staging',
  domain: 'staging.flextime.app',
  logLevel: 'info',
  features: { conflictExplanations: true, sportSpecificSolvers: true, travelOptimization: false },
  quota: {
    requestsCpu: '8', requestsMemory: '16Gi', limitsCpu: '24', limitsMemory: '48Gi',
    pods: 50, services: 15, persistentVolumeClaims: 5,
  },
  containerLimits: {
    defaultRequest: { cpu: '100m', memory: '128Mi' },
    default: { cpu: '500m', memory: '512Mi' },
    max: { cpu: '2', memory: '4Gi' },
  },
  // Network peers by address (terraform-bootstrap/environments/staging.tfvars: vpc_cidr 10.20.0.0/16); docs/network.md.
  network: {
    cidrs: {
      rds: privateSubnets('10.20.0.0/16'),
      s3: S3_PREFIX_LIST_US_EAST_2,
      'vpc-endpoints': privateSubnets('10.20.0.0/16'),
      'oidc-issuer': OIDC_ISSUER_RANGES,
    },
  },
  ingress: { issuer: 'letsencrypt-production', rateLimit: { rps: 20, burstMultiplier: 5, connections: 20 } },
  access: { developers: 'view', onCall: false },
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
