/**
 * Static security policy of terraform-bootstrap/: the HCL is parsed (no provider, no AWS) and
 * every rule of test/terraform-policy.ts must hold. Each rule is shown to fail when the property
 * it guards is removed from a copy of the parsed stack, and once from an edited copy of the file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { block, evaluate, parseStack, perTier, TF_DIR, type Hcl } from './terraform-hcl.ts';
import { policyViolations, rules } from './terraform-policy.ts';

let stack: Hcl;
beforeAll(async () => {
  stack = await parseStack();
});

const resource = (s: Hcl, type: string, name: string) => block(s, 'resource', type, name);
const rds = (s: Hcl) => resource(s, 'aws_db_instance', 'main');
const redis = (s: Hcl) => resource(s, 'aws_elasticache_replication_group', 'main');
const tier = (s: Hcl, env: string) => s.locals.find((l: Hcl) => l.tiers).tiers[env];
const bucketPolicyDoc = (s: Hcl) => block(s, 'data', 'aws_iam_policy_document', 'backups_bucket');

describe('the committed terraform-bootstrap stack', () => {
  it('violates no policy rule', () => {
    expect(policyViolations(stack)).toEqual([]);
  });

  it('pins Terraform and every provider to an exact version', () => {
    expect(stack.terraform[0].required_version).toBe('1.8.5');
    expect(stack.terraform[0].required_providers[0]).toEqual({
      aws: { source: 'hashicorp/aws', version: '5.100.0' },
      helm: { source: 'hashicorp/helm', version: '2.17.0' },
    });
  });

  it('keeps production data multi-AZ and protected from deletion, and development cheap', () => {
    expect(perTier(stack, rds(stack).multi_az)).toEqual({ development: false, staging: false, production: true });
    expect(perTier(stack, rds(stack).deletion_protection)).toEqual({ development: false, staging: false, production: true });
    expect(perTier(stack, redis(stack).automatic_failover_enabled)).toEqual({ development: false, staging: true, production: true });
    expect(perTier(stack, resource(stack, 'aws_eks_node_group', 'main').capacity_type))
      .toEqual({ development: 'SPOT', staging: 'SPOT', production: 'ON_DEMAND' });
    expect(perTier(stack, '${local.tier.nat_gateways}')).toEqual({ development: 1, staging: 1, production: 3 });
  });

  it('lets RDS manage the master password and reads the Redis token from Secrets Manager', () => {
    expect(rds(stack).manage_master_user_password).toBe(true);
    expect(rds(stack).password).toBeUndefined();
    expect(redis(stack).auth_token).toBe('${data.aws_secretsmanager_secret_version.redis_auth.secret_string}');
    expect(stack.resource.random_password).toBeUndefined();
  });

  it('installs the pinned argo-cd chart and then the root Application rendered into argocd/bootstrap', () => {
    const argocd = resource(stack, 'helm_release', 'argocd');
    expect([argocd.chart, argocd.version]).toEqual(['argo-cd', '7.7.22']);
    expect(resource(stack, 'helm_release', 'root_application').depends_on).toEqual(['${helm_release.argocd}']);
    const root = stack.locals.find((l: Hcl) => l.root_application).root_application;
    expect(root).toBe('${yamldecode(file("${path.module}/../argocd/bootstrap/application-flextime-root.yaml"))}');
  });
});

/** [what is removed, how, the exact violation it must cause] */
const removals: Array<[string, (s: Hcl) => void, string]> = [
  ['RDS storage encryption', (s) => delete rds(s).storage_encrypted,
    'aws_db_instance.main: storage_encrypted must be true (not in development, production, staging)'],
  ['the RDS KMS key', (s) => delete rds(s).kms_key_id, 'aws_db_instance.main: kms_key_id must be set'],
  ['ElastiCache at-rest encryption', (s) => delete redis(s).at_rest_encryption_enabled,
    'aws_elasticache_replication_group.main: at_rest_encryption_enabled must be true (not in development, production, staging)'],
  ['ElastiCache in-transit encryption', (s) => { redis(s).transit_encryption_enabled = false; },
    'aws_elasticache_replication_group.main: transit_encryption_enabled must be true (not in development, production, staging)'],
  ['S3 SSE-KMS', (s) => { delete s.resource.aws_s3_bucket_server_side_encryption_configuration; },
    'aws_s3_bucket.backups: needs server-side encryption with aws:kms and a kms_master_key_id'],
  ['EFS encryption', (s) => delete resource(s, 'aws_efs_file_system', 'models').encrypted,
    'aws_efs_file_system.models: encrypted must be true (not in development, production, staging)'],
  ['EKS secrets encryption', (s) => delete resource(s, 'aws_eks_cluster', 'main').encryption_config,
    'aws_eks_cluster.main: encryption_config must encrypt "secrets" with a KMS key'],
  ['KMS key rotation', (s) => delete resource(s, 'aws_kms_key', 'main').enable_key_rotation,
    'aws_kms_key.main: enable_key_rotation must be true (not in development, production, staging)'],
  ['a log group key', (s) => delete resource(s, 'aws_cloudwatch_log_group', 'eks').kms_key_id,
    'aws_cloudwatch_log_group.eks: kms_key_id must be set'],
  ['rds.force_ssl', (s) => { resource(s, 'aws_db_parameter_group', 'main').parameter.shift(); },
    'aws_db_instance.main: its parameter group must set rds.force_ssl = 1'],
  ['the TLS-only bucket policy', (s) => { bucketPolicyDoc(s).statement[0].condition[0].values = ['true']; },
    'aws_s3_bucket.backups: its bucket policy must deny requests with aws:SecureTransport = false'],
  ['multi-AZ in production', (s) => { tier(s, 'production').multi_az = false; },
    'aws_db_instance.main: multi_az must be true in production\naws_elasticache_replication_group.main: multi_az_enabled must be true in production'],
  ['deletion protection in production', (s) => { tier(s, 'production').deletion_protection = false; },
    'aws_db_instance.main: deletion_protection must be true in production'],
  ['the final snapshot', (s) => { rds(s).skip_final_snapshot = true; }, 'aws_db_instance.main: skip_final_snapshot must be false'],
  ['Redis failover in production', (s) => { tier(s, 'production').redis_nodes = 1; },
    'aws_elasticache_replication_group.main: automatic_failover_enabled must be true in production'],
  ['one NAT gateway per AZ in production', (s) => { tier(s, 'production').nat_gateways = 1; },
    'locals.tiers.production: nat_gateways must be 3 (one per AZ), not 1'],
  ['on-demand nodes in production', (s) => { tier(s, 'production').node_capacity_type = 'SPOT'; },
    'locals.tiers.production: node_capacity_type must be ON_DEMAND, not SPOT'],
  ['seven days of database backups', (s) => { tier(s, 'development').backup_retention_days = 1; },
    'aws_db_instance.main: backup_retention_period must be >= 7 days (development: 1)\naws_elasticache_replication_group.main: snapshot_retention_limit must be >= 7 days (development: 1)'],
  ['bucket versioning', (s) => { delete s.resource.aws_s3_bucket_versioning; }, 'aws_s3_bucket.backups: versioning must be Enabled'],
  ['log retention', (s) => delete resource(s, 'aws_cloudwatch_log_group', 'flow_logs').retention_in_days,
    'aws_cloudwatch_log_group.flow_logs: retention_in_days must be >= 30 (development: undefined, production: undefined, staging: undefined)'],
  ['audit logs of the control plane', (s) => { resource(s, 'aws_eks_cluster', 'main').enabled_cluster_log_types = ['api']; },
    'aws_eks_cluster.main: enabled_cluster_log_types lacks audit, authenticator, controllerManager, scheduler'],
  ['VPC flow logs', (s) => { delete s.resource.aws_flow_log; }, 'aws_flow_log: the VPC needs flow logs of ALL traffic'],
  ['the security-group-only database ingress', (s) => {
    const rule = resource(s, 'aws_vpc_security_group_ingress_rule', 'db_from_cluster');
    delete rule.referenced_security_group_id;
    rule.cidr_ipv4 = '0.0.0.0/0';
  }, 'aws_vpc_security_group_ingress_rule.db_from_cluster: aws_security_group.db must not accept 0.0.0.0/0'],
  ['the security-group-only Redis ingress', (s) => {
    resource(s, 'aws_security_group', 'redis').ingress = [{ from_port: 6379, to_port: 6379, protocol: 'tcp', cidr_blocks: ['10.0.0.0/8'] }];
  }, 'aws_security_group.redis: inline ingress from 10.0.0.0/8; data stores accept only security-group references'],
  ['the private database', (s) => { rds(s).publicly_accessible = true; }, 'aws_db_instance.main: publicly_accessible must be false'],
  ['the public API CIDR limit', (s) => { delete resource(s, 'aws_eks_cluster', 'main').vpc_config[0].public_access_cidrs; },
    'aws_eks_cluster.main: a public endpoint must be limited by public_access_cidrs (var.public_api_cidrs)'],
  ['one public access block flag', (s) => { resource(s, 'aws_s3_bucket_public_access_block', 'backups').restrict_public_buckets = false; },
    'aws_s3_bucket.backups: public access block must set restrict_public_buckets = true'],
  ['the RDS-managed password', (s) => { delete rds(s).manage_master_user_password; rds(s).password = 'hunter2-hunter2'; },
    'aws_db_instance.main: manage_master_user_password must be true\naws_db_instance.main: password is a literal; secrets come from Secrets Manager\naws_db_instance.main: password must not be set (RDS manages it in Secrets Manager)'],
  ['the Secrets Manager Redis token', (s) => { redis(s).auth_token = 'correct-horse-battery-staple'; },
    'aws_elasticache_replication_group.main: auth_token is a literal; secrets come from Secrets Manager'],
  ['the secret-free outputs', (s) => { s.output.redis_token = [{ value: '${data.aws_secretsmanager_secret_version.redis_auth.secret_string}', sensitive: true }]; },
    'output.redis_token: must not expose a secret value\noutput.redis_token: outputs are committed to config/; a sensitive output is a secret'],
  ['the ban on generated passwords', (s) => { s.resource.random_password = { redis: [{ length: 32 }] }; },
    'random_password.redis: generated secrets land in state; let AWS generate them (README.md)'],
  ['a pinned provider', (s) => { s.terraform[0].required_providers[0].aws.version = '~> 5.0'; },
    'provider aws: version must be exact, not "~> 5.0"'],
  ['the pinned Terraform', (s) => { s.terraform[0].required_version = '>= 1.8'; },
    'terraform: required_version must be an exact version, not ">= 1.8"'],
  ['a pinned chart', (s) => { delete resource(s, 'helm_release', 'argocd').version; },
    'helm_release.argocd: chart version must be exact, not undefined'],
  ['the exact IRSA subject', (s) => { block(s, 'data', 'aws_iam_policy_document', 'irsa_trust').statement[0].condition[0].test = 'StringLike'; },
    'aws_iam_role.irsa: web-identity trust must pin :sub with StringEquals'],
];

