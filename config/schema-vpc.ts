/**
 * Schema of a cluster's network (docs/network.md "One network truth"): the VPC range, its subnets
 * per availability zone, the data subnets of each environment the cluster hosts and the VPC
 * endpoints. Part of the platform schema in ./schema.ts (`clusters[].network`).
 *
 * The same values feed Terraform (charts/terraform.ts writes them into both modules'
 * generated.auto.tfvars.json; terraform-bootstrap/cluster/vpc.tf builds the VPC from them,
 * terraform-bootstrap/environment/data-subnets.tf the data subnets) and every NetworkPolicy
 * ipBlock that stands for something in the VPC (`environments[].network.cidrs` names
 * `'data-subnets'` or `'endpoint-subnets'` instead of addresses; charts/network-policies.ts
 * resolves them here). So a policy cannot allow an address range Terraform does not build.
 *
 * This module must not import ./schema.ts (schema.ts imports it). `checkClusterNetworks` holds
 * the rules that look at other sections (environments); schema.ts calls it from the platform's
 * superRefine.
 */
import { z } from 'zod';
import { cidrContains, parseCidr, type Cidr } from '../lib/values/cidr.ts';
import { environmentName } from './schema-primitives.ts';
import { cidr, VPC_RANGES, type VpcRange } from './schema-network.ts';

/** An AWS availability zone name such as "us-east-2a". */
const zoneName = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$/, 'must be an availability zone such as "us-east-2a"');
/** An AWS service as VPC endpoint service names end: `com.amazonaws.<region>.<service>`. */
const endpointService = z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/, 'must be an AWS service of a VPC endpoint such as "sts" or "ecr.api"');

/** One availability zone of the VPC: one subnet of each tier. */
export const vpcZone = z.object({
  name: zoneName,
  /** Load balancers and NAT gateways only (route to the internet gateway). */
  public: cidr,
  /** EKS nodes and, through the VPC CNI, every pod (route to the NAT gateway). */
  private: cidr,
  /** The ENIs of the interface endpoints, nothing else (no route out): `'endpoint-subnets'` in policies. */
  endpoints: cidr,
}).strict();

export const clusterNetwork = z.object({
  /** The VPC range; every subnet below lies inside it. */
  vpcCidr: cidr,
  /**
   * Three zones: EKS, RDS Multi-AZ and the production NAT gateway per zone
   * (terraform-bootstrap/cluster/locals.tf) are built for three.
   */
  zones: z.array(vpcZone).length(3, 'must list exactly three availability zones'),
  /**
   * Per environment on this cluster: its data subnets (RDS, ElastiCache), one per zone in the
   * order of `zones`, with no route out. Policies name them `'data-subnets'`, so an environment's
   * pods reach its own data stores and no other environment's.
   */
  dataSubnets: z.partialRecord(environmentName, z.array(cidr)),
  /** VPC endpoints Terraform creates, so AWS APIs are reached without the internet. */
  endpoints: z.object({
    /** Gateway endpoints on the private route tables (S3: the S3 prefix list in policies). */
    gateway: z.array(z.enum(['s3', 'dynamodb'])),
    /** Interface endpoints in the endpoint subnets, private DNS on, 443 from the VPC only. */
    interface: z.array(endpointService),
  }).strict(),
}).strict();
export type ClusterNetwork = z.infer<typeof clusterNetwork>;

/** Every subnet of a cluster network, as [field path below `network`, CIDR]. */
export function subnetsOf(net: ClusterNetwork): Array<[(string | number)[], string]> {
  return [
    ...net.zones.flatMap((z, i) => (['public', 'private', 'endpoints'] as const).map((tier): [(string | number)[], string] => [['zones', i, tier], z[tier]])),
    ...Object.entries(net.dataSubnets).flatMap(([env, list]) => list.map((c, i): [(string | number)[], string] => [['dataSubnets', env, i], c])),
  ];
}

/**
 * The ranges a `VpcRange` stands for in an environment on a cluster with network `net`: its data
 * subnets, or the subnets of the interface endpoints' ENIs.
 */
