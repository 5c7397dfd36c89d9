/**
 * "One config, both worlds": the Terraform inputs synth writes for both root modules
 * (terraform-bootstrap/cluster, terraform-bootstrap/environment), the variables they declare,
 * the outputs they declare and the outputs config reads back, and the service accounts IAM roles
 * trust, all describe the same thing.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Platform } from '../config/index.ts';
import { clusterTerraformOutputs, environmentTerraformOutputs } from '../config/schema.ts';
import { CLUSTER_TFVARS_PATH, clusterTerraformInputs, ENVIRONMENT_TFVARS_PATH, environmentTerraformInputs } from '../charts/terraform.ts';
import { namespaceOf } from '../charts/context.ts';
import { renderDocuments } from '../lib/synth/engine.ts';
import { type KubeObject } from '../lib/synth/object-json.ts';
import { buildApp } from '../charts/index.ts';
import { configError, objects, ownCluster, rawConfig } from './helpers.ts';
import { CLUSTER_DIR, ENVIRONMENT_DIR, evaluate, locals, outputNames, parseStack, variableNames, type Hcl } from './terraform-hcl.ts';
import { generated, readTfvars, tfvars } from './terraform-inputs.ts';

let cluster: Hcl;
let environment: Hcl;
let platform: Platform;
let rendered: KubeObject[];

/** The `key` of a partial S3 backend file. */
const stateKey = (path: string) => /^key\s*=\s*"([^"]+)"/m.exec(readFileSync(path, 'utf8'))?.[1];

beforeAll(async () => {
  cluster = await parseStack(CLUSTER_DIR);
  environment = await parseStack(ENVIRONMENT_DIR);
  platform = loadConfig();
  rendered = objects();
  tfvars.cluster = await readTfvars(join(CLUSTER_DIR, 'clusters'));
  tfvars.environment = await readTfvars(join(ENVIRONMENT_DIR, 'environments'));
});

describe('the Terraform inputs synth writes', () => {
  it('are committed exactly as config renders them, one file per root module', () => {
    const docs = renderDocuments(buildApp(platform));
    for (const path of [CLUSTER_TFVARS_PATH, ENVIRONMENT_TFVARS_PATH]) {
      expect(docs.find((d) => d.path === path)?.content, path).toBe(readFileSync(path, 'utf8'));
    }
    expect(generated.cluster).toEqual(clusterTerraformInputs(platform, generated.cluster.platform_secrets));
    expect(generated.environment).toEqual(environmentTerraformInputs(platform));
  });

  it('give the cluster module every cluster of config with the environments config puts on it', () => {
    expect(generated.cluster.eks_version).toBe(platform.podSecurityVersion.slice(1));
    expect(generated.cluster.clusters).toEqual({
      flextime: {
        environments: {
          development: { namespace: 'flextime-development', secrets_prefix: 'flextime/development/' },
          staging: { namespace: 'flextime-staging', secrets_prefix: 'flextime/staging/' },
          production: { namespace: 'flextime-production', secrets_prefix: 'flextime/production/' },
        },
        network: {
          vpc_cidr: '10.10.0.0/16',
          zones: platform.clusters[0]!.network!.zones,
          gateway_endpoints: ['s3'],
          interface_endpoints: ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'sts'],
        },
      },
    });
    expect(generated.cluster.argocd_cluster).toBe(platform.gitops.controlCluster);
    expect(generated.cluster.sso_issuer_url).toBe(platform.sso.issuer);
  });

  it('follow a move of production to its own cluster: a second cluster hosting production only', () => {
    const raw = rawConfig();
    raw.clusters.push(ownCluster(raw, 'flextime-production', 'production'));
    raw.environments.find((e) => e.name === 'production')!.cluster = 'flextime-production';
    raw.aws.outputs.clusters['flextime-production'] = { ...raw.aws.outputs.clusters.flextime!, cluster_name: 'flextime-production' };
    const moved = loadConfig(raw);
    expect(Object.fromEntries(Object.entries<Hcl>(clusterTerraformInputs(moved, []).clusters).map(([name, c]) => [name, Object.keys(c.environments)])))
      .toEqual({ flextime: ['development', 'staging'], 'flextime-production': ['production'] });
    expect(environmentTerraformInputs(moved).environments.production?.cluster).toBe('flextime-production');
    // ...and the cluster module picks its tier from that: the shared cluster turns non-production.
    const tierOf = (name: string) => evaluate(locals(cluster).tier_name, { local: { hosted: clusterTerraformInputs(moved, []).clusters[name]!.environments } });
    expect([tierOf('flextime'), tierOf('flextime-production')]).toEqual(['non-production', 'production']);
  });

  it('give the environment module each environment\'s namespace, cluster, backup service account, the prefix its ClusterSecretStore reads and its data subnets', () => {
    for (const env of platform.environments) {
      const store = rendered.find((o) => o.kind === 'ClusterSecretStore' && o.metadata.name === `${platform.secretStore.name}-${env.name}`) as KubeObject & { spec: { provider: { aws: { prefix: string } } } };
      const net = platform.clusters.find((c) => c.name === env.cluster)!.network!;
      expect(generated.environment.environments[env.name], env.name).toEqual({
        namespace: namespaceOf(platform, env),
        cluster: env.cluster,
        backup_service_account: platform.aws.serviceAccounts.backup,
        secrets_prefix: store.spec.provider.aws.prefix,
        data_subnets: net.dataSubnets[env.name]!.map((cidr, i) => ({ zone: net.zones[i]!.name, cidr })),
      });
    }
  });

  it('only set variables the modules declare', () => {
    expect(Object.keys(generated.cluster).filter((k) => !variableNames(cluster).includes(k))).toEqual([]);
    expect(Object.keys(generated.environment).filter((k) => !variableNames(environment).includes(k))).toEqual([]);
  });
});

