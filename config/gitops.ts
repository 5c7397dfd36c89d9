/**
 * How ArgoCD delivers this repository: where it clones from, who may do what, where failures are
 * announced, and in which order components sync. Per-environment differences (production's sync
 * window, PruneLast, read-only developers) live in environments/*.ts (`gitops`). See docs/gitops.md.
 */
import type { PlatformInput } from './schema.ts';

export const gitopsConfig: PlatformInput['gitops'] = {
  repoURL: 'https://github.com/flextime/flextime-platform.git',
  targetRevision: 'main',
  namespace: 'argocd',
  controlCluster: 'flextime',
  revisionHistoryLimit: 10,
  // 30 s, 1 m, 2 m, 4 m, 5 m: rides out a webhook or CRD that is still starting.
  retry: { limit: 5, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } },
  notifications: {
    service: 'slack',
    channel: 'flextime-deploys',
    triggers: ['on-sync-failed', 'on-health-degraded'],
  },
  // Every folder under dist/ is one component; a new chart must be placed here (synth says so).
  syncWaves: [
    { stage: 'namespaces and policies', wave: 0, components: ['namespaces', 'security', 'network-policies', 'rbac', 'storage'] },
    { stage: 'config and secrets', wave: 10, components: ['config', 'secrets'] },
    { stage: 'data', wave: 20, components: ['redis', 'database', 'pgbouncer', 'backup'] },
    { stage: 'apps', wave: 30, components: ['api-svc', 'scheduler-svc'] },
    { stage: 'ingress and monitoring', wave: 40, components: ['ingress', 'monitoring', 'alerting', 'dashboards', 'tracing'] },
    // Last: they drive and break what the stages above deployed (docs/runbooks/load-and-chaos.md).
    { stage: 'load and chaos tests', wave: 50, components: ['performance', 'chaos'] },
  ],
};
