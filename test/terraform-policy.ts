/**
 * Security policy of terraform-bootstrap/, checked on the parsed HCL of each root module
 * (cluster/, environment/; no provider, no AWS) and of every local module it calls (modules/,
 * seen through the call: `var.x` is what the root passes). Every rule applies to whatever
 * resources a module has. Each rule returns one message per violation, `<address>: <what is
 * wrong>` (addresses in a called module start with `module.<call>.`), so a test can assert the
 * exact message after removing a property.
 */
import {
  attachedTo, block, blocks, evaluate, evaluateDeep, existsInEveryTier, isExpression, isLocalSource, locals, perTier, references, scopes, nested,
  type Block, type Hcl, type Scope,
} from './terraform-hcl.ts';
import { dataRules } from './terraform-policy-data.ts';
import { eksRules } from './terraform-policy-eks.ts';
import { s3Rules } from './terraform-policy-s3.ts';

export type Rule = (stack: Hcl) => string[];

const EXACT_VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;
/** Shortest log retention we accept anywhere (days). */
export const MIN_LOG_RETENTION_DAYS = 30;
/** The container log groups (terraform-bootstrap/cluster/logs.tf): retention from config, not the audit minimum. */
const CONTAINER_LOG_GROUPS = 'aws_cloudwatch_log_group.containers';

/** `attr` of `body` must be `true` (literally or through local.tier) in every environment. */
function mustBeTrueEverywhere(stack: Hcl, address: string, body: Block, attr: string): string[] {
  const values = perTier(stack, body[attr]);
  const bad = Object.entries(values).filter(([, v]) => v !== true).map(([env]) => env);
  return bad.length ? [`${address}: ${attr} must be true (not in ${bad.join(', ')})`] : [];
}

function mustBeSet(address: string, body: Block, attr: string): string[] {
  return body[attr] === undefined || body[attr] === '' ? [`${address}: ${attr} must be set`] : [];
}