describe('each policy rule', () => {
  it.each(removals)('fails when %s is removed', (_what, remove, message) => {
    const copy = structuredClone(stack);
    remove(copy);
    expect(policyViolations(copy)).toEqual(message.split('\n').sort());
  });

  it('has at least one removal that proves it can fail', () => {
    const proven = new Set<string>();
    for (const [, remove] of removals) {
      const copy = structuredClone(stack);
      remove(copy);
      for (const [name, rule] of Object.entries(rules)) if (rule(copy).length) proven.add(name);
    }
    expect([...proven].sort()).toEqual(Object.keys(rules).sort());
  });

  it('fails on the HCL text too: rds.tf without storage_encrypted', async () => {
    const text = readFileSync(join(TF_DIR, 'rds.tf'), 'utf8');
    expect(text).toMatch(/^\s*storage_encrypted\s*=\s*true\n/m);
    const edited = await parseStack(TF_DIR, { 'rds.tf': text.replace(/^\s*storage_encrypted\s*=\s*true\n/m, '') });
    expect(policyViolations(edited)).toEqual([
      'aws_db_instance.main: storage_encrypted must be true (not in development, production, staging)',
    ]);
  });
});

describe('the expression evaluator the rules rely on', () => {
  it('resolves local.tier, var and simple operators, and refuses resource references', () => {
    const scope = { local: { tier: { nodes: 2, on: true } }, var: { environment: 'staging' } };
    expect(evaluate('${local.tier.nodes > 1}', scope)).toBe(true);
    expect(evaluate('${!local.tier.on}', scope)).toBe(false);
    expect(evaluate('flextime-${var.environment}', scope)).toBe('flextime-staging');
    expect(evaluate('${aws_kms_key.main.arn}', scope)).toBeUndefined();
    expect(evaluate('${length(local.tier.nodes)}', scope)).toBeUndefined();
    expect(evaluate('${local.tier.missing}', scope)).toBeUndefined();
  });
});

/** The terraform binary: .tools/bin (scripts/install-tools), $TERRAFORM, or the shared build cache. */
function terraformBinary(): string | undefined {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return [
    join('.tools', 'bin', 'terraform'),
    process.env.TERRAFORM ?? '',
    join(cache, 'flextime-tools', 'terraform-1.8.5', 'terraform'),
    join(cache, 'flextime-tools', 'terraform-v1.8.5', 'terraform'),
  ].find((p) => p && existsSync(p));
}

describe('terraform fmt', () => {
  const terraform = terraformBinary();
  it.skipIf(!terraform)('finds every file of terraform-bootstrap/ formatted (terraform 1.8.5)', () => {
    const run = (args: string[]) => execFileSync(terraform!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run(['version'])).toMatch(/^Terraform v1\.8\.5/);
    // -check exits non-zero (execFileSync throws) and lists the files that would change.
    expect(run(['fmt', '-check', '-recursive', TF_DIR])).toBe('');
  });
});
