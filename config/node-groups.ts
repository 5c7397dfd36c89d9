/**
 * EKS managed node groups per tier (schema: config/schema-aws.ts `nodeTiers`). Rendered into
 * terraform-bootstrap/cluster/generated.auto.tfvars.json (`node_groups`) and simulated by the
 * e2e's KWOK nodes (e2e/cluster/nodes.ts): what Terraform creates is what the e2e schedules on.
 */
import type { PlatformInput } from './schema.ts';

export const nodeGroupsConfig: PlatformInput['aws']['nodeGroups'] = {
  // A cluster that hosts production: on-demand only (checked), 4 vCPU / 16 GiB nodes.
  production: [
    { name: 'on-demand', capacityType: 'ON_DEMAND', instanceTypes: ['m6i.xlarge', 'm6a.xlarge'], minSize: 3, maxSize: 15 },
  ],
  // Clusters without production: spot, several instance types for spot availability.
  'non-production': [
    { name: 'spot', capacityType: 'SPOT', instanceTypes: ['m6i.large', 'm6a.large', 'm5.large'], minSize: 3, maxSize: 9 },
  ],
};
