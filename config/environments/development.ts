/** Development: small, cheap, tags allowed, scheduler may scale to zero. */
import type { EnvironmentInput } from '../index.ts';

export const development: EnvironmentInput = {
  name: 'development',
  domain: 'dev.flextime.app',
  logLevel: 'debug',
  features: { conflictExplanations: true, sportSpecificSolvers: true, travelOptimization: true },
  quota: {
    requestsCpu: '4', requestsMemory: '8Gi', limitsCpu: '12', limitsMemory: '24Gi',
    pods: 30, services: 15, persistentVolumeClaims: 5,
  },
  containerLimits: {
    defaultRequest: { cpu: '50m', memory: '64Mi' },
    default: { cpu: '500m', memory: '512Mi' },
    max: { cpu: '2', memory: '4Gi' },
  },
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
