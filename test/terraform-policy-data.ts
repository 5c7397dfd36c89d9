/**
 * Policy rules for the data stores (part of `rules` in test/terraform-policy.ts, same contract:
 * one `<address>: <what is wrong>` message per violation): production survives an AZ failure and
 * a mistaken destroy, backups are kept long enough, and nothing but the cluster reaches a store.
 */
import { attachedTo, block, blocks, evaluate, isExpression, locals, moduleReferences, moduleScope, nested, perTier, references, tiers, type Block, type Hcl } from './terraform-hcl.ts';

type Rule = (stack: Hcl) => string[];

const OPEN_WORLD = ['0.0.0.0/0', '::/0'];
/** Shortest database backup (PITR) window we accept (days). */
export const MIN_BACKUP_RETENTION_DAYS = 7;

/**
 * The tier whose data must survive an AZ failure and a mistaken `terraform destroy`: the
 * production environment, and any cluster that hosts it.
 */
const PRODUCTION = 'production';

export const dataRules: Record<string, Rule> = {
  productionResilience(stack) {
    const out: string[] = [];
    const inProduction = (address: string, body: Block, attr: string) =>
      perTier(stack, body[attr])[PRODUCTION] === true ? [] : [`${address}: ${attr} must be true in ${PRODUCTION}`];
    for (const [address, body] of blocks(stack, 'resource', 'aws_db_instance')) {
      out.push(...inProduction(address, body, 'multi_az'), ...inProduction(address, body, 'deletion_protection'));
      if (body.skip_final_snapshot !== false) out.push(`${address}: skip_final_snapshot must be false`);
    }
    for (const [address, body] of blocks(stack, 'resource', 'aws_elasticache_replication_group')) {
      out.push(...inProduction(address, body, 'multi_az_enabled'), ...inProduction(address, body, 'automatic_failover_enabled'));
    }
    for (const [address, body] of blocks(stack, 'resource', 'aws_nat_gateway')) {
      const count = perTier(stack, body.count)[PRODUCTION];
      if (count !== 3) out.push(`${address}: count must be 3 in ${PRODUCTION} (one NAT gateway per AZ), not ${count}`);
    }
    // Node groups are config's (config/node-groups.ts, whose schema requires ON_DEMAND in the
    // production tier), handed over as var.node_groups: a capacity set here would bypass that.
    for (const [address, body] of blocks(stack, 'resource', 'aws_eks_node_group')) {
      if (body.for_each !== '${var.node_groups[var.cluster]}' || body.capacity_type !== '${each.value.capacity_type}') {
        out.push(`${address}: capacity_type must be each.value.capacity_type of for_each = var.node_groups[var.cluster] (config/node-groups.ts: ON_DEMAND in ${PRODUCTION}), not ${JSON.stringify(body.capacity_type)}`);
      }
    }
    // A cluster's tier comes from the environments it hosts (generated from config): hosting
    // production must select the production row, whatever else the cluster hosts.
    const tierName = locals(stack).tier_name;
    if (tierName !== undefined) {
      const hosts = (names: string[]) => evaluate(tierName, { local: { hosted: Object.fromEntries(names.map((n) => [n, {}])) } });
      for (const hosted of [[PRODUCTION], ['development', PRODUCTION, 'staging']]) {
        const picked = hosts(hosted);
        if (picked !== PRODUCTION) out.push(`locals.tier_name: a cluster hosting ${hosted.join(', ')} must take the ${PRODUCTION} tier, not ${picked}`);
      }
      if (!tiers(stack)[PRODUCTION]) out.push(`locals.tiers: needs a ${PRODUCTION} row`);
    }
    return out;
  },

  /** The Database dashboard's query view and the deadlock evidence need these in the parameter group (docs/database.md). */
  queryInsight(stack) {
    const out: string[] = [];
    const wanted: Record<string, (v: string) => boolean> = {
      shared_preload_libraries: (v) => v.split(',').map((x) => x.trim()).includes('pg_stat_statements'),
      'pg_stat_statements.track': (v) => v === 'top' || v === 'all',
      track_io_timing: (v) => v === '1',
    };
    for (const [address, body] of blocks(stack, 'resource', 'aws_db_instance')) {
      const group = references(body.parameter_group_name).find((r) => r.startsWith('aws_db_parameter_group.'));
      const params: Block[] = group ? (block(stack, 'resource', 'aws_db_parameter_group', group.split('.')[1]!).parameter ?? []) : [];
      for (const [name, ok] of Object.entries(wanted)) {
        const p = params.find((x) => x.name === name);
        if (!p || !ok(String(p.value))) out.push(`${address}: its parameter group must set ${name} for pg_stat_statements (now ${p ? JSON.stringify(p.value) : 'unset'})`);
      }
    }
    return out;
  },

  backupRetention(stack) {
    const out: string[] = [];
    const atLeast = (address: string, body: Block, attr: string, min: number) => {
      const bad = Object.entries(perTier(stack, body[attr])).filter(([, v]) => !(typeof v === 'number' && v >= min));
      return bad.length ? [`${address}: ${attr} must be >= ${min} days (${bad.map(([env, v]) => `${env}: ${v}`).join(', ')})`] : [];
    };
    for (const [address, body] of blocks(stack, 'resource', 'aws_db_instance')) {
      out.push(...atLeast(address, body, 'backup_retention_period', MIN_BACKUP_RETENTION_DAYS));
    }
    for (const [address, body] of blocks(stack, 'resource', 'aws_elasticache_replication_group')) {
      out.push(...atLeast(address, body, 'snapshot_retention_limit', MIN_BACKUP_RETENTION_DAYS));
    }
    for (const [address] of blocks(stack, 'resource', 'aws_s3_bucket')) {
      const versioned = attachedTo(stack, 'aws_s3_bucket_versioning', 'bucket', address)
        .some(([, v]) => nested(v, 'versioning_configuration')?.status === 'Enabled');
      if (!versioned) out.push(`${address}: versioning must be Enabled`);
    }
    return out;
  },

  noOpenDataStores(stack) {
    // Security groups of data stores: whatever RDS, ElastiCache and EFS mount targets use, declared
    // here or (every group of it) in a module whose output they use.
    const used = [
      ...blocks(stack, 'resource', 'aws_db_instance').map(([, b]) => b.vpc_security_group_ids),
      ...blocks(stack, 'resource', 'aws_elasticache_replication_group').map(([, b]) => b.security_group_ids),
      ...blocks(stack, 'resource', 'aws_efs_mount_target').map(([, b]) => b.security_groups),
    ];
    const out = ingressOnlyFromGroups(stack, new Set(used.flatMap(references).filter((r) => r.startsWith('aws_security_group.'))), '');
    for (const name of new Set(used.flatMap(moduleReferences))) {
      const module = moduleScope(stack, name);
      out.push(...ingressOnlyFromGroups(module, new Set(blocks(module, 'resource', 'aws_security_group').map(([a]) => a)), `module.${name}.`));
    }
    for (const [address, body] of blocks(stack, 'resource', 'aws_db_instance')) {
      if (body.publicly_accessible !== false) out.push(`${address}: publicly_accessible must be false`);
    }
    for (const [address, body] of blocks(stack, 'resource', 'aws_eks_cluster')) {
      const vpc = nested(body, 'vpc_config') ?? {};
      if (vpc.endpoint_private_access !== true) out.push(`${address}: endpoint_private_access must be true`);
      // Private by default: with every variable at its default (no networks listed), no public endpoint.
      const defaults = Object.fromEntries(Object.entries<Block[]>(stack.variable ?? {}).map(([name, [v]]) => [name, v!.default]));
      if (evaluate(vpc.endpoint_public_access, { var: defaults }) !== false) {
        out.push(`${address}: endpoint_public_access must be false unless public_api_cidrs lists networks (private by default)`);
      }
      if (vpc.endpoint_public_access !== false && !isExpression(vpc.public_access_cidrs)) {
        out.push(`${address}: a public endpoint must be limited by public_access_cidrs (var.public_api_cidrs)`);
      }
    }
    return out;
  },
};

