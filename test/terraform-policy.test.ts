/**
 * Static security policy of terraform-bootstrap/: the HCL of each root module (cluster/,
 * environment/) and of the local modules it calls (modules/) is parsed (no provider, no AWS) and
 * every rule of test/terraform-policy.ts must hold. Each rule is shown to fail when the property
 * it guards is removed from a copy of the parsed module, and once from an edited copy of the file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { block, CLUSTER_DIR, ENVIRONMENT_DIR, evaluate, locals, MODULE_DIRS, moduleScope, parseStack, perTier, TF_DIR, type Hcl, type ModuleName } from './terraform-hcl.ts';
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
const bucketPolicyDoc = (s: Hcl) => block(s, 'data', 'aws_iam_policy_document', 'backups_bucket');
/** The copy of a local module a root module calls as `name` (its blocks; edits affect that call only). */
const called = (s: Hcl, name: string) => s.modules[name];
const irsaTrust = (s: Hcl) => block(called(s, 'irsa'), 'data', 'aws_iam_policy_document', 'trust');
/** Call name → source of each module a root module calls. */
const MODULE_CALLS: Record<ModuleName, Record<string, string>> = {
  cluster: {
    kms: '../modules/kms-key',
    ebs_kms: '../modules/kms-key',
    irsa: '../modules/irsa-roles',
    efs_security_group: '../modules/data-store-security-group',
    vpc_endpoints: '../modules/vpc-endpoints',
  },
  environment: {
    kms: '../modules/kms-key',
    irsa: '../modules/irsa-roles',
    db_security_group: '../modules/data-store-security-group',
    redis_security_group: '../modules/data-store-security-group',
  },
};

/** argo-cd chart version → the Argo CD it ships (argoproj/argo-helm charts/argo-cd/Chart.yaml `appVersion`). */
const ARGO_CD_CHART_APP_VERSION: Record<string, string> = { '9.5.11': 'v3.3.9' };
/** The Argo CD minor `npm run verify` checks Applications and AppProjects against (its CRDs come from this Go module). */
const VERIFIED_ARGO_CD_MINOR = 'v3.3';
const VERIFY_ARGO_CD_MODULE = 'tools/crds/argo-cd/go.mod';

