/**
 * One network truth: every ipBlock of the committed NetworkPolicies (dist/<env>/) that stands for
 * an AWS service lies inside a range Terraform creates for that service on that port, or inside a
 * declared external range (the S3 prefix list behind the gateway endpoint, the SSO issuer). What
 * Terraform creates is read from terraform-bootstrap/ itself (HCL + the tfvars it loads), not from
 * the config the policies were rendered from, so a plan that drifted on either side fails here.
 * Also: the VPC endpoints the policies rely on exist, with the right service names and private DNS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { cidrContains, parseCidr } from '../lib/values/cidr.ts';
import { S3_PREFIX_LIST_US_EAST_2 } from '../config/network-ranges.ts';
import { filled } from '../config/schema-site.ts';
import { siteConfig } from '../config/site.ts';
import { CLUSTER_TFVARS_PATH, ENVIRONMENT_TFVARS_PATH } from '../charts/terraform.ts';
import { block, CLUSTER_DIR, ENVIRONMENT_DIR, evaluate, evaluateDeep, locals, moduleScope, parseHclFile, parseStack, references, type Block, type Hcl, type Scope } from './terraform-hcl.ts';

const generated = {
  cluster: JSON.parse(readFileSync(CLUSTER_TFVARS_PATH, 'utf8')) as Record<string, Hcl>,
  environment: JSON.parse(readFileSync(ENVIRONMENT_TFVARS_PATH, 'utf8')) as Record<string, Hcl>,
};
/** The SSO issuer's egress ranges: declared, outside AWS. */
const OIDC_ISSUER_RANGES = filled(siteConfig.ssoIssuerRanges);
const ENVIRONMENTS = Object.keys(generated.environment.environments as Record<string, unknown>);

/** A destination Terraform creates (or the repository declares as external) on one port. */
interface Destination {
  readonly what: string;
  readonly port: number;
  readonly ranges: readonly string[];
}

/** The root module's scope for one set of variables: locals evaluated as far as they can be. */
function rootScope(stack: Hcl, variables: Record<string, Hcl>): Scope {
  let local: Record<string, Hcl> = locals(stack);
  for (let pass = 0; pass < 4; pass++) local = evaluateDeep(local, { local, var: variables });
  return { local, var: variables };
}

/** CIDRs of every instance of `aws_subnet.<name>` (a `count` block). */
function subnetCidrs(stack: Hcl, name: string, scope: Scope): string[] {
  const subnet = block(stack, 'resource', 'aws_subnet', name);
  const count = evaluate(subnet.count, scope) as number;
  return Array.from({ length: count }, (_, index) => evaluate(subnet.cidr_block, { ...scope, count: { index } }) as string);
}

/** The subnets (`aws_subnet.<name>`) a reference list such as `${aws_subnet.data[*].id}` names. */
const subnetNames = (value: Hcl): string[] => references(value).filter((r) => r.startsWith('aws_subnet.')).map((r) => r.split('.')[1]!);

/** The one module whose outputs `value` uses, and the port its security group lets in. */
function securityGroupPort(stack: Hcl, value: Hcl, scope: Scope): number {
  const name = /\bmodule\.([a-z0-9_]+)\./.exec(JSON.stringify(value))?.[1];
  if (!name) throw new Error(`${JSON.stringify(value)} uses no security group module`);
  return evaluate(stack.module[name][0].port, scope) as number;
}

interface ClusterGround {
  readonly vpc: string;
  readonly region: string;
  /** Interface endpoints' ENIs: the subnets of their module call, the port of their security group. */
  readonly endpoints: Destination;
  readonly gatewayServices: string[];
}

let cluster: Hcl;
let environment: Hcl;
const clusters = new Map<string, ClusterGround>();
const environments = new Map<string, { cluster: string; destinations: Destination[] }>();

