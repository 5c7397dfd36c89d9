/**
 * "One config, both worlds": the Terraform inputs synth writes for both root modules
 * (terraform-bootstrap/cluster, terraform-bootstrap/environment), the variables they declare,
 * the outputs they declare and the outputs config reads back, and the service accounts IAM roles
 * trust, all describe the same thing.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Platform } from '../config/index.ts';
import { clusterTerraformOutputs, environmentTerraformOutputs } from '../config/schema.ts';
import { CLUSTER_TFVARS_PATH, clusterTerraformInputs, ENVIRONMENT_TFVARS_PATH, environmentTerraformInputs } from '../charts/terraform.ts';
import { namespaceOf } from '../charts/context.ts';
import { renderDocuments } from '../lib/synth/engine.ts';
import { type KubeObject } from '../lib/synth/object-json.ts';
import { buildApp } from '../charts/index.ts';
import { ROLE_ARN_ANNOTATION } from '../charts/addon-roles.ts';
import { configError, objects, ownCluster, rawConfig, renderPlatform } from './helpers.ts';
import { CLUSTER_DIR, ENVIRONMENT_DIR, evaluate, locals, outputNames, parseHclFile, parseStack, variableNames, type Hcl } from './terraform-hcl.ts';
import { irsaSubjects } from './terraform-policy.ts';

let cluster: Hcl;
let environment: Hcl;
let platform: Platform;
let rendered: KubeObject[];
const generated = {
  cluster: JSON.parse(readFileSync(CLUSTER_TFVARS_PATH, 'utf8')) as Record<string, Hcl>,
  environment: JSON.parse(readFileSync(ENVIRONMENT_TFVARS_PATH, 'utf8')) as Record<string, Hcl>,
};
/** Hand-written tfvars: clusters/<cluster>.tfvars and environments/<env>.tfvars, by name. */
const tfvars = { cluster: {} as Record<string, Record<string, Hcl>>, environment: {} as Record<string, Record<string, Hcl>> };

async function readTfvars(dir: string): Promise<Record<string, Record<string, Hcl>>> {
  const out: Record<string, Record<string, Hcl>> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tfvars'))) out[file.replace(/\.tfvars$/, '')] = await parseHclFile(join(dir, file));
  return out;
}

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
function trustedSubjects(p: Platform): Map<string, string> {
  const trusted = new Map<string, string>();
  const add = (outputs: Record<string, unknown> | undefined, subjects: Record<string, string>) => {
    for (const [key, subject] of Object.entries(subjects)) {
      const arn = outputs?.[`${key}_role_arn`];
      if (typeof arn === 'string') trusted.set(arn, subject);
    }
  };
  for (const name of Object.keys(generated.cluster.clusters)) add(p.aws.outputs.clusters[name], irsaSubjects(cluster, { ...generated.cluster, cluster: name }));
  for (const env of p.environments) add(p.aws.outputs.environments[env.name], irsaSubjects(environment, { ...generated.environment, environment: env.name }));
  return trusted;
}

/** ServiceAccounts whose IRSA annotation names a Terraform role that does not trust them. */
function irsaMismatches(objs: KubeObject[], trusted: Map<string, string>): string[] {
  return objs
    .filter((o) => o.kind === 'ServiceAccount')
    .flatMap((sa) => {
      const arn = sa.metadata.annotations?.['eks.amazonaws.com/role-arn'];
      const subject = `system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`;
      const expected = arn ? trusted.get(arn) : undefined;
      return expected && expected !== subject ? [`${subject} uses ${arn}, which trusts only ${expected}`] : [];
    });
}

const ref = (r: { namespace: string; name: string }) => `system:serviceaccount:${r.namespace}:${r.name}`;

/**
 * [ServiceAccount, role ARN] of every add-on Application whose values annotate its ServiceAccount
 * with a role (`serviceAccount` or, cluster-autoscaler's chart, `rbac.serviceAccount`); the
 * ServiceAccount is the `name` the values set, else the chart's default, the release name.
 */
