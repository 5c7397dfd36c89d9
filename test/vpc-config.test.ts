/**
 * Config errors of a cluster's network (config/schema-vpc.ts): the one address plan Terraform
 * builds and the NetworkPolicies allow must be coherent before either is rendered.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { environmentCidrs } from '../charts/network-policies.ts';
import { configError, ownCluster, rawConfig } from './helpers.ts';

const flextime = (raw: ReturnType<typeof rawConfig>) => raw.clusters[0]!.network!;

describe('a cluster network', () => {
  it('resolves data-subnets to the environment\'s own data subnets and endpoint-subnets to the endpoint subnets', () => {
    const platform = loadConfig();
    const production = platform.environments.find((e) => e.name === 'production')!;
    const cidrs = environmentCidrs(platform, production);
    expect(cidrs.rds).toEqual(['10.10.56.0/24', '10.10.57.0/24', '10.10.58.0/24']);
    expect(cidrs.elasticache).toEqual(cidrs.rds);
    expect(cidrs['vpc-endpoints']).toEqual(['10.10.60.0/24', '10.10.61.0/24', '10.10.62.0/24']);
  });

  it('follows an environment to its own cluster', () => {
    const raw = rawConfig();
    raw.clusters.push(ownCluster(raw, 'flextime-production', 'production'));
    const production = raw.environments.find((e) => e.name === 'production')!;
    production.cluster = 'flextime-production';
    raw.aws.outputs.clusters['flextime-production'] = { ...raw.aws.outputs.clusters.flextime!, cluster_name: 'flextime-production' };
    const platform = loadConfig(raw);
    expect(environmentCidrs(platform, platform.environments.find((e) => e.name === 'production')!).rds).toEqual(['10.40.48.0/24', '10.40.49.0/24', '10.40.50.0/24']);
  });

  it('rejects a subnet outside the VPC, naming the field', () => {
    const raw = rawConfig();
    flextime(raw).zones[0]!.private = '10.20.64.0/18';
    expect(configError(raw)).toBe('invalid platform config:\n  - clusters[flextime].network.zones[us-east-2a].private = "10.20.64.0/18": \'zones[0].private\' (10.20.64.0/18) must lie inside the VPC (10.10.0.0/16)');
  });

  it('rejects overlapping subnets: two environments in the same data subnet', () => {
    const raw = rawConfig();
    flextime(raw).dataSubnets.production![0] = '10.10.52.0/24';
    expect(configError(raw)).toBe('invalid platform config:\n  - clusters[flextime].network.dataSubnets.production[0] = "10.10.52.0/24": \'dataSubnets.production[0]\' (10.10.52.0/24) overlaps dataSubnets.staging[0] (10.10.52.0/24); subnets of a VPC must not overlap');
  });

  it('rejects data subnets of an environment the cluster does not host, a wrong count, and a hosted environment without them', () => {
    const raw = rawConfig();
    const net = flextime(raw);
    net.dataSubnets.staging = ['10.10.52.0/24'];
    delete net.dataSubnets.development;
    raw.clusters.push(ownCluster(raw, 'flextime-spare'));
    raw.clusters[1]!.network!.dataSubnets.production = ['10.40.48.0/24', '10.40.49.0/24', '10.40.50.0/24'];
    expect(configError(raw)).toBe([
      'invalid platform config:',
      "  - clusters[flextime].network.dataSubnets.staging = [\"10.10.52.0/24\"]: 'dataSubnets.staging' (1 subnets) must give one subnet per zone (3): RDS and ElastiCache span the zones",
      "  - clusters[flextime].network.dataSubnets = {\"staging\":[\"10.10.52.0/24\"],\"production\":[\"10.10.56.0/24\",\"10.10.57.0/24\",\"10.10.58.0/24\"]}: environment 'development' runs on cluster 'flextime' and needs data subnets for its RDS and ElastiCache (one per zone)",
      "  - clusters[flextime-spare].network.dataSubnets.production = [\"10.40.48.0/24\",\"10.40.49.0/24\",\"10.40.50.0/24\"]: 'production' does not run on cluster 'flextime-spare' (it hosts nothing); its data subnets belong to its own cluster",
    ].join('\n'));
  });

  it('rejects a cluster that hosts an environment without a network', () => {
    const raw = rawConfig();
    delete raw.clusters[0]!.network;
    expect(configError(raw)).toBe("invalid platform config:\n  - clusters[flextime].network = missing: cluster 'flextime' hosts development, staging, production and needs its VPC: CIDR, zones, data subnets, endpoints (docs/network.md)");
  });

  it('rejects endpoint-subnets where the cluster has no interface endpoint, and an address list where a name is expected', () => {
    const raw = rawConfig();
    flextime(raw).endpoints.interface = [];
    expect(configError(raw)).toContain("environments[development].network.cidrs.vpc-endpoints = \"endpoint-subnets\": 'endpoint-subnets' needs interface endpoints in cluster 'flextime' (clusters[].network.endpoints.interface is empty)");
    const typo = rawConfig();
    typo.environments.find((e) => e.name === 'staging')!.network.cidrs.rds = 'data-subnet' as 'data-subnets';
    expect(configError(typo)).toBe('invalid platform config:\n  - environments[staging].network.cidrs.rds = "data-subnet": must be "data-subnets" or "endpoint-subnets" (subnets of the cluster VPC) or a list of CIDRs');
  });
});