beforeAll(async () => {
  cluster = await parseStack(CLUSTER_DIR);
  environment = await parseStack(ENVIRONMENT_DIR);
  for (const name of Object.keys(generated.cluster.clusters)) {
    const tfvars = await parseHclFile(join(CLUSTER_DIR, 'clusters', `${name}.tfvars`));
    const scope = rootScope(cluster, { ...generated.cluster, ...tfvars });
    const call = cluster.module.vpc_endpoints[0];
    const endpoints = moduleScope(cluster, 'vpc_endpoints');
    const iface = block(endpoints, 'resource', 'aws_vpc_endpoint', 'interface');
    const rule = block(endpoints, 'resource', 'aws_vpc_security_group_ingress_rule', 'https');
    // The ENIs are where the module's `subnet_ids` variable says; the caller passes the subnets.
    expect(iface.subnet_ids).toBe('${var.subnet_ids}');
    expect([rule.from_port, rule.to_port, rule.security_group_id]).toEqual([443, 443, '${aws_security_group.this.id}']);
    clusters.set(name, {
      vpc: evaluate(block(cluster, 'resource', 'aws_vpc', 'main').cidr_block, scope),
      region: tfvars.region,
      endpoints: { what: `interface endpoints of cluster ${name} (module.vpc_endpoints)`, port: 443, ranges: subnetNames(call.subnet_ids).flatMap((s) => subnetCidrs(cluster, s, scope)) },
      gatewayServices: evaluate(call.gateway_services, scope),
    });
  }
  for (const name of ENVIRONMENTS) {
    const scope = rootScope(environment, { ...generated.environment, environment: name });
    const rds = block(environment, 'resource', 'aws_db_instance', 'main');
    const redis = block(environment, 'resource', 'aws_elasticache_replication_group', 'main');
    const group = (type: string, ref: Hcl) => block(environment, 'resource', type, references(ref).find((r) => r.startsWith(`${type}.`))!.split('.')[1]!);
    const rdsSubnets = subnetNames(group('aws_db_subnet_group', rds.db_subnet_group_name).subnet_ids);
    const redisSubnets = subnetNames(group('aws_elasticache_subnet_group', redis.subnet_group_name).subnet_ids);
    const host = evaluate('${local.cluster_name}', scope) as string;
    const ground = clusters.get(host)!;
    environments.set(name, {
      cluster: host,
      destinations: [
        { what: `RDS of ${name} (aws_db_instance.main)`, port: securityGroupPort(environment, rds.vpc_security_group_ids, scope), ranges: rdsSubnets.flatMap((s) => subnetCidrs(environment, s, scope)) },
        { what: `ElastiCache of ${name} (aws_elasticache_replication_group.main)`, port: securityGroupPort(environment, redis.security_group_ids, scope), ranges: redisSubnets.flatMap((s) => subnetCidrs(environment, s, scope)) },
        ground.endpoints,
        ...(ground.gatewayServices.includes('s3') ? [{ what: 'S3 prefix list (declared external, behind the S3 gateway endpoint)', port: 443, ranges: S3_PREFIX_LIST_US_EAST_2 }] : []),
        { what: 'SSO issuer (declared external)', port: 443, ranges: OIDC_ISSUER_RANGES },
      ],
    });
  }
});

/** [file, ipBlock CIDR, ports] of every egress ipBlock of every NetworkPolicy below `dir`. */
type EgressBlock = readonly [file: string, cidr: string, ports: readonly number[]];
function egressBlocks(dir: string): EgressBlock[] {
  const out: EgressBlock[] = [];
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).sort()) {
    const obj = parseYaml(readFileSync(join(dir, file), 'utf8')) as { kind: string; spec?: { egress?: Array<{ to?: Array<{ ipBlock?: { cidr: string } }>; ports?: Array<{ port?: number }> }> } };
    if (obj.kind !== 'NetworkPolicy') continue;
    for (const rule of obj.spec?.egress ?? []) {
      const ports = (rule.ports ?? []).map((p) => p.port!).filter((p) => typeof p === 'number');
      for (const to of rule.to ?? []) if (to.ipBlock) out.push([join(dir, file), to.ipBlock.cidr, ports]);
    }
  }
  return out;
}

/** Every ipBlock that lies in no destination on one of its rule's ports, as a sentence. */
function strays(blocks: readonly EgressBlock[], destinations: readonly Destination[]): string[] {
  return blocks.flatMap(([file, text, ports]) => {
    const range = parseCidr(text);
    const fits = destinations.some((d) => ports.includes(d.port) && d.ranges.some((r) => range && cidrContains(parseCidr(r)!, range)));
    if (fits) return [];
    const onPort = destinations.filter((d) => ports.includes(d.port)).map((d) => `${d.what}: ${d.ranges.join(', ')}`);
    return [`${file}: egress to ${text} (port ${ports.join(', ')}) lies in no range Terraform creates for that port, nor in a declared external range (${onPort.join('; ') || 'nothing listens there'})`];
  });
}

describe.each(ENVIRONMENTS)('the NetworkPolicies of %s', (env) => {
  it('allow AWS services only inside the ranges Terraform creates for them, or declared external ranges', () => {
    const blocks = egressBlocks(join('dist', env));
    expect(blocks.length).toBeGreaterThan(0);
    expect(strays(blocks, environments.get(env)!.destinations)).toEqual([]);
  });

  it('allow exactly its own data subnets for the database, and those lie in its cluster\'s VPC', () => {
    const { cluster: host, destinations } = environments.get(env)!;
    const rds = destinations[0]!;
    const onDatabasePort = egressBlocks(join('dist', env)).filter(([, , ports]) => ports.includes(rds.port)).map(([, cidr]) => cidr);
    expect([...new Set(onDatabasePort)].sort()).toEqual([...rds.ranges].sort());
    const vpc = parseCidr(clusters.get(host)!.vpc)!;
    for (const r of rds.ranges) expect(cidrContains(vpc, parseCidr(r)!), `${r} in ${clusters.get(host)!.vpc}`).toBe(true);
  });
});