describe('the committed terraform-bootstrap modules', () => {
  it.each(Object.keys(MODULE_DIRS))('%s violates no policy rule', (name) => {
    expect(policyViolations(stacks[name as ModuleName])).toEqual([]);
  });

  it('pin Terraform and every provider to an exact version', () => {
    expect(stacks.cluster.terraform[0].required_version).toBe('1.8.5');
    expect(stacks.cluster.terraform[0].required_providers[0]).toEqual({
      aws: { source: 'hashicorp/aws', version: '5.100.0' },
      helm: { source: 'hashicorp/helm', version: '2.17.0' },
    });
    expect(stacks.environment.terraform[0].required_version).toBe('1.8.5');
    expect(stacks.environment.terraform[0].required_providers[0]).toEqual({ aws: { source: 'hashicorp/aws', version: '5.100.0' } });
  });

  it('keep production data multi-AZ and protected from deletion, and development cheap', () => {
    const env = stacks.environment;
    expect(perTier(env, rds(env).multi_az)).toEqual({ development: false, staging: false, production: true });
    expect(perTier(env, rds(env).deletion_protection)).toEqual({ development: false, staging: false, production: true });
    expect(perTier(env, redis(env).automatic_failover_enabled)).toEqual({ development: false, staging: true, production: true });
  });

  it('give a cluster that hosts production on-demand nodes and one NAT gateway per AZ, any other cluster spot nodes and one NAT', () => {
    const cluster = stacks.cluster;
    expect(resource(cluster, 'aws_eks_node_group', 'main')).toMatchObject({ for_each: '${var.node_groups[var.cluster]}', capacity_type: '${each.value.capacity_type}' });
    expect(Object.fromEntries(Object.entries(loadConfig().aws.nodeGroups).map(([tier, groups]) => [tier, groups.map((g) => g.capacityType)])))
      .toEqual({ 'non-production': ['SPOT'], production: ['ON_DEMAND'] });
    expect(perTier(cluster, resource(cluster, 'aws_nat_gateway', 'main').count)).toEqual({ 'non-production': 1, production: 3 });
    const tierOf = (...hosted: string[]) => evaluate(locals(cluster).tier_name, { local: { hosted: Object.fromEntries(hosted.map((e) => [e, {}])) } });
    expect([tierOf('development', 'staging', 'production'), tierOf('production'), tierOf('development', 'staging'), tierOf()])
      .toEqual(['production', 'production', 'non-production', 'non-production']);
  });

  it('let RDS manage the master password and read the Redis token from Secrets Manager', () => {
    const env = stacks.environment;
    expect(rds(env).manage_master_user_password).toBe(true);
    expect(rds(env).password).toBeUndefined();
    expect(redis(env).auth_token).toBe('${data.aws_secretsmanager_secret_version.redis_auth.secret_string}');
    expect(env.resource.random_password).toBeUndefined();
    expect(stacks.cluster.resource.random_password).toBeUndefined();
  });

  it('install an argo-cd chart of the Argo CD minor verify checks against, then the root Application rendered into argocd/bootstrap', () => {
    const cluster = stacks.cluster;
    const argocd = resource(cluster, 'helm_release', 'argocd');
    expect([argocd.chart, argocd.version]).toEqual(['argo-cd', '9.5.11']);
    expect(ARGO_CD_CHART_APP_VERSION[argocd.version]?.startsWith(`${VERIFIED_ARGO_CD_MINOR}.`)).toBe(true);
    expect(resource(cluster, 'helm_release', 'root_application').depends_on).toEqual(['${helm_release.argocd}']);
    expect(locals(cluster).root_application).toBe('${yamldecode(file("${path.module}/../../argocd/bootstrap/application-flextime-root.yaml"))}');
  });

  it.skipIf(!existsSync(VERIFY_ARGO_CD_MODULE))('check against the Argo CD minor whose CRDs verify uses (tools/crds/argo-cd)', () => {
    const verified = /github\.com\/argoproj\/argo-cd\/v3 (v\d+\.\d+)\.\d+/.exec(readFileSync(VERIFY_ARGO_CD_MODULE, 'utf8'))?.[1];
    expect(verified).toBe(VERIFIED_ARGO_CD_MINOR);
  });

  it('give Applications a health check in argocd-cm, so sync waves between child Applications wait for health', () => {
    const cluster = stacks.cluster;
    const values = resource(cluster, 'helm_release', 'argocd').values[0] as string;
    expect(values).toMatch(/configs = \{\s*cm = \{\s*"resource\.customizations\.health\.argoproj\.io_Application" = local\.application_health_lua\s*\}/);
    const lua = locals(cluster).application_health_lua as string;
    expect(lua).toContain('hs.status = obj.status.health.status');
    expect(lua).toContain('hs.status = "Progressing"');
    expect(lua.trimEnd().endsWith('return hs')).toBe(true);
  });
});

describe('the local modules (terraform-bootstrap/modules)', () => {
  const call = (s: Hcl, name: string) => s.module[name][0];

  it.each(Object.keys(MODULE_DIRS))('are what %s calls for its KMS key, IRSA roles, data-store security groups and VPC endpoints, which it no longer declares itself', (name) => {
    const s = stacks[name as ModuleName];
    expect(Object.fromEntries(Object.entries<Hcl>(s.module).map(([n, [c]]) => [n, c.source]))).toEqual(MODULE_CALLS[name as ModuleName]);
    expect(Object.keys(s.modules).sort()).toEqual(Object.keys(MODULE_CALLS[name as ModuleName]).sort());
    for (const type of ['aws_kms_key', 'aws_kms_alias', 'aws_security_group', 'aws_vpc_security_group_ingress_rule']) {
      expect(s.resource[type], `${name}: ${type}`).toBeUndefined();
    }
    expect(s.data.aws_iam_policy_document.irsa_trust, `${name}: a trust policy of its own`).toBeUndefined();
    expect(s.resource.aws_iam_role?.irsa, `${name}: IRSA roles of its own`).toBeUndefined();
  });

  it.each(Object.entries(MODULE_DIRS).map(([name]) => [name, name === 'cluster' ? ['non-production', 'production'] : ['development', 'production', 'staging']]))(
    '%s gets a key with rotation on in every tier, administered by its own account, for log groups of its own region',
    (name, tierNames) => {
      const s = stacks[name as ModuleName];
      expect([call(s, 'kms').aws_account_id, call(s, 'kms').region]).toEqual(['${var.aws_account_id}', '${var.region}']);
      const kms = moduleScope(s, 'kms');
      const key = block(kms, 'resource', 'aws_kms_key', 'this');
      expect(perTier(kms, key.enable_key_rotation)).toEqual(Object.fromEntries(tierNames.map((t) => [t, true])));
      expect(key.deletion_window_in_days).toBe(30);
      const [admin, logs] = block(kms, 'data', 'aws_iam_policy_document', 'this').statement;
      expect(admin.principals[0].identifiers).toEqual(['arn:aws:iam::${var.aws_account_id}:root']);
      expect(logs.condition[0].values).toEqual(['arn:aws:logs:${var.region}:${var.aws_account_id}:log-group:*']);
    },
  );

  it('give every IRSA role the trust of exactly one subject of local.irsa_subjects, on its own cluster\'s OIDC provider', () => {
    expect(call(stacks.cluster, 'irsa')).toMatchObject({
      subjects: '${local.irsa_subjects}',
      oidc_provider_arn: '${aws_iam_openid_connect_provider.eks.arn}',
      oidc_issuer_url: '${aws_eks_cluster.main.identity[0].oidc[0].issuer}',
    });
    expect(call(stacks.environment, 'irsa')).toMatchObject({
      subjects: '${local.irsa_subjects}',
      oidc_provider_arn: '${data.aws_iam_openid_connect_provider.cluster.arn}',
      oidc_issuer_url: '${data.aws_eks_cluster.this.identity[0].oidc[0].issuer}',
    });
    const irsa = called(stacks.cluster, 'irsa');
    expect(block(irsa, 'resource', 'aws_iam_role', 'this').for_each).toBe('${var.subjects}');
    const trust = irsaTrust(stacks.cluster);
    expect(trust.for_each).toBe('${var.subjects}');
    expect(trust.statement[0].principals[0]).toEqual({ type: 'Federated', identifiers: ['${var.oidc_provider_arn}'] });
    expect(trust.statement[0].condition.map((c: Hcl) => [c.test, c.variable, c.values])).toEqual([
      ['StringEquals', '${local.oidc_issuer}:sub', ['${each.value}']],
      ['StringEquals', '${local.oidc_issuer}:aud', ['sts.amazonaws.com']],
    ]);
    // Wildcards are refused before they reach a trust policy.
    expect(irsa.variable.subjects[0].validation[0].condition).toContain('^system:serviceaccount:[a-z0-9][-a-z0-9]*:[a-z0-9][-.a-z0-9]*$');
  });

  it('let each data store in on its own port from the cluster security group only, with no CIDR input at all', () => {
    const calls: Array<[ModuleName, string, number, string]> = [
      ['cluster', 'efs_security_group', 2049, '${aws_eks_cluster.main.vpc_config[0].cluster_security_group_id}'],
      ['environment', 'db_security_group', 5432, '${local.cluster_security_group_id}'],
      ['environment', 'redis_security_group', 6379, '${local.cluster_security_group_id}'],
    ];
    for (const [root, name, port, client] of calls) {
      expect([call(stacks[root], name).port, call(stacks[root], name).client_security_group_id], name).toEqual([port, client]);
      const sg = called(stacks[root], name);
      expect(Object.keys(sg.variable).filter((v) => /cidr/i.test(v)), name).toEqual([]);
      const rule = block(sg, 'resource', 'aws_vpc_security_group_ingress_rule', 'this');
      expect([rule.from_port, rule.to_port, rule.referenced_security_group_id]).toEqual(['${var.port}', '${var.port}', '${var.client_security_group_id}']);
    }
  });
});

/** [module, what is removed, how, the exact violation it must cause] */
const removals: Array<[ModuleName, string, (s: Hcl) => void, string]> = [
  ['environment', 'RDS storage encryption', (s) => delete rds(s).storage_encrypted,
    'aws_db_instance.main: storage_encrypted must be true (not in development, production, staging)'],
  ['environment', 'the RDS KMS key', (s) => delete rds(s).kms_key_id, 'aws_db_instance.main: kms_key_id must be set'],
  ['environment', 'ElastiCache at-rest encryption', (s) => delete redis(s).at_rest_encryption_enabled,
    'aws_elasticache_replication_group.main: at_rest_encryption_enabled must be true (not in development, production, staging)'],
  ['environment', 'ElastiCache in-transit encryption', (s) => { redis(s).transit_encryption_enabled = false; },
    'aws_elasticache_replication_group.main: transit_encryption_enabled must be true (not in development, production, staging)'],
  ['environment', 'S3 SSE-KMS', (s) => { delete s.resource.aws_s3_bucket_server_side_encryption_configuration; },
    'aws_s3_bucket.access_logs: needs server-side encryption with aws:kms and a kms_master_key_id (or AES256, as an access-log target)\naws_s3_bucket.backups: needs server-side encryption with aws:kms and a kms_master_key_id'],
  ['environment', 'the backups bucket\'s access logging', (s) => { delete s.resource.aws_s3_bucket_logging; },
    'aws_s3_bucket.access_logs: needs server access logging (aws_s3_bucket_logging into a log bucket)\naws_s3_bucket.access_logs: needs server-side encryption with aws:kms and a kms_master_key_id\naws_s3_bucket.backups: needs server access logging (aws_s3_bucket_logging into a log bucket)'],
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
    'aws_db_instance.main: its parameter group must set rds.force_ssl = 1'],
  ['environment', 'the TLS-only bucket policy', (s) => { bucketPolicyDoc(s).statement[0].condition[0].values = ['true']; },
    'aws_s3_bucket.backups: its bucket policy must deny requests with aws:SecureTransport = false'],
  ['environment', 'multi-AZ in production', (s) => { tier(s, 'production').multi_az = false; },
    'aws_db_instance.main: multi_az must be true in production\naws_elasticache_replication_group.main: multi_az_enabled must be true in production'],
  ['environment', 'deletion protection in production', (s) => { tier(s, 'production').deletion_protection = false; },
    'aws_db_instance.main: deletion_protection must be true in production'],
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
    'aws_db_instance.main: backup_retention_period must be >= 7 days (development: 1)\naws_elasticache_replication_group.main: snapshot_retention_limit must be >= 7 days (development: 1)'],
  ['environment', 'bucket versioning', (s) => { delete s.resource.aws_s3_bucket_versioning; }, 'aws_s3_bucket.access_logs: versioning must be Enabled\naws_s3_bucket.backups: versioning must be Enabled'],
  ['cluster', 'log retention', (s) => delete resource(s, 'aws_cloudwatch_log_group', 'flow_logs').retention_in_days,
    'aws_cloudwatch_log_group.flow_logs: retention_in_days must be >= 30 (non-production: undefined, production: undefined)'],
  ['environment', 'log retention', (s) => { tier(s, 'staging').log_retention_days = 14; },
    'aws_cloudwatch_log_group.db: retention_in_days must be >= 30 (staging: 14)\naws_cloudwatch_log_group.redis: retention_in_days must be >= 30 (staging: 14)'],
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
  ['cluster', 'the public API CIDR limit', (s) => { delete resource(s, 'aws_eks_cluster', 'main').vpc_config[0].public_access_cidrs; },
    'aws_eks_cluster.main: a public endpoint must be limited by public_access_cidrs (var.public_api_cidrs)'],
  ['environment', 'one public access block flag', (s) => { resource(s, 'aws_s3_bucket_public_access_block', 'backups').restrict_public_buckets = false; },
    'aws_s3_bucket.backups: public access block must set restrict_public_buckets = true'],
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
    // Every rule that has something to check in a module is shown to fail there.
    const applicable = Object.keys(MODULE_DIRS).flatMap((module) => Object.keys(rules)
      .filter((name) => !['encryptionInTransit', 'backupRetention', 'publicAccessBlocked', 'accessLogged'].includes(name) || module === 'environment')
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

  it('knows keys, values and contains, and indexes by a string variable', () => {
    const scope = { local: { hosted: { staging: { n: 1 }, production: { n: 2 } } }, var: { environment: 'staging', envs: { staging: { ns: 'x-staging' } } } };
    expect(evaluate('${contains(keys(local.hosted), "production") ? "production" : "other"}', scope)).toBe('production');
    expect(evaluate('${values(local.hosted)}', scope)).toEqual([{ n: 2 }, { n: 1 }]);
    expect(evaluate('${var.envs[var.environment].ns}', scope)).toBe('x-staging');
    expect(evaluate('${contains(local.hosted, "production")}', scope)).toBeUndefined(); // contains() of a map is a Terraform error
  });

  it('resolves each.key and each.value of a for_each instance', () => {
    const scope = { each: { key: 'backup', value: 'system:serviceaccount:flextime-staging:flextime-backup' } };
    expect(evaluate('${each.value}', scope)).toBe('system:serviceaccount:flextime-staging:flextime-backup');
    expect(evaluate('role-${each.key}', scope)).toBe('role-backup');
    expect(evaluate('${each.value}', {})).toBeUndefined();
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
  it.skipIf(!terraform)('finds every file of terraform-bootstrap/ (both modules) formatted (terraform 1.8.5)', () => {
    const run = (args: string[]) => execFileSync(terraform!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run(['version'])).toMatch(/^Terraform v1\.8\.5/);
    // -check exits non-zero (execFileSync throws) and lists the files that would change.
    expect(run(['fmt', '-check', '-recursive', TF_DIR])).toBe('');
  });
});
