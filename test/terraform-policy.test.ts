/**
 * Static security policy of terraform-bootstrap/: the HCL of each root module (cluster/,
 * environment/) and of the local modules it calls (modules/) is parsed (no provider, no AWS) and
 * every rule of test/terraform-policy.ts must hold. Each rule is shown to fail when the property
 * it guards is removed from a copy of the parsed module, and once from an edited copy of the file.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { block, evaluate, locals, MODULE_DIRS, moduleScope, parseStack, perTier, TF_DIR, type Hcl, type ModuleName } from './terraform-hcl.ts';
import { policyViolations } from './terraform-policy.ts';
import { loadConfig } from '../config/index.ts';
import { requireTool, skipWithout } from './tools.ts';

const stacks = {} as Record<ModuleName, Hcl>;
beforeAll(async () => {
  for (const [name, dir] of Object.entries(MODULE_DIRS)) stacks[name as ModuleName] = await parseStack(dir);
});

const resource = (s: Hcl, type: string, name: string) => block(s, 'resource', type, name);
const rds = (s: Hcl) => resource(s, 'aws_db_instance', 'main');
const redis = (s: Hcl) => resource(s, 'aws_elasticache_replication_group', 'main');
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
    log_archive: '../modules/secure-bucket',
    log_archive_access_logs: '../modules/secure-bucket',
  },
  environment: {
    kms: '../modules/kms-key',
    irsa: '../modules/irsa-roles',
    db_security_group: '../modules/data-store-security-group',
    redis_security_group: '../modules/data-store-security-group',
    backups: '../modules/secure-bucket',
    access_logs: '../modules/secure-bucket',
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

  it('check against the Argo CD minor whose CRDs verify uses (tools/crds/argo-cd)', () => {
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

  it.each(Object.keys(MODULE_DIRS))('are what %s calls for its KMS key, IRSA roles, data-store security groups, VPC endpoints and S3 buckets, which it no longer declares itself', (name) => {
    const s = stacks[name as ModuleName];
    expect(Object.fromEntries(Object.entries<Hcl>(s.module).map(([n, [c]]) => [n, c.source]))).toEqual(MODULE_CALLS[name as ModuleName]);
    expect(Object.keys(s.modules).sort()).toEqual(Object.keys(MODULE_CALLS[name as ModuleName]).sort());
    for (const type of ['aws_kms_key', 'aws_kms_alias', 'aws_security_group', 'aws_vpc_security_group_ingress_rule', 'aws_s3_bucket', 'aws_s3_bucket_policy', 'aws_s3_bucket_logging']) {
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

describe('terraform fmt', () => {
  it.skipIf(skipWithout('terraform'))('finds every file of terraform-bootstrap/ (both modules) formatted (terraform 1.8.5)', () => {
    const terraform = requireTool('terraform');
    const run = (args: string[]) => execFileSync(terraform, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run(['version'])).toMatch(/^Terraform v1\.8\.5/);
    // -check exits non-zero (execFileSync throws) and lists the files that would change.
    expect(run(['fmt', '-check', '-recursive', TF_DIR])).toBe('');
  });
});