export const rules: Record<string, Rule> = {
  pinnedVersions(stack) {
    const out: string[] = [];
    // A called module runs with the Terraform and providers its root module pins.
    const tf: Block = stack.terraform?.[0] ?? {};
    if (!stack.caller && !EXACT_VERSION.test(String(tf.required_version))) {
      out.push(`terraform: required_version must be an exact version, not ${JSON.stringify(tf.required_version)}`);
    }
    for (const [name, spec] of Object.entries<Block>(stack.caller ? {} : tf.required_providers?.[0] ?? {})) {
      if (!EXACT_VERSION.test(String(spec.version))) {
        out.push(`provider ${name}: version must be exact, not ${JSON.stringify(spec.version)}`);
      }
    }
    for (const [address, body] of blocks(stack, 'resource', 'helm_release')) {
      if (!EXACT_VERSION.test(String(body.version))) out.push(`${address}: chart version must be exact, not ${JSON.stringify(body.version)}`);
    }
    return out;
  },

  encryptionAtRest(stack) {
    const out: string[] = [];
    for (const [address, body] of blocks(stack, 'resource', 'aws_db_instance')) {
      out.push(...mustBeTrueEverywhere(stack, address, body, 'storage_encrypted'), ...mustBeSet(address, body, 'kms_key_id'));
      if (body.performance_insights_enabled) out.push(...mustBeSet(address, body, 'performance_insights_kms_key_id'));
    }
    for (const [address, body] of blocks(stack, 'resource', 'aws_elasticache_replication_group')) {
      out.push(...mustBeTrueEverywhere(stack, address, body, 'at_rest_encryption_enabled'), ...mustBeSet(address, body, 'kms_key_id'));
    }
    for (const [address, body] of blocks(stack, 'resource', 'aws_efs_file_system')) {
      out.push(...mustBeTrueEverywhere(stack, address, body, 'encrypted'), ...mustBeSet(address, body, 'kms_key_id'));
    }
    for (const [address, body] of blocks(stack, 'resource', 'aws_eks_cluster')) {
      const config = nested(body, 'encryption_config');
      if (!config?.resources?.includes('secrets') || !nested(config, 'provider')?.key_arn) {
        out.push(`${address}: encryption_config must encrypt "secrets" with a KMS key`);
      }
    }
    for (const [address, body] of blocks(stack, 'resource', 'aws_cloudwatch_log_group')) out.push(...mustBeSet(address, body, 'kms_key_id'));
    for (const [address, body] of blocks(stack, 'resource', 'aws_kms_key')) out.push(...mustBeTrueEverywhere(stack, address, body, 'enable_key_rotation'));
    for (const [address] of blocks(stack, 'resource', 'aws_s3_bucket')) {
      // S3 delivers server access logs only to SSE-S3 buckets: a log target may use AES256.
      const logTarget = blocks(stack, 'resource', 'aws_s3_bucket_logging')
        .some(([, l]) => existsInEveryTier(stack, l) && references(l.target_bucket).includes(address));
      // In a called module the algorithm and key follow from the call's arguments: evaluated per tier
      // (a reference such as module.kms.arn cannot be evaluated, but is set; a left-out key is null).
      const encrypted = (d: Block | undefined) => Object.entries(perTier(stack, d?.sse_algorithm)).every(([tier, algorithm]) => {
        const key = perTier(stack, d?.kms_master_key_id)[tier];
        return (algorithm === 'aws:kms' && (key === undefined ? d?.kms_master_key_id : key)) || (logTarget && algorithm === 'AES256');
      });
      const sse = attachedTo(stack, 'aws_s3_bucket_server_side_encryption_configuration', 'bucket', address)
        .some(([, b]) => encrypted(nested(nested(b, 'rule'), 'apply_server_side_encryption_by_default')));
      if (!sse) out.push(`${address}: needs server-side encryption with aws:kms and a kms_master_key_id${logTarget ? ' (or AES256, as an access-log target)' : ''}`);
    }
    return out;
  },

  encryptionInTransit(stack) {
    const out: string[] = [];
    for (const [address, body] of blocks(stack, 'resource', 'aws_elasticache_replication_group')) {
      out.push(...mustBeTrueEverywhere(stack, address, body, 'transit_encryption_enabled'));
    }
    for (const [address, body] of blocks(stack, 'resource', 'aws_db_instance')) {
      const group = references(body.parameter_group_name).find((r) => r.startsWith('aws_db_parameter_group.'));
      const params: Block[] = group ? (block(stack, 'resource', 'aws_db_parameter_group', group.split('.')[1]!).parameter ?? []) : [];
      if (!params.some((p) => p.name === 'rds.force_ssl' && String(p.value) === '1')) {
        out.push(`${address}: its parameter group must set rds.force_ssl = 1`);
      }
    }
    for (const [address] of blocks(stack, 'resource', 'aws_s3_bucket')) {
      const tlsOnly = attachedTo(stack, 'aws_s3_bucket_policy', 'bucket', address).some(([, policy]) =>
        references(policy.policy)
          .filter((r) => r.startsWith('data.aws_iam_policy_document.'))
          .some((doc) => (block(stack, 'data', 'aws_iam_policy_document', doc.split('.')[2]!).statement ?? []).some(denyInsecureTransport)));
      if (!tlsOnly) out.push(`${address}: its bucket policy must deny requests with aws:SecureTransport = false`);
    }
    return out;
  },

  logRetention(stack) {
    const out: string[] = [];
    for (const [address, body] of blocks(stack, 'resource', 'aws_cloudwatch_log_group')) {
      // Container (application) logs keep what config says per environment (issue 23: development
      // 7 days, staging 14, production 90 and archived); the audit trail (control plane, database,
      // flow logs) keeps at least the minimum. Container groups must still take a retention from config.
      if (address === CONTAINER_LOG_GROUPS) {
        if (!/\$\{each\.value\.retention_days\}/.test(JSON.stringify(body.retention_in_days ?? null)) || !/var\.container_logs/.test(JSON.stringify(body.for_each ?? null) + JSON.stringify(stack.locals ?? null))) out.push(`${address}: retention_in_days must come from var.container_logs (config observability.logs.groups)`);
        continue;
      }
      const bad = Object.entries(perTier(stack, body.retention_in_days)).filter(([, v]) => !(typeof v === 'number' && v >= MIN_LOG_RETENTION_DAYS));
      if (bad.length) out.push(`${address}: retention_in_days must be >= ${MIN_LOG_RETENTION_DAYS} (${bad.map(([env, v]) => `${env}: ${v}`).join(', ')})`);
    }
    // RDS creates the group of an exported log itself — no retention, no KMS key — unless ours
    // exists first: an instance that exports logs depends on log groups of this stack.
    const groups = new Set(blocks(stack, 'resource', 'aws_cloudwatch_log_group').map(([a]) => a));
    for (const [address, body] of blocks(stack, 'resource', 'aws_db_instance')) {
      if (body.enabled_cloudwatch_logs_exports === undefined) continue;
      const awaited = [...JSON.stringify(body.depends_on ?? null).matchAll(/\baws_cloudwatch_log_group\.[a-z0-9_]+/g)].map((m) => m[0]);
      if (!awaited.some((g) => groups.has(g))) out.push(`${address}: exports logs, so it must depend on its aws_cloudwatch_log_group (else RDS makes the group without retention or key)`);
    }
    const eks = blocks(stack, 'resource', 'aws_eks_cluster');
    for (const [address, body] of eks) {
      const types: string[] = body.enabled_cluster_log_types ?? [];
      const missing = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].filter((t) => !types.includes(t));
      if (missing.length) out.push(`${address}: enabled_cluster_log_types lacks ${missing.join(', ')}`);
    }
    for (const [address] of blocks(stack, 'resource', 'aws_vpc')) {
      const logged = attachedTo(stack, 'aws_flow_log', 'vpc_id', address).some(([, f]) => f.traffic_type === 'ALL');
      if (!logged) out.push(`${address}: needs flow logs of ALL traffic (aws_flow_log)`);
    }
    return out;
  },

  localModules(stack) {
    // A module from a registry or git is code the policy never reads.
    return Object.entries<Block[]>(stack.module ?? {})
      .filter(([name, [call]]) => !isLocalSource(call!.source) || !stack.modules?.[name])
      .map(([name, [call]]) => `module.${name}: source must be a local module (../modules/<name>) the policy reads, not ${JSON.stringify(call!.source)}`);
  },

  publicAccessBlocked(stack) {
    const out: string[] = [];
    const flags = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];
    for (const [address] of blocks(stack, 'resource', 'aws_s3_bucket')) {
      const pab = attachedTo(stack, 'aws_s3_bucket_public_access_block', 'bucket', address)[0]?.[1];
      const off = flags.filter((f) => pab?.[f] !== true);
      if (off.length) out.push(`${address}: public access block must set ${off.join(', ')} = true`);
    }
    return out;
  },

  noSecretLiterals(stack) {
    const out: string[] = [];
    for (const type of ['random_password', 'random_string']) {
      for (const [address] of blocks(stack, 'resource', type)) out.push(`${address}: generated secrets land in state; let AWS generate them (README.md)`);
    }
    const secretName = /(^|_)(password|passwd|secret|token|auth_token|secret_string|private_key)$/;
    for (const [type, byName] of Object.entries<Record<string, Block[]>>(stack.resource ?? {})) {
      for (const [name, list] of Object.entries(byName)) {
        for (const [attr, value] of Object.entries(list[0]!)) {
          if (secretName.test(attr) && typeof value === 'string' && !isExpression(value)) {
            out.push(`${type}.${name}: ${attr} is a literal; secrets come from Secrets Manager`);
          }
        }
      }
    }
    for (const [address, body] of blocks(stack, 'resource', 'aws_db_instance')) {
      // A read replica has no master user of its own: it replicates its source's (replicate_source_db).
      if (body.manage_master_user_password !== true && body.replicate_source_db === undefined) out.push(`${address}: manage_master_user_password must be true`);
      if (body.password !== undefined) out.push(`${address}: password must not be set (RDS manages it in Secrets Manager)`);
    }
    for (const [name, list] of Object.entries<Block[]>(stack.variable ?? {})) {
      if (/password|secret|token/.test(name) && list[0]!.default !== undefined) out.push(`variable.${name}: a secret must not have a default`);
    }
    for (const [name, list] of Object.entries<Block[]>(stack.output ?? {})) {
      const body = list[0]!;
      if (body.sensitive === true) out.push(`output.${name}: outputs are committed to config/; a sensitive output is a secret`);
      if (/auth_token|secret_string|\.password\b|master_user_secret\[0\]\.(?!secret_arn)/.test(JSON.stringify(body.value))) {
        out.push(`output.${name}: must not expose a secret value`);
      }
    }
    return out;
  },

  irsaTrustIsExact(stack) {
    const out: string[] = [];
    for (const [address, body] of blocks(stack, 'resource', 'aws_iam_role')) {
      const doc = references(body.assume_role_policy).find((r) => r.startsWith('data.aws_iam_policy_document.'));
      if (!doc) continue;
      const statements: Block[] = block(stack, 'data', 'aws_iam_policy_document', doc.split('.')[2]!).statement ?? [];
      for (const s of statements.filter((st) => (st.actions ?? []).includes('sts:AssumeRoleWithWebIdentity'))) {
        const conditions: Block[] = s.condition ?? [];
        for (const claim of ['sub', 'aud']) {
          if (!conditions.some((c) => c.test === 'StringEquals' && String(c.variable).endsWith(`:${claim}`))) {
            out.push(`${address}: web-identity trust must pin :${claim} with StringEquals`);
          }
        }
      }
    }
    return out;
  },

  // Data stores: production resilience, backups, no open ingress (test/terraform-policy-data.ts).
  ...dataRules,

  // EKS add-ons: pinned, with their own roles, NetworkPolicies enforced (test/terraform-policy-eks.ts).
  ...eksRules,
  ...s3Rules,
};

