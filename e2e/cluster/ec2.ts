/**
 * EC2 facts the e2e needs to turn an instance type into a node's capacity and allocatable, kept
 * independent of the node-group config (a small table; add a row when config uses a new type).
 *
 * Sources: vCPU and memory from the EC2 instance-type pages; ENIs and IPv4 addresses per ENI
 * from the EC2 "IP addresses per network interface" table, which the VPC CNI's max pods derive
 * from: maxPods = ENIs × (IPv4 per ENI − 1) + 2 (amazon-eks-ami `eni-max-pods.txt`, no prefix
 * delegation).
 */
export interface InstanceFacts { vcpu: number; memoryMiB: number; enis: number; ipv4PerEni: number }

export const EC2_INSTANCE_TYPES: Readonly<Record<string, InstanceFacts>> = {
  'm5.large': { vcpu: 2, memoryMiB: 8 * 1024, enis: 3, ipv4PerEni: 10 },
  'm5.xlarge': { vcpu: 4, memoryMiB: 16 * 1024, enis: 4, ipv4PerEni: 15 },
  'm6a.large': { vcpu: 2, memoryMiB: 8 * 1024, enis: 3, ipv4PerEni: 10 },
  'm6a.xlarge': { vcpu: 4, memoryMiB: 16 * 1024, enis: 4, ipv4PerEni: 15 },
  'm6i.large': { vcpu: 2, memoryMiB: 8 * 1024, enis: 3, ipv4PerEni: 10 },
  'm6i.xlarge': { vcpu: 4, memoryMiB: 16 * 1024, enis: 4, ipv4PerEni: 15 },
  'm6i.2xlarge': { vcpu: 8, memoryMiB: 32 * 1024, enis: 4, ipv4PerEni: 15 },
};

export function instanceFacts(type: string): InstanceFacts {
  const f = EC2_INSTANCE_TYPES[type];
  if (!f) throw new Error(`instance type '${type}' is not in e2e/cluster/ec2.ts; add its vCPU, memory, ENIs and IPv4 per ENI there`);
  return f;
}

/** VPC CNI max pods (no prefix delegation): ENIs × (IPv4 per ENI − 1) + 2. m6i.large = 29, m6i.xlarge = 58. */
export const maxPods = (f: InstanceFacts): number => f.enis * (f.ipv4PerEni - 1) + 2;

/**
 * kube-reserved as the EKS AMI computes it (amazon-eks-ami bootstrap.sh / nodeadm kubelet config):
 *   cpu:    6 % of the first core + 1 % of the second + 0.5 % of cores 3–4 + 0.25 % of every further core
 *   memory: 255 MiB + 11 MiB × maxPods
 * plus the kubelet's hard eviction threshold memory.available = 100 MiB.
 * Capacity here is the nominal instance size; a real node reports a few % less memory (kernel).
 */
type Resources = { cpu: string; memory: string; pods: string; 'ephemeral-storage': string };

/**
 * `rootVolumeGiB` is the node's root EBS volume (the launch template's volume_size): the kubelet's
 * ephemeral-storage. Allocatable keeps the EKS AMI's kube-reserved 1 GiB and the hard eviction
 * threshold nodefs.available 10 %.
 */
export function allocatable(type: string, rootVolumeGiB: number): { capacity: Resources; allocatable: Resources } {
  const f = instanceFacts(type);
  const pods = maxPods(f);
  const coreMilli = [60, 10, 5, 5];
  let reservedMilli = 0;
  for (let core = 0; core < f.vcpu; core++) reservedMilli += core < 4 ? coreMilli[core] : 2.5;
  const reservedMemMiB = 255 + 11 * pods + 100;
  const diskMiB = rootVolumeGiB * 1024;
  return {
    capacity: { cpu: String(f.vcpu), memory: `${f.memoryMiB}Mi`, pods: String(pods), 'ephemeral-storage': `${diskMiB}Mi` },
    allocatable: {
      cpu: `${f.vcpu * 1000 - Math.ceil(reservedMilli)}m`,
      memory: `${f.memoryMiB - reservedMemMiB}Mi`,
      pods: String(pods),
      'ephemeral-storage': `${Math.floor(diskMiB * 0.9) - 1024}Mi`,
    },
  };
}
