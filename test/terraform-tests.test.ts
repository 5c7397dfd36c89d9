/**
 * The `terraform test` files of terraform-bootstrap/ (<root>/tests/*.tftest.hcl: plan-level
 * assertions against mocked providers). They run only where the provider registry is reachable:
 * the GitHub workflow's terraform job. Offline this file holds them to what can be checked without
 * the providers: they parse (@cdktf/hcl2json, the HCL parser Terraform uses); every resource,
 * local, module, variable and mocked data source they name exists in the module a run tests; each
 * property the requirement lists has an assertion; and the workflow job runs init, fmt, validate
 * and test in each root module (not in a folder without .tf files).
 */
import { parse } from '@cdktf/hcl2json';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { locals, MODULE_DIRS, parseStack, scopes, type Hcl, type ModuleName } from './terraform-hcl.ts';

type TestFile = { path: string; root: ModuleName; hcl: Hcl };
const files: TestFile[] = [];
const stacks = {} as Record<ModuleName, Hcl>;

beforeAll(async () => {
  for (const [root, dir] of Object.entries(MODULE_DIRS) as Array<[ModuleName, string]>) {
    stacks[root] = await parseStack(dir);
    const testDir = join(dir, 'tests');
    for (const file of existsSync(testDir) ? readdirSync(testDir).filter((f) => f.endsWith('.tftest.hcl')).sort() : []) {
      const path = join(testDir, file);
      files.push({ path, root, hcl: await parse(file, readFileSync(path, 'utf8')) });
    }
  }
});

/** Each run of a file: its name, body, and the HCL of the module it tests (the root, or `module { source }`). */
async function runsOf(file: TestFile): Promise<Array<{ name: string; body: Hcl; target: Hcl; isRoot: boolean }>> {
  return Promise.all(Object.entries<Hcl[]>(file.hcl.run ?? {}).map(async ([name, [body]]) => {
    const source: string | undefined = body.module?.[0]?.source;
    return { name, body, target: source ? await parseStack(join(MODULE_DIRS[file.root], source)) : stacks[file.root], isRoot: !source };
  }));
}

/** What a condition or expected failure names that `target` lacks: resources, data sources, locals, module outputs, variables. */
export function missingReferences(expression: string, target: Hcl): string[] {
  const out: string[] = [];
  for (const [, data, type, name] of expression.matchAll(/(?<![\w.])(data\.)?((?:aws|helm)_[a-z0-9_]+)\.([a-z0-9_]+)/g)) {
    const kind = data ? 'data' : 'resource';
    if (!target[kind]?.[type!]?.[name!]) out.push(`${data ?? ''}${type}.${name}`);
  }
  for (const [, name] of expression.matchAll(/(?<![\w.])local\.([a-z0-9_]+)/g)) if (!(name! in locals(target))) out.push(`local.${name}`);
  for (const [, name] of expression.matchAll(/(?<![\w.])var\.([a-z0-9_]+)/g)) if (!target.variable?.[name!]) out.push(`var.${name}`);
  for (const [, call, output] of expression.matchAll(/(?<![\w.])module\.([a-z0-9_]+)\.([a-z0-9_]+)/g)) {
    if (!target.modules?.[call!]?.output?.[output!]) out.push(`module.${call}.${output}`);
  }
  return out;
}

/** Where each property of the requirement is asserted (hand-written): root, run, text its condition contains. */
const PROPERTIES: Array<[string, ModuleName, string, string]> = [
  ['encryption (RDS)', 'environment', 'production', 'aws_db_instance.main.storage_encrypted == true'],
  ['encryption (Redis at rest and in transit)', 'environment', 'production', 'aws_elasticache_replication_group.main.transit_encryption_enabled == true'],
  ['encryption (S3 SSE-KMS, modules/secure-bucket)', 'environment', 'secure_bucket', 'd.sse_algorithm == "aws:kms"'],
  ['SSE-S3 only for an access-log bucket', 'environment', 'secure_bucket_for_access_logs', 'd.sse_algorithm == "AES256"'],
  ['encryption (EKS secrets)', 'cluster', 'production_cluster_defaults', 'contains(aws_eks_cluster.main.encryption_config[0].resources, "secrets")'],
  ['encryption (EFS)', 'cluster', 'production_cluster_defaults', 'aws_efs_file_system.models.encrypted == true'],
  ['Multi-AZ in production', 'environment', 'production', 'aws_db_instance.main.multi_az == true'],
  ['Multi-AZ in production (Redis)', 'environment', 'production', 'aws_elasticache_replication_group.main.multi_az_enabled == true'],
  ['deletion protection in production', 'environment', 'production', 'aws_db_instance.main.deletion_protection == true'],
  ['public access blocks', 'environment', 'secure_bucket', 'aws_s3_bucket_public_access_block.this.restrict_public_buckets == true'],
  ['versioning', 'environment', 'secure_bucket', 'aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"'],
  ['the log archive moves to an archive storage class', 'cluster', 'log_archive_bucket', '== "DEEP_ARCHIVE"'],
  ['private subnets (data stores)', 'environment', 'production', 'aws_db_instance.main.publicly_accessible == false'],
  ['private subnets (nodes)', 'cluster', 'production_cluster_defaults', 'alltrue([for s in aws_subnet.private : s.map_public_ip_on_launch != true])'],
  ['IRSA trust scoped to one service account (environment)', 'environment', 'irsa_trust', 'jsonencode([["system:serviceaccount:flextime-production:flextime-backup"]])'],
  ['IRSA trust scoped to one service account (cluster)', 'cluster', 'irsa_trust', 'jsonencode([["system:serviceaccount:external-secrets:external-secrets"]])'],
  ['private EKS endpoint by default', 'cluster', 'production_cluster_defaults', 'aws_eks_cluster.main.vpc_config[0].endpoint_public_access == false'],
  ['a public EKS endpoint only for listed networks', 'cluster', 'public_endpoint_when_chosen', 'jsonencode(["192.0.2.0/24"])'],
];