function addonServiceAccountRoles(objs: KubeObject[]): Array<[string, string]> {
  type ServiceAccountValues = { name?: string; annotations?: Record<string, string> };
  type Spec = { destination: { namespace: string }; source?: { helm?: { releaseName: string; valuesObject?: { serviceAccount?: ServiceAccountValues; rbac?: { serviceAccount?: ServiceAccountValues } } } } };
  return objs
    .filter((o) => o.kind === 'Application')
    .flatMap((app): Array<[string, string]> => {
      const { destination, source } = app.spec as Spec;
      const values = source?.helm?.valuesObject;
      const sa = values?.serviceAccount ?? values?.rbac?.serviceAccount;
      const arn = sa?.annotations?.[ROLE_ARN_ANNOTATION];
      return arn ? [[`system:serviceaccount:${destination.namespace}:${sa!.name ?? source!.helm!.releaseName}`, arn]] : [];
    })
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

describe('IRSA trust', () => {
  it('binds each cluster role to exactly the service account config names', () => {
    const sa = platform.aws.serviceAccounts;
    expect(irsaSubjects(cluster, { ...generated.cluster, cluster: 'flextime' })).toEqual({
      external_secrets: ref(sa.externalSecrets),
      cert_manager: ref(sa.certManager),
      cluster_autoscaler: ref(sa.clusterAutoscaler),
      efs_csi_driver: ref(sa.efsCsiDriver),
      ebs_csi_driver: ref(sa.ebsCsiDriver),
      vpc_cni: ref(sa.vpcCni),
      aws_load_balancer_controller: ref(sa.awsLoadBalancerController),
    });
  });

  it('binds each environment\'s backup role to the backup service account in that environment\'s namespace only', () => {
    for (const env of platform.environments) {
      expect(irsaSubjects(environment, { ...generated.environment, environment: env.name })).toEqual({
        backup: `system:serviceaccount:${namespaceOf(platform, env)}:${platform.aws.serviceAccounts.backup}`,
      });
    }
  });

  it('matches every rendered ServiceAccount that carries a Terraform role', () => {
    expect(irsaMismatches(rendered, trustedSubjects(platform))).toEqual([]);
  });

  it('puts the cluster\'s role on the ServiceAccount of each add-on that calls AWS, a role that trusts exactly that ServiceAccount', () => {
    const trusted = trustedSubjects(platform);
    const addons = addonServiceAccountRoles(rendered);
    expect(addons.map(([sa]) => sa)).toEqual([
      'system:serviceaccount:aws-load-balancer-controller:aws-load-balancer-controller',
      'system:serviceaccount:cert-manager:cert-manager',
      'system:serviceaccount:cluster-autoscaler:cluster-autoscaler',
      'system:serviceaccount:external-secrets:external-secrets',
    ]);
    for (const [sa, arn] of addons) expect(trusted.get(arn), sa).toBe(sa);
  });

  it('gives the add-ons of a new cluster that cluster\'s roles', () => {
    const raw = rawConfig();
    raw.clusters.push(ownCluster(raw, 'flextime-production', 'production'));
    raw.environments.find((e) => e.name === 'production')!.cluster = 'flextime-production';
    const arn = 'arn:aws:iam::111111111111:role/flextime-production-external-secrets';
    raw.aws.outputs.clusters['flextime-production'] = { ...raw.aws.outputs.clusters.flextime!, cluster_name: 'flextime-production', external_secrets_role_arn: arn };
    const apps = objects('argocd/apps/', renderPlatform(loadConfig(raw))).filter((a) => a.metadata.name === 'addon-flextime-production-external-secrets');
    expect(addonServiceAccountRoles(apps)).toEqual([['system:serviceaccount:external-secrets:external-secrets', arn]]);
  });

  it('catches a ServiceAccount that carries a role trusting another account', () => {
    const arn = platform.aws.outputs.environments.production!.backup_role_arn;
    const impostor: KubeObject = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'api-svc', namespace: 'flextime-production', annotations: { 'eks.amazonaws.com/role-arn': arn } },
    };
    expect(irsaMismatches([impostor], trustedSubjects(platform))).toEqual([
      `system:serviceaccount:flextime-production:api-svc uses ${arn}, which trusts only system:serviceaccount:flextime-production:flextime-backup`,
    ]);
  });
});

