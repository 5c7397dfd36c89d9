/**
 * Each static policy rule over the parsed HCL fails when its guarded setting is removed
 * (the rules: test/terraform-policy.ts; the modules as committed: terraform-policy.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { block, CLUSTER_DIR, ENVIRONMENT_DIR, locals, MODULE_DIRS, parseStack, type Hcl, type ModuleName } from './terraform-hcl.ts';
import { policyViolations, ruleViolations, rules } from './terraform-policy.ts';
import { loadConfig } from '../config/index.ts';
import { platformConfig } from '../config/platform.ts';

const stacks = {} as Record<ModuleName, Hcl>;
beforeAll(async () => {
  for (const [name, dir] of Object.entries(MODULE_DIRS)) stacks[name as ModuleName] = await parseStack(dir);
});

const resource = (s: Hcl, type: string, name: string) => block(s, 'resource', type, name);
const rds = (s: Hcl) => resource(s, 'aws_db_instance', 'main');
const redis = (s: Hcl) => resource(s, 'aws_elasticache_replication_group', 'main');
const tier = (s: Hcl, name: string) => s.locals.find((l: Hcl) => l.tiers).tiers[name];
/** The copy of a local module a root module calls as `name` (its blocks; edits affect that call only). */
const called = (s: Hcl, name: string) => s.modules[name];
/** The bucket policy document of a modules/secure-bucket call. */
const bucketPolicyDoc = (s: Hcl, call: string) => block(called(s, call), 'data', 'aws_iam_policy_document', 'this');
const bucketResource = (s: Hcl, call: string, type: string) => resource(called(s, call), type, 'this');
const irsaTrust = (s: Hcl) => block(called(s, 'irsa'), 'data', 'aws_iam_policy_document', 'trust');



