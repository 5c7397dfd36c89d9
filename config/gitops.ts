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
    // The EBS CSI driver is an EKS managed add-on (terraform-bootstrap/cluster/eks-addons.tf,
    // aws_eks_addon.ebs_csi): it exists before ArgoCD, and the gp3 StorageClass names it.
    { group: 'storage.k8s.io', kind: 'CSIDriver', name: 'ebs.csi.aws.com', from: 'EKS managed add-on aws-ebs-csi-driver (terraform-bootstrap/cluster/eks-addons.tf)' },
    // ArgoCD's own namespace: the notification service's Slack token (dist/cluster/alerting) lives there.
    { group: '', kind: 'Namespace', name: 'argocd', from: 'the ArgoCD Helm release (terraform-bootstrap/cluster/argocd.tf, create_namespace)' },
  ],
};
