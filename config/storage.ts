/**
 * Block storage of every cluster: the StorageClasses charts/storage.ts renders into
 * dist/cluster/storage. The EBS CSI driver that serves them, its IAM role and the KMS key are
 * Terraform's (terraform-bootstrap/cluster/eks-addons.tf); the key's alias comes from here.
 */
import type { PlatformInput } from './schema.ts';

export const storageConfig: PlatformInput['storage'] = {
  classes: [
    {
      // The name Redis, Pushgateway and Jaeger claim (charts name it explicitly, so the
      // dependency on this class is visible in every claim).
      name: 'gp3',
      default: true,
      type: 'gp3',
      encrypted: true,
      kmsKeyAlias: 'flextime-ebs',
      fsType: 'ext4',
      // Retain: deleting a claim (a pruned StatefulSet claim, a deleted namespace, a mistaken
      // `kubectl delete pvc`) must not destroy queued jobs, traces or backup metrics; the released
      // volume can be re-bound, and is deleted by hand (docs/runbooks/storage.md). The cost is a
      // few GiB of orphaned gp3 until then.
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    },
  ],
};