const removals: Array<[ModuleName, string, (s: Hcl) => void, string]> = [
  ['environment', 'RDS storage encryption', (s) => delete rds(s).storage_encrypted,
    'aws_db_instance.main: storage_encrypted must be true (not in development, production, staging)'],
  ['environment', 'the RDS KMS key', (s) => delete rds(s).kms_key_id, 'aws_db_instance.main: kms_key_id must be set'],
  ['environment', 'ElastiCache at-rest encryption', (s) => delete redis(s).at_rest_encryption_enabled,
    'aws_elasticache_replication_group.main: at_rest_encryption_enabled must be true (not in development, production, staging)'],
  ['environment', 'ElastiCache in-transit encryption', (s) => { redis(s).transit_encryption_enabled = false; },
    'aws_elasticache_replication_group.main: transit_encryption_enabled must be true (not in development, production, staging)'],
  ['environment', 'S3 SSE-KMS', (s) => { for (const call of ['backups', 'access_logs']) delete called(s, call).resource.aws_s3_bucket_server_side_encryption_configuration; },
    'module.access_logs.aws_s3_bucket.this: needs server-side encryption with aws:kms and a kms_master_key_id (or AES256, as an access-log target)\nmodule.backups.aws_s3_bucket.this: needs server-side encryption with aws:kms and a kms_master_key_id'],
  ['environment', 'the backups bucket\'s KMS key (left out of its call)', (s) => { delete s.module.backups[0].kms_key_arn; },
    'module.backups.aws_s3_bucket.this: needs server-side encryption with aws:kms and a kms_master_key_id'],
  ['environment', 'the backups bucket\'s access logging', (s) => { delete called(s, 'access_logs').resource.aws_s3_bucket_logging; },
    'module.access_logs.aws_s3_bucket.this: needs server access logging (aws_s3_bucket_logging into a log bucket)\nmodule.access_logs.aws_s3_bucket.this: needs server-side encryption with aws:kms and a kms_master_key_id\nmodule.backups.aws_s3_bucket.this: needs server access logging (aws_s3_bucket_logging into a log bucket)'],
  ['environment', 'the access-log bucket\'s source (left out of its call)', (s) => { delete s.module.access_logs[0].server_access_logs_of; },
    'module.access_logs.aws_s3_bucket.this: needs server access logging (aws_s3_bucket_logging into a log bucket)\nmodule.access_logs.aws_s3_bucket.this: needs server-side encryption with aws:kms and a kms_master_key_id\nmodule.backups.aws_s3_bucket.this: needs server access logging (aws_s3_bucket_logging into a log bucket)'],
  ['cluster', 'S3 SSE-KMS (the log archive\'s key left out of its call)', (s) => { delete s.module.log_archive[0].kms_key_arn; },
    'module.log_archive.aws_s3_bucket.this: needs server-side encryption with aws:kms and a kms_master_key_id'],
  ['cluster', 'the log archive\'s access logging', (s) => { delete called(s, 'log_archive_access_logs').resource.aws_s3_bucket_logging; },
    'module.log_archive.aws_s3_bucket.this: needs server access logging (aws_s3_bucket_logging into a log bucket)\nmodule.log_archive_access_logs.aws_s3_bucket.this: needs server access logging (aws_s3_bucket_logging into a log bucket)\nmodule.log_archive_access_logs.aws_s3_bucket.this: needs server-side encryption with aws:kms and a kms_master_key_id'],
  ['cluster', 'EFS encryption', (s) => delete resource(s, 'aws_efs_file_system', 'models').encrypted,
    'aws_efs_file_system.models: encrypted must be true (not in non-production, production)'],
  ['cluster', 'EKS secrets encryption', (s) => delete resource(s, 'aws_eks_cluster', 'main').encryption_config,
    'aws_eks_cluster.main: encryption_config must encrypt "secrets" with a KMS key'],
  ['cluster', 'KMS key rotation', (s) => delete resource(called(s, 'kms'), 'aws_kms_key', 'this').enable_key_rotation,
    'module.kms.aws_kms_key.this: enable_key_rotation must be true (not in non-production, production)'],
  ['environment', 'KMS key rotation (made an input the root sets per tier)', (s) => {
    resource(called(s, 'kms'), 'aws_kms_key', 'this').enable_key_rotation = '${var.rotate}';
    s.module.kms[0].rotate = '${local.tier.multi_az}';
  }, 'module.kms.aws_kms_key.this: enable_key_rotation must be true (not in development, staging)'],
  ['cluster', 'a log group key', (s) => delete resource(s, 'aws_cloudwatch_log_group', 'eks').kms_key_id,
    'aws_cloudwatch_log_group.eks: kms_key_id must be set'],
  ['environment', 'a log group key', (s) => delete resource(s, 'aws_cloudwatch_log_group', 'redis').kms_key_id,
    'aws_cloudwatch_log_group.redis: kms_key_id must be set'],
  ['environment', 'rds.force_ssl', (s) => { resource(s, 'aws_db_parameter_group', 'main').parameter.shift(); },
    'aws_db_instance.main: its parameter group must set rds.force_ssl = 1\naws_db_instance.replica: its parameter group must set rds.force_ssl = 1'],
  ['environment', 'pg_stat_statements preloaded', (s) => {
    const params = resource(s, 'aws_db_parameter_group', 'main').parameter;
    params.find((p: Hcl) => p.name === 'shared_preload_libraries').value = 'auto_explain';
  }, 'aws_db_instance.main: its parameter group must set shared_preload_libraries for pg_stat_statements (now "auto_explain")\naws_db_instance.replica: its parameter group must set shared_preload_libraries for pg_stat_statements (now "auto_explain")'],
  ['environment', 'pg_stat_statements tracking', (s) => {
    const params = resource(s, 'aws_db_parameter_group', 'main').parameter;
    params.splice(params.findIndex((p: Hcl) => p.name === 'pg_stat_statements.track'), 1);
  }, 'aws_db_instance.main: its parameter group must set pg_stat_statements.track for pg_stat_statements (now unset)\naws_db_instance.replica: its parameter group must set pg_stat_statements.track for pg_stat_statements (now unset)'],
  ['environment', 'the TLS-only bucket policy', (s) => { bucketPolicyDoc(s, 'backups').statement[0].condition[0].values = ['true']; },
    'module.backups.aws_s3_bucket.this: its bucket policy must deny requests with aws:SecureTransport = false'],
  ['cluster', 'the TLS-only bucket policy', (s) => { bucketPolicyDoc(s, 'log_archive_access_logs').statement[0].effect = 'Allow'; },
    'module.log_archive_access_logs.aws_s3_bucket.this: its bucket policy must deny requests with aws:SecureTransport = false'],
  ['environment', 'multi-AZ in production', (s) => { tier(s, 'production').multi_az = false; },
    'aws_db_instance.main: multi_az must be true in production\naws_db_instance.replica: multi_az must be true in production\naws_elasticache_replication_group.main: multi_az_enabled must be true in production'],
  ['environment', 'deletion protection in production', (s) => { tier(s, 'production').deletion_protection = false; },
    'aws_db_instance.main: deletion_protection must be true in production\naws_db_instance.replica: deletion_protection must be true in production'],
  ['environment', 'the final snapshot', (s) => { rds(s).skip_final_snapshot = true; }, 'aws_db_instance.main: skip_final_snapshot must be false'],
  ['environment', 'Redis failover in production', (s) => { tier(s, 'production').redis_nodes = 1; },
    'aws_elasticache_replication_group.main: automatic_failover_enabled must be true in production'],
  ['cluster', 'one NAT gateway per AZ in production', (s) => { tier(s, 'production').nat_gateways = 1; },
    'aws_nat_gateway.main: count must be 3 in production (one NAT gateway per AZ), not 1'],
  ['cluster', 'node groups from config (on-demand in production)', (s) => { resource(s, 'aws_eks_node_group', 'main').capacity_type = 'SPOT'; },
    'aws_eks_node_group.main: capacity_type must be each.value.capacity_type of for_each = var.node_groups[var.cluster] (config/node-groups.ts: ON_DEMAND in production), not "SPOT"'],
  ['cluster', 'the production tier of a cluster hosting production', (s) => { s.locals.find((l: Hcl) => l.tier_name).tier_name = 'non-production'; },
    'locals.tier_name: a cluster hosting development, production, staging must take the production tier, not non-production\nlocals.tier_name: a cluster hosting production must take the production tier, not non-production'],
  ['environment', 'seven days of database backups', (s) => { tier(s, 'development').backup_retention_days = 1; },
    'aws_db_instance.main: backup_retention_period must be >= 7 days (development: 1)\naws_db_instance.replica: backup_retention_period must be >= 7 days (development: 1)\naws_elasticache_replication_group.main: snapshot_retention_limit must be >= 7 days (development: 1)'],
  ['environment', 'bucket versioning', (s) => { for (const call of ['backups', 'access_logs']) delete called(s, call).resource.aws_s3_bucket_versioning; },
    'module.access_logs.aws_s3_bucket.this: versioning must be Enabled\nmodule.backups.aws_s3_bucket.this: versioning must be Enabled'],
  ['cluster', 'bucket versioning', (s) => { bucketResource(s, 'log_archive', 'aws_s3_bucket_versioning').versioning_configuration[0].status = 'Suspended'; },
    'module.log_archive.aws_s3_bucket.this: versioning must be Enabled'],
  ['cluster', 'log retention', (s) => delete resource(s, 'aws_cloudwatch_log_group', 'flow_logs').retention_in_days,
    'aws_cloudwatch_log_group.flow_logs: retention_in_days must be >= 30 (non-production: undefined, production: undefined)'],
  ['environment', 'log retention', (s) => { tier(s, 'staging').log_retention_days = 14; },
    'aws_cloudwatch_log_group.db: retention_in_days must be >= 30 (staging: 14)\naws_cloudwatch_log_group.db_replica: retention_in_days must be >= 30 (staging: 14)\naws_cloudwatch_log_group.redis: retention_in_days must be >= 30 (staging: 14)'],
  ['environment', 'the replica\'s log groups', (s) => { delete resource(s, 'aws_db_instance', 'replica').depends_on; },
    'aws_db_instance.replica: exports logs, so it must depend on its aws_cloudwatch_log_group (else RDS makes the group without retention or key)'],
  ['cluster', 'audit logs of the control plane', (s) => { resource(s, 'aws_eks_cluster', 'main').enabled_cluster_log_types = ['api']; },
    'aws_eks_cluster.main: enabled_cluster_log_types lacks audit, authenticator, controllerManager, scheduler'],
  ['cluster', 'VPC flow logs', (s) => { delete s.resource.aws_flow_log; }, 'aws_vpc.main: needs flow logs of ALL traffic (aws_flow_log)'],
  ['environment', 'the security-group-only database ingress', (s) => {
    const rule = resource(called(s, 'db_security_group'), 'aws_vpc_security_group_ingress_rule', 'this');
    delete rule.referenced_security_group_id;
    rule.cidr_ipv4 = '0.0.0.0/0';
  }, 'module.db_security_group.aws_vpc_security_group_ingress_rule.this: module.db_security_group.aws_security_group.this must not accept 0.0.0.0/0'],
  ['environment', 'the security-group-only Redis ingress', (s) => {
    resource(called(s, 'redis_security_group'), 'aws_security_group', 'this').ingress = [{ from_port: 6379, to_port: 6379, protocol: 'tcp', cidr_blocks: ['10.0.0.0/8'] }];
  }, 'module.redis_security_group.aws_security_group.this: inline ingress from 10.0.0.0/8; data stores accept only security-group references'],
  ['environment', 'a data store security group of its own, open to a CIDR', (s) => {
    s.resource.aws_security_group = { db: [{ name: 'db' }] };
    s.resource.aws_vpc_security_group_ingress_rule = { db: [{ security_group_id: '${aws_security_group.db.id}', cidr_ipv4: '10.0.0.0/8' }] };
    rds(s).vpc_security_group_ids = ['${aws_security_group.db.id}'];
  }, "aws_vpc_security_group_ingress_rule.db: aws_security_group.db may only accept a referenced security group (the cluster's), not 10.0.0.0/8"],
  ['cluster', 'the security-group-only EFS ingress', (s) => {
    const rule = resource(called(s, 'efs_security_group'), 'aws_vpc_security_group_ingress_rule', 'this');
    delete rule.referenced_security_group_id;
    rule.cidr_ipv4 = '10.10.0.0/16';
  }, "module.efs_security_group.aws_vpc_security_group_ingress_rule.this: module.efs_security_group.aws_security_group.this may only accept a referenced security group (the cluster's), not 10.10.0.0/16"],
  ['environment', 'the private database', (s) => { rds(s).publicly_accessible = true; }, 'aws_db_instance.main: publicly_accessible must be false'],
  ['cluster', 'the private endpoint by default', (s) => { resource(s, 'aws_eks_cluster', 'main').vpc_config[0].endpoint_public_access = true; },
    'aws_eks_cluster.main: endpoint_public_access must be false unless public_api_cidrs lists networks (private by default)'],
  ['cluster', 'the public API CIDR limit', (s) => { delete resource(s, 'aws_eks_cluster', 'main').vpc_config[0].public_access_cidrs; },
    'aws_eks_cluster.main: a public endpoint must be limited by public_access_cidrs (var.public_api_cidrs)'],
  ['environment', 'one public access block flag', (s) => { bucketResource(s, 'backups', 'aws_s3_bucket_public_access_block').restrict_public_buckets = false; },
    'module.backups.aws_s3_bucket.this: public access block must set restrict_public_buckets = true'],
  ['cluster', 'one public access block flag', (s) => { bucketResource(s, 'log_archive_access_logs', 'aws_s3_bucket_public_access_block').block_public_policy = false; },
    'module.log_archive_access_logs.aws_s3_bucket.this: public access block must set block_public_policy = true'],
  ['environment', 'the RDS-managed password', (s) => { delete rds(s).manage_master_user_password; rds(s).password = 'hunter2-hunter2'; },
    'aws_db_instance.main: manage_master_user_password must be true\naws_db_instance.main: password is a literal; secrets come from Secrets Manager\naws_db_instance.main: password must not be set (RDS manages it in Secrets Manager)'],
  ['environment', 'the Secrets Manager Redis token', (s) => { redis(s).auth_token = 'correct-horse-battery-staple'; },
    'aws_elasticache_replication_group.main: auth_token is a literal; secrets come from Secrets Manager'],
  ['environment', 'the secret-free outputs', (s) => { s.output.redis_token = [{ value: '${data.aws_secretsmanager_secret_version.redis_auth.secret_string}', sensitive: true }]; },
    'output.redis_token: must not expose a secret value\noutput.redis_token: outputs are committed to config/; a sensitive output is a secret'],
  ['cluster', 'the ban on generated passwords', (s) => { s.resource.random_password = { argocd_admin: [{ length: 32 }] }; },
    'random_password.argocd_admin: generated secrets land in state; let AWS generate them (README.md)'],
  ['environment', 'a pinned provider', (s) => { s.terraform[0].required_providers[0].aws.version = '~> 5.0'; },
    'provider aws: version must be exact, not "~> 5.0"'],
  ['cluster', 'a pinned provider', (s) => { s.terraform[0].required_providers[0].helm.version = '>= 2.17'; },
    'provider helm: version must be exact, not ">= 2.17"'],
  ['cluster', 'the pinned Terraform', (s) => { s.terraform[0].required_version = '>= 1.8'; },
    'terraform: required_version must be an exact version, not ">= 1.8"'],
  ['cluster', 'NetworkPolicy enforcement of the VPC CNI', (s) => { locals(s).vpc_cni_configuration.enableNetworkPolicy = 'false'; },
    'aws_eks_addon.vpc_cni: configuration_values must set enableNetworkPolicy = "true" (else no NetworkPolicy is enforced), not "false"'],
  ['cluster', 'the EBS CSI driver', (s) => { delete s.resource.aws_eks_addon.ebs_csi; },
    'aws_eks_cluster.main: needs the EKS add-on aws-ebs-csi-driver (the provisioner of the StorageClasses in dist/cluster/storage)'],
  ['cluster', 'the EBS CSI driver\'s own role', (s) => { delete resource(s, 'aws_eks_addon', 'ebs_csi').service_account_role_arn; },
    'aws_eks_addon.ebs_csi: aws-ebs-csi-driver calls AWS and needs its own IRSA role (service_account_role_arn = module.irsa.arns["<key>"])'],
  ['cluster', 'a pinned EKS add-on build', (s) => { s.locals.find((l: Hcl) => l.eks_addon_versions).eks_addon_versions['1.32'].coredns = 'latest'; },
    'aws_eks_addon.coredns: addon_version must be an exact add-on build such as "v1.19.2-eksbuild.5" for Kubernetes 1.32, not "latest"'],
  ['cluster', 'a pinned chart', (s) => { delete resource(s, 'helm_release', 'argocd').version; },
    'helm_release.argocd: chart version must be exact, not undefined'],
  ['cluster', 'the exact IRSA subject', (s) => { irsaTrust(s).statement[0].condition[0].test = 'StringLike'; },
    'module.irsa.aws_iam_role.this: web-identity trust must pin :sub with StringEquals'],
  ['environment', 'the exact IRSA subject', (s) => { irsaTrust(s).statement[0].condition.splice(1, 1); },
    'module.irsa.aws_iam_role.this: web-identity trust must pin :aud with StringEquals'],
  ['cluster', 'the local KMS module', (s) => { s.module.kms[0].source = 'terraform-aws-modules/kms/aws'; },
    'module.kms: source must be a local module (../modules/<name>) the policy reads, not "terraform-aws-modules/kms/aws"'],
  ['environment', 'the local IRSA module', (s) => { s.module.irsa[0].source = 'git::https://example.com/irsa.git'; delete s.modules.irsa; },
    'module.irsa: source must be a local module (../modules/<name>) the policy reads, not "git::https://example.com/irsa.git"'],
];

