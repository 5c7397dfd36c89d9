/**
 * Stand-in for the EBS CSI driver's provisioner (ebs.csi.aws.com): the e2e has no disks, so this
 * watches PersistentVolumeClaims the way an external provisioner does and creates the
 * PersistentVolume for each, leaving the binding itself to kube-controller-manager's PV
 * controller and the scheduler — so claims bind only when the real rules allow it:
 *   - the claim's StorageClass exists and names this provisioner (the PV controller has set
 *     `volume.kubernetes.io/storage-provisioner` on the claim);
 *   - with volumeBindingMode WaitForFirstConsumer, only after the scheduler picked a node
 *     (`volume.kubernetes.io/selected-node`); the volume is then pinned to that node's zone,
 *     as an EBS volume is.
 * Released volumes with reclaimPolicy Delete are deleted (the driver deleting the disk).
 */
import { Kube, kubePath, KubeError, type KubeObject } from './kube.ts';

export const EBS_PROVISIONER = 'ebs.csi.aws.com';
const ZONE = 'topology.kubernetes.io/zone';

export interface VolumeProvisioner {
  /** Volumes created so far (namespace/claim). */
  readonly provisioned: string[];
  readonly errors: string[];
  stop(): void;
}

export function startVolumeProvisioner(kube: Kube, log: (line: string) => void = () => {}): VolumeProvisioner {
  const provisioned: string[] = [];
  const errors: string[] = [];
  const inFlight = new Set<string>();
  let stopped = false;
  const abort = new AbortController();

  async function provision(pvc: KubeObject): Promise<void> {
    const ns = pvc.metadata!.namespace as string;
    const name = pvc.metadata!.name as string;
    const ann = (pvc.metadata!.annotations ?? {}) as Record<string, string>;
    if (pvc.status?.phase !== 'Pending' || pvc.spec?.volumeName) return;
    if ((ann['volume.kubernetes.io/storage-provisioner'] ?? ann['volume.beta.kubernetes.io/storage-provisioner']) !== EBS_PROVISIONER) return;
    const className = pvc.spec?.storageClassName as string | undefined;
    if (!className) return;
    const sc = await kube.find(`/apis/storage.k8s.io/v1/storageclasses/${className}`);
    if (!sc || sc.provisioner !== EBS_PROVISIONER) return;
    const selectedNode = ann['volume.kubernetes.io/selected-node'];
    if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !selectedNode) return;
    const key = `${ns}/${name}`;
    if (inFlight.has(key)) return;
    inFlight.add(key);
    try {
      let zone: string | undefined;
      if (selectedNode) zone = (await kube.find(`/api/v1/nodes/${selectedNode}`))?.metadata?.labels?.[ZONE];
      const pvName = `pvc-${pvc.metadata!.uid}`;
      await kube.ensure('/api/v1/persistentvolumes', {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pvName, annotations: { 'pv.kubernetes.io/provisioned-by': EBS_PROVISIONER }, labels: zone ? { [ZONE]: zone } : {} },
        spec: {
          capacity: { storage: pvc.spec.resources?.requests?.storage ?? '1Gi' },
          accessModes: pvc.spec.accessModes ?? ['ReadWriteOnce'],
          volumeMode: pvc.spec.volumeMode ?? 'Filesystem',
          storageClassName: className,
          persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name, uid: pvc.metadata!.uid },
          csi: { driver: EBS_PROVISIONER, volumeHandle: `vol-e2e-${pvc.metadata!.uid}`, fsType: 'ext4' },
          ...(zone ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: [zone] }] }] } } } : {}),
        },
      });
      provisioned.push(key);
      log(`volume-provisioner: ${pvName} for ${key}${zone ? ` in ${zone}` : ''}`);
    } catch (e) {
      errors.push(`${key}: ${(e as Error).message}`);
    } finally {
      inFlight.delete(key);
    }
  }

  async function reclaim(pv: KubeObject): Promise<void> {
    if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    if (pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] !== EBS_PROVISIONER) return;
    try {
      await kube.delete(`/api/v1/persistentvolumes/${pv.metadata!.name}`);
      log(`volume-provisioner: deleted released ${pv.metadata!.name}`);
    } catch (e) {
      if (!(e instanceof KubeError && e.status === 404)) errors.push(`${pv.metadata!.name}: ${(e as Error).message}`);
    }
  }

  // Two watches that run until stop(): each event is handled as it arrives.
  const run = (path: string, handle: (o: KubeObject) => Promise<void>) =>
    kube
      .waitFor({ path, what: 'stop', timeoutMs: 24 * 3600_000, signal: abort.signal }, (objs) => {
        if (stopped) return true;
        for (const o of objs) void handle(o);
        return undefined;
      })
      .catch((e) => {
        if (!stopped) errors.push(`watch ${path}: ${(e as Error).message}`);
      });
  void run(kubePath('v1', 'persistentvolumeclaims'), provision);
  void run(kubePath('v1', 'persistentvolumes'), reclaim);

  return {
    provisioned,
    errors,
    stop: () => {
      stopped = true;
      abort.abort();
    },
  };
}