describe('the check', () => {
  it('fails when a policy range is moved outside the VPC, and when it names another environment\'s data subnet', () => {
    const file = 'dist/production/network-policies/networkpolicy-pgbouncer.yaml';
    const blocks = egressBlocks('dist/production').filter(([f]) => f === file);
    const [, moved] = blocks[0]!;
    const outside = blocks.map(([f, cidr, ports]): EgressBlock => [f, cidr === moved ? '10.30.56.0/24' : cidr, ports]);
    const rds = environments.get('production')!.destinations[0]!;
    expect(strays(outside, environments.get('production')!.destinations)).toEqual([
      `${file}: egress to 10.30.56.0/24 (port 5432) lies in no range Terraform creates for that port, nor in a declared external range (${rds.what}: ${rds.ranges.join(', ')})`,
    ]);
    const staging = environments.get('staging')!.destinations[0]!.ranges[0]!;
    const neighbour = blocks.map(([f, cidr, ports]): EgressBlock => [f, cidr === moved ? staging : cidr, ports]);
    expect(strays(neighbour, environments.get('production')!.destinations)).toHaveLength(1);
  });

  it('declares external ranges that lie outside every VPC', () => {
    for (const { vpc } of clusters.values()) {
      for (const r of [...S3_PREFIX_LIST_US_EAST_2, ...OIDC_ISSUER_RANGES]) expect(cidrContains(parseCidr(vpc)!, parseCidr(r)!), r).toBe(false);
    }
  });
});

describe('the VPC endpoints Terraform creates', () => {
  it('are the S3 gateway and the STS, ECR api, ECR dkr, Secrets Manager and CloudWatch Logs interface endpoints, with private DNS', () => {
    for (const [name, ground] of clusters) {
      const tfvars = { ...generated.cluster, cluster: name, region: ground.region };
      const { local } = rootScope(cluster, tfvars);
      const call = cluster.module.vpc_endpoints[0] as Block;
      const args = evaluateDeep(call, { local, var: tfvars }) as Record<string, Hcl>;
      const endpoints = moduleScope(cluster, 'vpc_endpoints');
      const created: Record<string, Record<string, Hcl>> = {};
      for (const [kind, services] of [['gateway', args.gateway_services], ['interface', args.interface_services]] as const) {
        const body = block(endpoints, 'resource', 'aws_vpc_endpoint', kind);
        expect(body.for_each).toBe(`\${toset(var.${kind}_services)}`);
        for (const service of services as string[]) {
          const scope = { var: args, each: { key: service, value: service } };
          created[evaluate(body.service_name, scope)] = {
            type: body.vpc_endpoint_type,
            privateDns: body.private_dns_enabled ?? false,
            where: kind === 'gateway' ? references(call.route_table_ids) : subnetNames(call.subnet_ids),
          };
        }
      }
      const iface = { type: 'Interface', privateDns: true, where: ['endpoints'] };
      expect(created, name).toEqual({
        [`com.amazonaws.${ground.region}.s3`]: { type: 'Gateway', privateDns: false, where: ['aws_route_table.private'] },
        [`com.amazonaws.${ground.region}.sts`]: iface,
        [`com.amazonaws.${ground.region}.ecr.api`]: iface,
        [`com.amazonaws.${ground.region}.ecr.dkr`]: iface,
        [`com.amazonaws.${ground.region}.secretsmanager`]: iface,
        [`com.amazonaws.${ground.region}.logs`]: iface,
      });
      // HTTPS from the VPC only, into the one security group of the interface endpoints.
      expect(args.vpc_cidr).toBe(ground.vpc);
      expect(block(endpoints, 'resource', 'aws_vpc_security_group_ingress_rule', 'https').cidr_ipv4).toBe('${var.vpc_cidr}');
      expect(block(endpoints, 'resource', 'aws_vpc_endpoint', 'interface').security_group_ids).toEqual(['${aws_security_group.this.id}']);
    }
  });

  it('sit in a VPC whose DNS support and hostnames are on (private DNS needs both)', () => {
    const vpc = block(cluster, 'resource', 'aws_vpc', 'main');
    expect([vpc.enable_dns_support, vpc.enable_dns_hostnames]).toEqual([true, true]);
  });
});