describe('the terraform test files', () => {
  it('exist for both root modules and mock the AWS provider', () => {
    expect(files.map((f) => f.path).sort()).toEqual([
      'terraform-bootstrap/cluster/tests/cluster.tftest.hcl',
      'terraform-bootstrap/environment/tests/environment.tftest.hcl',
    ]);
    for (const file of files) expect(Object.keys(file.hcl.mock_provider ?? {}), file.path).toContain('aws');
    // The cluster root configures the helm provider against the cluster it creates: mocked too.
    expect(Object.keys(files.find((f) => f.root === 'cluster')!.hcl.mock_provider)).toEqual(['aws', 'helm']);
  });

  it('plan only (no apply against mocks), and name only what the tested module has', async () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const { name, body, target, isRoot } of await runsOf(file)) {
        if (body.command !== '${plan}') problems.push(`${file.path} run.${name}: command must be plan`);
        const expressions = [...(body.assert ?? []).map((a: Hcl) => String(a.condition)), ...(body.expect_failures ?? []).map(String)];
        for (const e of expressions) for (const m of missingReferences(e, target)) problems.push(`${file.path} run.${name}: ${m} does not exist`);
        const set = [...Object.keys(body.variables?.[0] ?? {}), ...(isRoot ? Object.keys(file.hcl.variables?.[0] ?? {}) : [])];
        for (const v of set) if (!target.variable?.[v]) problems.push(`${file.path} run.${name}: sets undeclared variable ${v}`);
      }
      const dataSources = new Set(scopes(stacks[file.root]).flatMap(([, s]) => Object.keys(s.data ?? {})));
      for (const [provider, [mock]] of Object.entries<Hcl[]>(file.hcl.mock_provider)) {
        for (const type of Object.keys(mock?.mock_data ?? {})) if (!dataSources.has(type)) problems.push(`${file.path} mock_provider.${provider}: no data source ${type} to mock`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(PROPERTIES)('assert %s', async (_property, root, run, text) => {
    const file = files.find((f) => f.root === root)!;
    const body = (await runsOf(file)).find((r) => r.name === run)?.body;
    expect(body, `${file.path} has no run "${run}"`).toBeDefined();
    expect((body.assert as Hcl[]).some((a) => String(a.condition).includes(text)), `${file.path} run.${run}: no assertion containing ${text}`).toBe(true);
  });
});

describe('the offline checks of the test files', () => {
  it('reject a syntax error (an unclosed run block)', async () => {
    const text = readFileSync(files[0]!.path, 'utf8');
    await expect(parse('broken.tftest.hcl', text.replace(/\n}\n$/, '\n'))).rejects.toThrow(/Unclosed configuration block/);
  });

  it('report an assertion on a resource, local or module output the module does not have', () => {
    const env = stacks.environment;
    expect(missingReferences('${aws_db_instance.primary.multi_az && local.tierz.x && module.irsa.roles["backup"] != null}', env))
      .toEqual(['aws_db_instance.primary', 'local.tierz', 'module.irsa.roles']);
    expect(missingReferences('${aws_db_instance.main.multi_az && local.tier.multi_az && module.irsa.names["backup"] != null}', env)).toEqual([]);
  });
});

/** What is wrong with the workflow's terraform job: each root must be a folder with .tf files, each step there. */
export function terraformJobProblems(workflow: Hcl): string[] {
  const job = workflow.jobs?.terraform;
  if (!job) return ['no terraform job'];
  const roots: string[] = job.strategy?.matrix?.root ?? [];
  const out: string[] = [];
  if ([...roots].sort().join() !== Object.keys(MODULE_DIRS).sort().join()) out.push(`matrix.root must be ${Object.keys(MODULE_DIRS).join(', ')}, not ${roots.join(', ')}`);
  for (const root of roots) {
    const dir = String(job.defaults?.run?.['working-directory']).replace('${{ matrix.root }}', root);
    if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.tf'))) out.push(`${root}: steps run in ${dir}, which has no .tf files`);
  }
  const commands = (job.steps as Hcl[]).map((s) => String(s.run ?? '')).join('\n');
  for (const step of ['terraform init -backend=false', 'terraform fmt -check', 'terraform validate', 'terraform test', 'terraform providers lock']) {
    if (!commands.includes(step)) out.push(`no step runs ${step}`);
  }
  return out;
}

describe('the GitHub workflow (.github/workflows/ci.yml, job terraform)', () => {
  const workflow = parseYaml(readFileSync('.github/workflows/ci.yml', 'utf8')) as Hcl;

  it('runs init, fmt, validate and test in cluster/ and environment/, with a lock file', () => {
    expect(terraformJobProblems(workflow)).toEqual([]);
  });

  it('would catch the old job, which validated terraform-bootstrap/ (no .tf files there) and ran no test', () => {
    const old = structuredClone(workflow);
    old.jobs.terraform.defaults.run['working-directory'] = 'terraform-bootstrap';
    old.jobs.terraform.steps = old.jobs.terraform.steps.filter((s: Hcl) => !String(s.run ?? '').includes('terraform test'));
    expect(terraformJobProblems(old)).toEqual([
      'cluster: steps run in terraform-bootstrap, which has no .tf files',
      'environment: steps run in terraform-bootstrap, which has no .tf files',
      'no step runs terraform test',
    ]);
  });
});
