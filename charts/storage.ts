/**
 * dist/cluster/storage: the StorageClasses of config `storage.classes`, served by the EBS CSI
 * driver (EKS managed add-on, terraform-bootstrap/cluster/eks-addons.tf). Every volume is
 * encrypted with the cluster's EBS key, found by the alias Terraform gives it in every cluster's
 * account, so the same file fits every cluster.
 */
import type { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Platform } from '../config/index.ts';
import type { StorageClass } from '../config/schema.ts';
import { defaultStorageClass } from '../config/schema.ts';
import { recommendedLabels } from '../lib/labels.ts';
import { clusterChart } from './context.ts';

const SOURCE = 'charts/storage.ts';
/** The CSI driver of the EKS `aws-ebs-csi-driver` add-on. */
export const EBS_CSI_PROVISIONER = 'ebs.csi.aws.com';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

/**
 * The StorageClass a claim gets when its config names none: charts write it into every claim, so
 * a claim's dependency on its class is explicit (and never on whichever class is default at the time).
 */
export function storageClassFor(platform: Platform, named: string | undefined): string {
  return named ?? defaultStorageClass(platform.storage);
}

/** The EBS CSI driver's parameters of a class (kubernetes-sigs/aws-ebs-csi-driver/docs/parameters.md upstream). */
export function ebsParameters(c: StorageClass): Record<string, string> {
  return {
    type: c.type,
    encrypted: String(c.encrypted),
    kmsKeyId: `alias/${c.kmsKeyAlias}`,
    'csi.storage.k8s.io/fstype': c.fsType,
  };
}

export function storageChart(app: App, platform: Platform): void {
  const chart = clusterChart(app, 'storage', SOURCE);
  for (const c of platform.storage.classes) {
    new k8s.KubeStorageClass(chart, c.name, {
      metadata: {
        name: c.name,
        labels: recommendedLabels({ name: c.name, instance: c.name, component: 'storage-class', partOf: platform.partOf }),
        // Kubernetes reads only the string "true"; every other class says "false" so the choice is visible.
        annotations: { [DEFAULT_CLASS_ANNOTATION]: String(c.default) },
      },
      provisioner: EBS_CSI_PROVISIONER,
      parameters: ebsParameters(c),
      reclaimPolicy: c.reclaimPolicy,
      volumeBindingMode: c.volumeBindingMode,
      allowVolumeExpansion: c.allowVolumeExpansion,
    });
  }
}