describe('External Secrets: one role per cluster', () => {
  type Store = KubeObject & { spec: { provider: { aws: { prefix?: string; auth: { jwt: { serviceAccountRef: { name: string; namespace: string } } } } } } };
  const stores = () => rendered.filter((o): o is Store => o.kind === 'ClusterSecretStore');

  it('every ClusterSecretStore authenticates as the service account the cluster\'s External Secrets role trusts', () => {
    const subject = irsaSubjects(cluster, { ...generated.cluster, cluster: 'flextime' }).external_secrets;
    expect(stores().length).toBe(platform.environments.length + 1);
    for (const store of stores()) expect(ref(store.spec.provider.aws.auth.jwt.serviceAccountRef), store.metadata.name).toBe(subject);
  });

  it('the role may read exactly the prefixes of the environments on its cluster and the platform secrets', () => {
    const doc = cluster.data.aws_iam_policy_document.external_secrets[0];
    expect(doc.statement[0].resources).toBe('${local.secret_arns}');
    expect(doc.statement[1].condition.map((c: Hcl) => [c.test, c.variable, c.values])).toEqual([
      ['StringEquals', 'kms:ViaService', ['secretsmanager.${var.region}.amazonaws.com']],
      ['ArnLike', 'kms:EncryptionContext:SecretARN', '${local.secret_arns}'],
    ]);
    const arns = locals(cluster).secret_arns as string;
    expect(arns).toContain('[for env in values(local.hosted) : "arn:aws:secretsmanager:${var.region}:${var.aws_account_id}:secret:${env.secrets_prefix}*"]');
    expect(arns).toContain('[for name in var.platform_secrets : "arn:aws:secretsmanager:${var.region}:${var.aws_account_id}:secret:${name}-??????"]');
    const prefixes = stores().filter((s) => s.spec.provider.aws.prefix).map((s) => s.spec.provider.aws.prefix).sort();
    expect(prefixes).toEqual(Object.values<Hcl>(generated.cluster.clusters.flextime.environments).map((e) => e.secrets_prefix).sort());
  });

  it('the role may read by name exactly the secrets read through the platform store', () => {
    const platformStores = new Set(stores().filter((s) => !s.spec.provider.aws.prefix).map((s) => s.metadata.name));
    const read = rendered
      .filter((o) => o.kind === 'ExternalSecret')
      .filter((o) => platformStores.has((o.spec as { secretStoreRef: { name: string } }).secretStoreRef.name))
      .flatMap((o) => [
        ...((o.spec as { data?: Array<{ remoteRef: { key: string } }> }).data ?? []).map((d) => d.remoteRef.key),
        ...((o.spec as { dataFrom?: Array<{ extract?: { key: string } }> }).dataFrom ?? []).flatMap((d) => (d.extract ? [d.extract.key] : [])),
      ]);
    expect(read).toContain(platform.observability.alerting.secretKey);
    expect(generated.cluster.platform_secrets).toEqual([...new Set(read)].sort());
  });
});

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
    const file = join(mkdtempSync(join(tmpdir(), 'tf-outputs-')), 'terraform-outputs.json');
    copyFileSync('config/terraform-outputs.json', file);
    const input = Object.fromEntries(Object.entries(outputs).map(([k, value]) => [k, { sensitive: sensitive.includes(k), type: typeof value, value }]));
    const run = spawnSync(process.execPath, ['scripts/terraform-outputs.mjs', ...args], { input: JSON.stringify(input), encoding: 'utf8', env: { ...process.env, FLEXTIME_TERRAFORM_OUTPUTS: file } });
    return { status: run.status, stderr: run.stderr.trim(), json: JSON.parse(readFileSync(file, 'utf8')) as { clusters: Record<string, unknown>; environments: Record<string, unknown> } };
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

describe('the ArgoCD bootstrap', () => {
  const ROOT_APP = 'argocd/bootstrap/application-flextime-root.yaml';
  /** What the pinned argocd-apps chart (2.0.2, templates/applications.yaml) copies into the Application. */
  const CHART_METADATA = ['name', 'namespace', 'labels', 'annotations', 'finalizers'];
  const CHART_SPEC = ['project', 'source', 'sources', 'destination', 'syncPolicy', 'revisionHistoryLimit', 'ignoreDifferences', 'info'];

  it('applies the root Application that synth renders', () => {
    expect(locals(cluster).root_application).toContain(`/../../${ROOT_APP}`);
    expect(existsSync(join(CLUSTER_DIR, '../..', ROOT_APP))).toBe(true);
    const root = parseYaml(readFileSync(ROOT_APP, 'utf8')) as KubeObject;
    expect([root.apiVersion, root.kind, root.metadata.namespace]).toEqual(['argoproj.io/v1alpha1', 'Application', platform.gitops.namespace]);
  });

  it('installs ArgoCD and the root Application on the cluster ArgoCD runs in only', () => {
    const count = (name: string) => {
      const vars = { ...generated.cluster, cluster: name };
      const runs = evaluate(locals(cluster).runs_argocd, { var: vars });
      return ['argocd', 'root_application'].map((r) => evaluate(cluster.resource.helm_release[r][0].count, { local: { runs_argocd: runs }, var: vars }));
    };
    expect(count(platform.gitops.controlCluster)).toEqual([1, 1]);
    expect(count('flextime-production')).toEqual([0, 0]);
  });

  it('loses no field of the root Application on its way through the argocd-apps chart', () => {
    const root = parseYaml(readFileSync(ROOT_APP, 'utf8')) as KubeObject & { spec: Record<string, unknown> };
    expect(Object.keys(root.metadata).filter((k) => !CHART_METADATA.includes(k))).toEqual([]);
    expect(Object.keys(root.spec).filter((k) => !CHART_SPEC.includes(k))).toEqual([]);
  });
});