/** Ingress into `groups` (addresses in `stack`) only from referenced security groups, never a CIDR. */
function ingressOnlyFromGroups(stack: Hcl, groups: Set<string>, prefix: string): string[] {
  const out: string[] = [];
  for (const group of groups) {
    const body = block(stack, 'resource', 'aws_security_group', group.split('.')[1]!);
    for (const rule of (body.ingress ?? []) as Block[]) {
      const cidrs = [...(rule.cidr_blocks ?? []), ...(rule.ipv6_cidr_blocks ?? [])];
      if (cidrs.length) out.push(`${prefix}${group}: inline ingress from ${cidrs.join(', ')}; data stores accept only security-group references`);
    }
  }
  const rules: Array<[string, Block]> = [
    ...blocks(stack, 'resource', 'aws_vpc_security_group_ingress_rule'),
    ...blocks(stack, 'resource', 'aws_security_group_rule').filter(([, b]) => b.type === 'ingress'),
  ];
  for (const [address, body] of rules) {
    const target = references(body.security_group_id).find((r) => groups.has(r));
    if (!target) continue;
    const cidrs = [body.cidr_ipv4, body.cidr_ipv6, ...(body.cidr_blocks ?? []), ...(body.ipv6_cidr_blocks ?? [])].filter(Boolean);
    const open = cidrs.filter((c) => OPEN_WORLD.includes(c));
    if (open.length) out.push(`${prefix}${address}: ${prefix}${target} must not accept ${open.join(', ')}`);
    else if (cidrs.length || !(body.referenced_security_group_id || body.source_security_group_id)) {
      out.push(`${prefix}${address}: ${prefix}${target} may only accept a referenced security group (the cluster's), not ${cidrs.join(', ') || 'nothing named'}`);
    }
  }
  return out;
}
