/**
 * The e2e's simulated nodes, generated from the same node groups Terraform creates
 * (config/node-groups.ts → charts/terraform.ts → generated.auto.tfvars.json `node_groups`):
 * each group at its desired size (minSize, what EKS starts with; there is no cluster autoscaler
 * here), spread round-robin over the cluster's three zones the way an EKS node group balances
 * its Auto Scaling group over the private subnets, with the labels and taints EKS and the group
 * put on a real node and the allocatable the EKS AMI would report (./ec2.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from '../../config/index.ts';
import { nodeGroupLabels, nodeGroupsOf } from '../../charts/terraform.ts';
import { allocatable } from './ec2.ts';
import { KWOK_MANAGED_ANNOTATION } from './control-plane.ts';
import type { KubeObject } from './kube.ts';

export interface NodePlan {
  cluster: string;
  tier: string;
  region: string;
  zones: string[];
  nodes: KubeObject[];
}

/**
 * Terraform takes the first three availability zones of the region in name order
 * (locals.tf `slice(sort(...), 0, 3)`); in us-east-2 those are a, b and c.
 */
export function zonesOf(region: string): string[] {
  return ['a', 'b', 'c'].map((s) => `${region}${s}`);
}

/**
 * The root volume every node gets: terraform-bootstrap/cluster/eks.tf's launch template
 * (block_device_mappings.ebs.volume_size), read from the file Terraform applies.
 */
export function rootVolumeGiB(root = join(import.meta.dirname, '..', '..')): number {
  const file = join(root, 'terraform-bootstrap', 'cluster', 'eks.tf');
  const m = /resource "aws_launch_template" "node"[\s\S]*?block_device_mappings\s*\{[\s\S]*?volume_size\s*=\s*(\d+)/.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${file}: expected aws_launch_template.node to set block_device_mappings.ebs.volume_size`);
  return Number(m[1]);
}

export function planNodes(platform: Platform, cluster = platform.gitops.controlCluster, opts: { perGroup?: number } = {}): NodePlan {
  const region = platform.aws.outputs.clusters[cluster]?.region;
  if (!region) throw new Error(`cluster '${cluster}' has no Terraform outputs (config/terraform-outputs.json): its region is unknown`);
  const zones = zonesOf(region);
  const { tier, groups } = nodeGroupsOf(platform, cluster);
  const nodes: KubeObject[] = [];
  const disk = rootVolumeGiB();
  for (const group of groups) {
    const count = opts.perGroup ?? group.minSize;
    for (let i = 0; i < count; i++) {
      const zone = zones[i % zones.length];
      // On-demand groups launch the first type ("prioritized"); spot spreads over all of them.
      const type = group.capacityType === 'SPOT' ? group.instanceTypes[i % group.instanceTypes.length] : group.instanceTypes[0];
      const name = `${group.name}-${zone}-${Math.floor(i / zones.length) + 1}`;
      const { capacity, allocatable: alloc } = allocatable(type, disk);
      nodes.push({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          annotations: { [KWOK_MANAGED_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'topology.kubernetes.io/region': region,
            'topology.kubernetes.io/zone': zone,
            'node.kubernetes.io/instance-type': type,
            'eks.amazonaws.com/capacityType': group.capacityType,
            'eks.amazonaws.com/nodegroup': `${cluster}-${group.name}`,
            ...nodeGroupLabels(group),
          },
        },
        spec: {
          providerID: `kwok://${region}/${name}`,
          taints: group.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })),
        },
        status: { capacity, allocatable: alloc, phase: 'Pending' },
      });
    }
  }
  return { cluster, tier, region, zones, nodes };
}