describe('each policy rule', () => {
  it.each(removals)('fails in %s when %s is removed', (module, _what, remove, message) => {
    const copy = structuredClone(stacks[module]);
    remove(copy);
    expect(policyViolations(copy)).toEqual(message.split('\n').sort());
  });

  it('has at least one removal in each module that proves it can fail', () => {
    const proven = new Set<string>();
    for (const [module, , remove] of removals) {
      const copy = structuredClone(stacks[module]);
      remove(copy);
      for (const [name, rule] of Object.entries(rules)) if (ruleViolations(copy, rule).length) proven.add(`${module}: ${name}`);
    }
    // Every rule that has something to check in a module is shown to fail there (both have buckets:
    // the S3 parts of encryptionInTransit and backupRetention, publicAccessBlocked, accessLogged).
    const applicable = Object.keys(MODULE_DIRS).flatMap((module) => Object.keys(rules)
      .filter((name) => name !== 'queryInsight' || module === 'environment')
      .filter((name) => !['eksAddons', 'networkPolicyEnforced'].includes(name) || module === 'cluster')
      .map((name) => `${module}: ${name}`));
    expect([...proven].sort()).toEqual(applicable.sort());
  });

  it('fails on the HCL text too: rds.tf without storage_encrypted', async () => {
    const text = readFileSync(join(ENVIRONMENT_DIR, 'rds.tf'), 'utf8');
    expect(text).toMatch(/^\s*storage_encrypted\s*=\s*true\n/m);
    const edited = await parseStack(ENVIRONMENT_DIR, { 'rds.tf': text.replace(/^\s*storage_encrypted\s*=\s*true\n/m, '') });
    expect(policyViolations(edited)).toEqual([
      'aws_db_instance.main: storage_encrypted must be true (not in development, production, staging)',
    ]);
  });

  it('fails on the HCL text too: the kms-key module without rotation fails both root modules (both keys of the cluster)', async () => {
    const path = '../modules/kms-key/main.tf';
    const text = readFileSync(join(CLUSTER_DIR, path), 'utf8');
    expect(text).toMatch(/^\s*enable_key_rotation\s*=\s*true\n/m);
    const without = { [path]: text.replace(/^\s*enable_key_rotation\s*=\s*true\n/m, '') };
    expect(policyViolations(await parseStack(CLUSTER_DIR, without))).toEqual([
      'module.ebs_kms.aws_kms_key.this: enable_key_rotation must be true (not in non-production, production)',
      'module.kms.aws_kms_key.this: enable_key_rotation must be true (not in non-production, production)',
    ]);
    expect(policyViolations(await parseStack(ENVIRONMENT_DIR, without))).toEqual([
      'module.kms.aws_kms_key.this: enable_key_rotation must be true (not in development, production, staging)',
    ]);
  });

  it('fails on the HCL text too: the secure-bucket module with versioning suspended fails every bucket of both root modules', async () => {
    const path = '../modules/secure-bucket/main.tf';
    const text = readFileSync(join(CLUSTER_DIR, path), 'utf8');
    expect(text).toMatch(/^\s*status = "Enabled"\n\s*\}\n\}\n\nresource "aws_s3_bucket_server_side_encryption_configuration"/m);
    const suspended = { [path]: text.replace(/status = "Enabled"(\n\s*\}\n\}\n\nresource "aws_s3_bucket_server_side_encryption_configuration")/, 'status = "Suspended"$1') };
    expect(policyViolations(await parseStack(CLUSTER_DIR, suspended))).toEqual([
      'module.log_archive.aws_s3_bucket.this: versioning must be Enabled',
      'module.log_archive_access_logs.aws_s3_bucket.this: versioning must be Enabled',
    ]);
    expect(policyViolations(await parseStack(ENVIRONMENT_DIR, suspended))).toEqual([
      'module.access_logs.aws_s3_bucket.this: versioning must be Enabled',
      'module.backups.aws_s3_bucket.this: versioning must be Enabled',
    ]);
  });

  it('fails on the HCL text too: eks.tf with a node group capacity of its own', async () => {
    const text = readFileSync(join(CLUSTER_DIR, 'eks.tf'), 'utf8');
    expect(text).toMatch(/capacity_type\s*=\s*each\.value\.capacity_type/);
    const edited = await parseStack(CLUSTER_DIR, { 'eks.tf': text.replace(/capacity_type(\s*)=\s*each\.value\.capacity_type/, 'capacity_type$1= "SPOT"') });
    expect(policyViolations(edited)).toEqual(['aws_eks_node_group.main: capacity_type must be each.value.capacity_type of for_each = var.node_groups[var.cluster] (config/node-groups.ts: ON_DEMAND in production), not "SPOT"']);
  });

  it('config refuses spot nodes in the production tier (the rule behind var.node_groups)', () => {
    const raw = structuredClone(platformConfig);
    raw.aws.nodeGroups.production[0]!.capacityType = 'SPOT';
    expect(() => loadConfig(raw)).toThrow('aws.nodeGroups.production[on-demand].capacityType = "SPOT": must be ON_DEMAND in the production tier: spot nodes can be reclaimed at any time');
  });
});