function denyInsecureTransport(statement: Block): boolean {
  return statement.effect === 'Deny'
    && (statement.condition ?? []).some((c: Block) => c.test === 'Bool' && c.variable === 'aws:SecureTransport' && (c.values ?? []).includes('false'));
}

/** Violations of one rule in a root module and every module it calls. */
export function ruleViolations(stack: Hcl, rule: Rule): string[] {
  return scopes(stack).flatMap(([prefix, scope]) => rule(scope).map((message) => (message.startsWith(prefix) ? message : `${prefix}${message}`)));
}

/** Every violation of every rule, sorted. */
export function policyViolations(stack: Hcl): string[] {
  return Object.values(rules).flatMap((rule) => ruleViolations(stack, rule)).sort();
}

/**
 * What each IRSA role of a root module trusts: role key → the `:sub` value(s) of its web-identity
 * trust statement, read through the module calls that create the roles (call arguments evaluated
 * with `variables` and the root's locals, then the trust document per `for_each` instance).
 */
export function irsaSubjects(stack: Hcl, variables: Record<string, Hcl>): Record<string, Hcl> {
  let local: Record<string, Hcl> = locals(stack);
  // Locals the subjects use (local.namespace = var.environments[var.environment].namespace) first.
  for (let pass = 0; pass < 3; pass++) local = evaluateDeep(local, { local, var: variables });
  const out: Record<string, Hcl> = {};
  for (const name of Object.keys(stack.modules ?? {})) {
    const module = stack.modules[name];
    const vars = evaluateDeep(stack.module[name][0], { local, var: variables });
    for (const [, role] of blocks(module, 'resource', 'aws_iam_role')) {
      const doc = references(role.assume_role_policy).find((r) => r.startsWith('data.aws_iam_policy_document.'));
      if (!doc) continue;
      const statements: Block[] = block(module, 'data', 'aws_iam_policy_document', doc.split('.')[2]!).statement ?? [];
      const trust = statements.find((s) => (s.actions ?? []).includes('sts:AssumeRoleWithWebIdentity'));
      const sub = (trust?.condition ?? []).find((c: Block) => String(c.variable).endsWith(':sub'));
      if (!sub) continue;
      const instances = evaluate(role.for_each, { local: locals(module), var: vars });
      for (const [key, value] of Object.entries<Hcl>(instances ?? {})) {
        const scope: Scope = { local: locals(module), var: vars, each: { key, value } };
        const values = evaluateDeep(sub.values, scope) as Hcl[];
        out[key] = values.length === 1 ? values[0] : values;
      }
    }
  }
  return out;
}
