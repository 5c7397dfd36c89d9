/**
 * How ArgoCD delivers this repository: where it clones from, who may do what, where failures are
 * announced, and what the clusters have before anything syncs (the sync order itself is derived:
 * docs/bootstrap-order.md). Per-environment differences (production's sync window, PruneLast,
 * read-only developers) live in environments/*.ts (`gitops`). See docs/gitops.md.
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
  // Sync order is derived (charts/bootstrap-order.ts, docs/bootstrap-order.md); here only what the
  // clusters have before anything syncs, besides Kubernetes' own objects and the Terraform outputs.
  external: [
    // TEMPORARY: no StorageClass is rendered yet (issue 16: the EKS part renders the encrypted gp3
    // default class into dist/cluster). Synth fails with "provided by both" once it lands: delete these.
    { group: 'storage.k8s.io', kind: 'StorageClass', name: 'gp3', from: 'EKS part of issue 16 (pending)' },
    { group: 'storage.k8s.io', kind: 'StorageClass', name: '(default)', from: 'EKS part of issue 16 (pending)' },
    // TEMPORARY: ingress-nginx's Service (aws-load-balancer-type: external) needs the AWS Load
    // Balancer Controller, which the EKS part of issue 16 adds as an add-on serving this kind.
    { group: 'elbv2.k8s.aws', kind: 'TargetGroupBinding', from: 'EKS part of issue 16 (pending): AWS Load Balancer Controller' },
  ],
};
