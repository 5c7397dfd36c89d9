/**
 * Schema of the cluster's block storage: the StorageClasses charts/storage.ts renders into
 * dist/cluster/storage, provisioned by the EBS CSI driver (an EKS managed add-on,
 * terraform-bootstrap/cluster/eks-addons.tf). Part of the platform schema in ./schema.ts
 * (`storage`).
 *
 * This module must not import ./schema.ts (schema.ts imports it). `checkStorage` holds the rules
 * that look at other sections (the workloads that claim volumes); schema.ts calls it.
 */
import { z } from 'zod';
import { dnsLabel } from './schema-primitives.ts';

/** A KMS alias name without `alias/` (what aws_kms_alias.name holds after the prefix). */
const kmsAliasName = z.string().regex(/^[a-zA-Z0-9/_-]{1,250}$/, 'must be a KMS alias name without "alias/", such as "flextime-ebs"')
  .refine((a) => !a.startsWith('aws/'), 'must not start with "aws/" (AWS-managed keys are not ours to rotate or restrict)');

/**
 * One EBS-backed StorageClass (provisioner ebs.csi.aws.com).
 * @see https://kubernetes.io/docs/concepts/storage/storage-classes/
 * @see https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md
 */
export const storageClass = z.object({
  name: dnsLabel,
  /** `storageclass.kubernetes.io/is-default-class`: exactly one class is the cluster's default. */
  default: z.boolean(),
  /** EBS volume type. */
  type: z.enum(['gp3', 'gp2', 'io2', 'io1', 'st1', 'sc1']),
  /** Volumes are always encrypted: the field exists so the choice is visible, not so it can be turned off. */
  encrypted: z.literal(true),
  /**
   * Customer-managed KMS key, by alias: Terraform creates the key with this alias in every
   * cluster's account and region (generated.auto.tfvars.json `ebs_kms_key_alias`), so one
   * StorageClass in dist/cluster fits every cluster. An alias, not an ARN: the ARN differs per cluster.
   */
  kmsKeyAlias: kmsAliasName,
  /** Filesystem the driver formats a new volume with. */
  fsType: z.enum(['ext4', 'xfs']),
  /** What happens to the EBS volume when its claim is deleted. */
  reclaimPolicy: z.enum(['Retain', 'Delete']),
  /** WaitForFirstConsumer creates the volume in the zone the pod is scheduled to (EBS is zonal). */
  volumeBindingMode: z.enum(['WaitForFirstConsumer', 'Immediate']),
  /** Claims may grow in place (the driver resizes the volume and the filesystem online). */
  allowVolumeExpansion: z.boolean(),
}).strict();
export type StorageClass = z.infer<typeof storageClass>;

export const storage = z.object({
  /** StorageClasses of every cluster (dist/cluster/storage). */
  classes: z.array(storageClass).min(1),
}).strict().superRefine((s, ctx) => {
  const defaults = s.classes.filter((c) => c.default).map((c) => c.name);
  if (defaults.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['classes'],
      message: `exactly one StorageClass must be the default, not ${defaults.length}${defaults.length ? ` (${defaults.join(', ')})` : ''}: claims without a class get it`,
    });
  }
  const aliases = new Set(s.classes.map((c) => c.kmsKeyAlias));
  if (aliases.size > 1) {
    ctx.addIssue({ code: 'custom', path: ['classes'], message: `all classes must share one kmsKeyAlias (Terraform creates one EBS key per cluster), not ${[...aliases].join(', ')}` });
  }
});
export type Storage = z.infer<typeof storage>;

/** The name of the default StorageClass: what every claim that names no class gets (charts name it explicitly). */
export function defaultStorageClass(s: Storage): string {
  return s.classes.find((c) => c.default)?.name ?? s.classes[0]!.name;
}

/**
 * Every claim that names a class names one the platform renders: a claim for a class that does
 * not exist stays Pending forever, and its StatefulSet never becomes Healthy.
 */
export function checkStorage(
  p: {
    storage: Storage;
    environments: ReadonlyArray<{ redis: { mode: string; storageClassName?: string } }>;
    database: { pushgateway: { storageClassName?: string } };
  },
  ctx: z.RefinementCtx,
): void {
  const names = p.storage.classes.map((c) => c.name);
  const check = (name: string | undefined, path: (string | number)[]) => {
    if (name !== undefined && !names.includes(name)) {
      ctx.addIssue({ code: 'custom', path, message: `unknown StorageClass '${name}'; allowed: ${names.join(', ')} (storage.classes)` });
    }
  };
  p.environments.forEach((env, i) => check(env.redis.storageClassName, ['environments', i, 'redis', 'storageClassName']));
  check(p.database.pushgateway.storageClassName, ['database', 'pushgateway', 'storageClassName']);
}