describe('every cluster and every environment', () => {
  it('has a hand-written tfvars file and a backend file with a state key of its own', () => {
    const clusters = platform.clusters.map((c) => c.name).sort();
    const environments = platform.environments.map((e) => e.name).sort();
    expect(Object.keys(tfvars.cluster).sort()).toEqual(clusters);
    expect(Object.keys(tfvars.environment).sort()).toEqual(environments);
    const keys = [
      ...clusters.map((c) => stateKey(join(CLUSTER_DIR, 'clusters', `${c}.s3.tfbackend`))),
      ...environments.map((e) => stateKey(join(ENVIRONMENT_DIR, 'environments', `${e}.s3.tfbackend`))),
    ];
    expect(keys).toEqual([
      ...clusters.map((c) => `flextime/clusters/${c}/terraform.tfstate`),
      ...environments.map((e) => `flextime/environments/${e}/terraform.tfstate`),
    ]);
  });

  it('sets every declared variable exactly once, between the generated file and its tfvars', () => {
    const modules: Array<[string, Hcl, Record<string, Hcl>, Record<string, Record<string, Hcl>>, string]> = [
      ['cluster', cluster, generated.cluster, tfvars.cluster, 'cluster'],
      ['environment', environment, generated.environment, tfvars.environment, 'environment'],
    ];
    for (const [module, stack, gen, byName, selector] of modules) {
      const declared = variableNames(stack);
      for (const [name, vars] of Object.entries(byName)) {
        const where = `${module} ${name}.tfvars`;
        expect(vars[selector], where).toBe(name);
        expect(Object.keys(vars).filter((k) => !declared.includes(k)), `${where}: undeclared`).toEqual([]);
        expect(Object.keys(vars).filter((k) => k in gen), `${where}: also generated`).toEqual([]);
        const set = new Set([...Object.keys(gen), ...Object.keys(vars)]);
        expect(declared.filter((v) => !set.has(v) && stack.variable[v][0].default === undefined), `${where}: unset`).toEqual([]);
      }
    }
  });

  it('puts an environment in the account and region of its cluster (its data stores live in the cluster\'s VPC)', () => {
    for (const env of platform.environments) {
      const own = tfvars.environment[env.name]!;
      const host = tfvars.cluster[env.cluster]!;
      expect([own.aws_account_id, own.region], env.name).toEqual([host.aws_account_id, host.region]);
    }
  });

  it('has outputs in the account and region its tfvars name', () => {
    const { clusters, environments } = platform.aws.outputs;
    for (const [name, vars] of Object.entries(tfvars.cluster)) {
      expect([clusters[name]?.account_id, clusters[name]?.region], name).toEqual([vars.aws_account_id, vars.region]);
    }
    for (const [name, vars] of Object.entries(tfvars.environment)) {
      expect([environments[name]?.account_id, environments[name]?.region], name).toEqual([vars.aws_account_id, vars.region]);
    }
  });

  it('has environment outputs from the cluster config puts it on (re-apply the environment after moving it)', () => {
    for (const env of platform.environments) {
      expect(platform.aws.outputs.environments[env.name]?.cluster_name, env.name).toBe(env.cluster);
      expect(platform.aws.outputs.clusters[env.cluster]?.cluster_name, env.cluster).toBe(env.cluster);
    }
  });
});