export function vpcRanges(net: ClusterNetwork, env: string, range: VpcRange): string[] {
  return range === 'data-subnets' ? [...(net.dataSubnets[env as keyof ClusterNetwork['dataSubnets']] ?? [])] : net.zones.map((z) => z.endpoints);
}

/** The parts of the platform `checkClusterNetworks` reads. */
export interface ClusterNetworkCheckInput {
  readonly clusters: ReadonlyArray<{ readonly name: string; readonly network?: ClusterNetwork }>;
  readonly environments: ReadonlyArray<{
    readonly name: string;
    readonly cluster: string;
    readonly network: { readonly cidrs: Readonly<Record<string, readonly string[] | VpcRange>> };
  }>;
}

export function checkClusterNetworks(p: ClusterNetworkCheckInput, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  p.clusters.forEach((cluster, c) => {
    const hosted = p.environments.filter((e) => e.cluster === cluster.name).map((e) => e.name);
    const net = cluster.network;
    if (!net) {
      if (hosted.length) issue(['clusters', c, 'network'], `cluster '${cluster.name}' hosts ${hosted.join(', ')} and needs its VPC: CIDR, zones, data subnets, endpoints (docs/network.md)`);
      return;
    }
    const at = (path: (string | number)[]) => ['clusters', c, 'network', ...path];
    const label = (path: (string | number)[]) => path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('');
    const vpc = parseCidr(net.vpcCidr);
    const seen: Array<[string, Cidr]> = [];
    for (const [path, text] of subnetsOf(net)) {
      const subnet = parseCidr(text);
      if (!vpc || !subnet) continue; // the field's own rule reports it
      if (!cidrContains(vpc, subnet)) {
        issue(at(path), `'${label(path)}' (${text}) must lie inside the VPC (${net.vpcCidr})`);
        continue;
      }
      const clash = seen.find(([, other]) => other.start <= subnet.end && subnet.start <= other.end);
      if (clash) issue(at(path), `'${label(path)}' (${text}) overlaps ${clash[0]}; subnets of a VPC must not overlap`);
      else seen.push([`${label(path)} (${text})`, subnet]);
    }
    for (const [env, list] of Object.entries(net.dataSubnets)) {
      if (!hosted.includes(env)) {
        issue(at(['dataSubnets', env]), `'${env}' does not run on cluster '${cluster.name}' (it hosts ${hosted.join(', ') || 'nothing'}); its data subnets belong to its own cluster`);
      } else if (list.length !== net.zones.length) {
        issue(at(['dataSubnets', env]), `'dataSubnets.${env}' (${list.length} subnets) must give one subnet per zone (${net.zones.length}): RDS and ElastiCache span the zones`);
      }
    }
    for (const env of hosted.filter((e) => !(e in net.dataSubnets))) {
      issue(at(['dataSubnets']), `environment '${env}' runs on cluster '${cluster.name}' and needs data subnets for its RDS and ElastiCache (one per zone)`);
    }
    const zones = net.zones.map((z) => z.name);
    const regions = new Set(zones.map((z) => z.slice(0, -1)));
    if (regions.size > 1) issue(at(['zones']), `zones (${zones.join(', ')}) must all be in one region`);
    if (new Set(zones).size !== zones.length) issue(at(['zones']), `zones (${zones.join(', ')}) must be distinct`);
  });

  // A policy that names the endpoint subnets needs endpoints there to reach.
  p.environments.forEach((env, e) => {
    const net = p.clusters.find((c) => c.name === env.cluster)?.network;
    for (const [peer, ranges] of Object.entries(env.network.cidrs)) {
      if (ranges === 'endpoint-subnets' && net && !net.endpoints.interface.length) {
        issue(['environments', e, 'network', 'cidrs', peer], `'endpoint-subnets' needs interface endpoints in cluster '${env.cluster}' (clusters[].network.endpoints.interface is empty)`);
      }
    }
  });
}

export { VPC_RANGES };