describe('the outputs config reads back', () => {
  it('are exactly the outputs each module declares', () => {
    expect(Object.keys(clusterTerraformOutputs.shape).sort()).toEqual(outputNames(cluster));
    expect(Object.keys(environmentTerraformOutputs.shape).sort()).toEqual(outputNames(environment));
  });

  it('name each IRSA role by the key of its trust subject', () => {
    for (const stack of [cluster, environment]) {
      for (const key of Object.keys(locals(stack).irsa_subjects)) {
        // Used by EKS managed add-ons inside Terraform (eks-addons.tf), not by config.
        if (['efs_csi_driver', 'ebs_csi_driver', 'vpc_cni'].includes(key)) continue;
        expect(stack.output[`${key}_role_arn`]?.[0].value).toBe(`\${module.irsa.arns["${key}"]}`);
      }
    }
  });
});

/** The trust subject of every role config knows by ARN: ARN → `system:serviceaccount:<ns>:<name>`. */
describe('config errors about the AWS ground', () => {
  it('rejects an EKS version other than the PSA minor', () => {
    const raw = rawConfig();
    raw.aws.eksVersion = '1.31';
    expect(configError(raw)).toBe('invalid platform config:\n  - aws.eksVersion = "1.31": must be the Kubernetes minor of podSecurityVersion (v1.32)');
  });

  it('rejects an environment without Terraform outputs', () => {
    const raw = rawConfig();
    delete raw.aws.outputs.environments.staging;
    expect(configError(raw)).toBe('invalid platform config:\n  - aws.outputs.environments.staging = missing: every environment needs the outputs of its Terraform state (terraform-bootstrap/environment) in config/terraform-outputs.json (docs/terraform.md)');
  });

  it('rejects a cluster that hosts environments but has no Terraform outputs (moving production needs its cluster applied)', () => {
    const raw = rawConfig();
    raw.clusters.push(ownCluster(raw, 'flextime-production', 'production'));
    raw.environments.find((e) => e.name === 'production')!.cluster = 'flextime-production';
    expect(configError(raw)).toBe("invalid platform config:\n  - aws.outputs.clusters.flextime-production = missing: cluster 'flextime-production' hosts production and needs the outputs of its Terraform state (terraform-bootstrap/cluster) in config/terraform-outputs.json (docs/terraform.md)");
  });

  it('accepts a cluster that hosts nothing yet without outputs', () => {
    const raw = rawConfig();
    raw.clusters.push({ name: 'flextime-spare', server: 'https://spare.eks.example.com' });
    expect(() => loadConfig(raw)).not.toThrow();
  });

  it('rejects outputs of an environment or a cluster config does not know', () => {
    const raw = rawConfig();
    raw.aws.outputs.environments.qa = raw.aws.outputs.environments.staging!;
    raw.aws.outputs.clusters.legacy = raw.aws.outputs.clusters.flextime!;
    expect(configError(raw)).toBe([
      'invalid platform config:',
      `  - aws.outputs.clusters.legacy = ${JSON.stringify(raw.aws.outputs.clusters.flextime)}: unknown cluster 'legacy'; allowed: flextime`,
      `  - aws.outputs.environments.qa = ${JSON.stringify(raw.aws.outputs.environments.staging)}: unknown environment 'qa'; allowed: development, staging, production`,
    ].join('\n'));
  });

  it('rejects a role ARN from another account, of an environment and of a cluster', () => {
    const raw = rawConfig();
    raw.aws.outputs.environments.production = { ...raw.aws.outputs.environments.production!, backup_role_arn: 'arn:aws:iam::222222222222:role/flextime-production-backup' };
    raw.aws.outputs.clusters.flextime = { ...raw.aws.outputs.clusters.flextime!, external_secrets_role_arn: 'arn:aws:iam::222222222222:role/flextime-external-secrets' };
    expect(configError(raw)).toBe([
      'invalid platform config:',
      "  - aws.outputs.clusters.flextime.external_secrets_role_arn = \"arn:aws:iam::222222222222:role/flextime-external-secrets\": must be in the cluster's account 111111111111 (account_id)",
      "  - aws.outputs.environments.production.backup_role_arn = \"arn:aws:iam::222222222222:role/flextime-production-backup\": must be in the environment's account 111111111111 (account_id)",
    ].join('\n'));
  });

  it('rejects a malformed output and an output of the other module', () => {
    const raw = rawConfig();
    raw.aws.outputs.clusters.flextime = { ...raw.aws.outputs.clusters.flextime!, efs_file_system_id: 'models' };
    raw.aws.outputs.environments.development = { ...raw.aws.outputs.environments.development!, efs_file_system_id: 'fs-00000000000000001' } as typeof raw.aws.outputs.environments.development;
    expect(configError(raw)).toBe([
      'invalid platform config:',
      '  - aws.outputs.clusters.flextime.efs_file_system_id = "models": must be an EFS id such as "fs-0123456789abcdef0"',
      "  - aws.outputs.environments.development: unknown field(s) 'efs_file_system_id'",
    ].join('\n'));
  });
});

describe('scripts/terraform-outputs.mjs', () => {
  /** Run the script on a copy of config/terraform-outputs.json with `terraform output -json`-shaped stdin. */
  function copyOutputs(args: string[], outputs: Record<string, unknown>, sensitive: string[] = []) {
    const folder = mkdtempSync(join(tmpdir(), 'tf-outputs-'));
    const file = join(folder, 'terraform-outputs.json');
    copyFileSync('config/terraform-outputs.json', file);
    const input = Object.fromEntries(Object.entries(outputs).map(([k, value]) => [k, { sensitive: sensitive.includes(k), type: typeof value, value }]));
    const run = spawnSync(process.execPath, ['scripts/terraform-outputs.mjs', ...args], { input: JSON.stringify(input), encoding: 'utf8', env: { ...process.env, FLEXTIME_TERRAFORM_OUTPUTS: file } });
    const json = JSON.parse(readFileSync(file, 'utf8')) as { clusters: Record<string, unknown>; environments: Record<string, unknown> };
    rmSync(folder, { recursive: true, force: true });
    return { status: run.status, stderr: run.stderr.trim(), json };
  }

  it('writes a cluster\'s outputs into `clusters` and an environment\'s into `environments`, leaving the rest as it was', () => {
    const committed = JSON.parse(readFileSync('config/terraform-outputs.json', 'utf8'));
    const prod = { ...committed.clusters.flextime, cluster_name: 'flextime-production' };
    const moved = copyOutputs(['cluster', 'flextime-production'], prod);
    expect(moved.status).toBe(0);
    expect(moved.json).toEqual({ ...committed, clusters: { ...committed.clusters, 'flextime-production': prod } });
    const same = copyOutputs(['environment', 'staging'], committed.environments.staging);
    expect([same.status, JSON.stringify(same.json)]).toEqual([0, JSON.stringify(committed)]);
  });

  it('refuses sensitive outputs, the other module\'s outputs and a missing name', () => {
    const committed = JSON.parse(readFileSync('config/terraform-outputs.json', 'utf8'));
    expect(copyOutputs(['environment', 'staging'], { ...committed.environments.staging, token: 'x' }, ['token']))
      .toMatchObject({ status: 1, stderr: 'refusing to commit sensitive outputs: token', json: committed });
    expect(copyOutputs(['environment', 'staging'], committed.clusters.flextime))
      .toMatchObject({ status: 1, stderr: 'these are not the outputs of terraform-bootstrap/environment (wrong -chdir?)', json: committed });
    expect(copyOutputs(['production'], committed.environments.production)).toMatchObject({ status: 2, json: committed });
  });
});
