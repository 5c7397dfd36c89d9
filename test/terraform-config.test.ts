/**
 * "One config, both worlds": the Terraform inputs synth writes, the variables Terraform declares,
 * the outputs it declares and the outputs config reads back, and the service accounts IAM roles
 * trust, all describe the same thing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Platform } from '../config/index.ts';
import { terraformOutputs } from '../config/schema.ts';
import { terraformInputs, TFVARS_PATH } from '../charts/terraform.ts';
import { namespaceOf } from '../charts/context.ts';
import { renderDocuments, type KubeObject } from '../lib/synth/engine.ts';
import { buildApp } from '../charts/index.ts';
import { configError, objects, rawConfig } from './helpers.ts';
import { outputNames, parseHclFile, parseStack, TF_DIR, variableNames, type Hcl } from './terraform-hcl.ts';
import { irsaSubjects } from './terraform-policy.ts';

let stack: Hcl;
let platform: Platform;
const generated = JSON.parse(readFileSync(TFVARS_PATH, 'utf8')) as Record<string, Hcl>;
const envTfvars: Record<string, Record<string, Hcl>> = {};

beforeAll(async () => {
  stack = await parseStack();
  platform = loadConfig();
  for (const file of readdirSync(join(TF_DIR, 'environments')).filter((f) => f.endsWith('.tfvars'))) {
    envTfvars[file.replace(/\.tfvars$/, '')] = await parseHclFile(join(TF_DIR, 'environments', file));
  }
});

describe('the Terraform inputs synth writes', () => {
  it('are committed exactly as config renders them', () => {
    const doc = renderDocuments(buildApp(platform)).find((d) => d.path === TFVARS_PATH);
    expect(doc?.content).toBe(readFileSync(TFVARS_PATH, 'utf8'));
    expect(generated).toEqual(terraformInputs(platform));
  });

  it('hold the namespaces, clusters, EKS version and SSO of config', () => {
    expect(generated.eks_version).toBe(platform.podSecurityVersion.slice(1));
    expect(generated.environments).toEqual({
      development: { namespace: 'flextime-development', cluster_name: 'flextime' },
      staging: { namespace: 'flextime-staging', cluster_name: 'flextime' },
      production: { namespace: 'flextime-production', cluster_name: 'flextime' },
    });
    expect(generated.sso_issuer_url).toBe(platform.sso.issuer);
  });

  it('only set variables that variables.tf declares', () => {
    const declared = variableNames(stack);
    expect(Object.keys(generated).filter((k) => !declared.includes(k))).toEqual([]);
  });
});

describe('every environment', () => {
  it('has a hand-written tfvars file and a backend file with its own state key', () => {
    const names = platform.environments.map((e) => e.name).sort();
    expect(Object.keys(envTfvars).sort()).toEqual(names);
    const keys = names.map((env) => {
      const backend = readFileSync(join(TF_DIR, 'environments', `${env}.s3.tfbackend`), 'utf8');
      return /^key\s*=\s*"([^"]+)"/m.exec(backend)?.[1];
    });
    expect(keys).toEqual(names.map((env) => `flextime/${env}/terraform.tfstate`));
  });

  it('sets every declared variable exactly once, between the generated file and its tfvars', () => {
    const declared = variableNames(stack);
    for (const [env, tfvars] of Object.entries(envTfvars)) {
      expect(tfvars.environment, `${env}.tfvars`).toBe(env);
      expect(Object.keys(tfvars).filter((k) => !declared.includes(k)), `${env}.tfvars: undeclared`).toEqual([]);
      expect(Object.keys(tfvars).filter((k) => k in generated), `${env}.tfvars: also generated`).toEqual([]);
      const set = new Set([...Object.keys(generated), ...Object.keys(tfvars)]);
      expect(declared.filter((v) => !set.has(v) && stack.variable[v][0].default === undefined), `${env}: unset`).toEqual([]);
    }
  });

  it('has outputs of the cluster it runs in (re-apply after moving an environment)', () => {
    for (const env of platform.environments) expect(platform.aws.outputs[env.name]?.cluster_name, env.name).toBe(env.cluster);
  });

  it('has outputs in the account and region its tfvars name', () => {
    for (const [env, tfvars] of Object.entries(envTfvars)) {
      expect([platform.aws.outputs[env]?.account_id, platform.aws.outputs[env]?.region]).toEqual([tfvars.aws_account_id, tfvars.region]);
    }
  });
});

describe('the outputs config reads back', () => {
  it('are exactly the outputs outputs.tf declares', () => {
    expect(Object.keys(terraformOutputs.shape).sort()).toEqual(outputNames(stack));
  });

  it('name each IRSA role by the key of its trust subject', () => {
    for (const key of Object.keys(stack.locals.find((l: Hcl) => l.irsa_subjects).irsa_subjects)) {
      if (key === 'efs_csi_driver') continue; // used by the EKS add-on inside Terraform, not by config
      expect(stack.output[`${key}_role_arn`]?.[0].value).toBe(`\${aws_iam_role.irsa["${key}"].arn}`);
    }
  });
});

/** The trust subject of every role config knows by ARN: ARN → `system:serviceaccount:<ns>:<name>`. */
function trustedSubjects(p: Platform, s: Hcl): Map<string, string> {
  const trusted = new Map<string, string>();
  for (const env of p.environments) {
    const subjects = irsaSubjects(s, { ...generated, environment: env.name }, env.name);
    const out = p.aws.outputs[env.name]! as unknown as Record<string, string>;
    for (const [key, subject] of Object.entries(subjects)) {
      if (out[`${key}_role_arn`]) trusted.set(out[`${key}_role_arn`]!, subject);
    }
  }
  return trusted;
}

/** ServiceAccounts whose IRSA annotation names a Terraform role that does not trust them. */
function irsaMismatches(rendered: KubeObject[], trusted: Map<string, string>): string[] {
  return rendered
    .filter((o) => o.kind === 'ServiceAccount')
    .flatMap((sa) => {
      const arn = sa.metadata.annotations?.['eks.amazonaws.com/role-arn'];
      const subject = `system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`;
      const expected = arn ? trusted.get(arn) : undefined;
      return expected && expected !== subject ? [`${subject} uses ${arn}, which trusts only ${expected}`] : [];
    });
}

describe('IRSA trust', () => {
  it('binds each role to exactly the service account config names, per environment', () => {
    const sa = platform.aws.serviceAccounts;
    const ref = (r: { namespace: string; name: string }) => `system:serviceaccount:${r.namespace}:${r.name}`;
    for (const env of platform.environments) {
      expect(irsaSubjects(stack, { ...generated, environment: env.name }, env.name)).toEqual({
        external_secrets: ref(sa.externalSecrets),
        backup: `system:serviceaccount:${namespaceOf(platform, env)}:flextime-backup`,
        cert_manager: ref(sa.certManager),
        cluster_autoscaler: ref(sa.clusterAutoscaler),
        efs_csi_driver: ref(sa.efsCsiDriver),
      });
    }
  });

  it('matches every rendered ServiceAccount that carries a Terraform role', () => {
    expect(irsaMismatches(objects(), trustedSubjects(platform, stack))).toEqual([]);
  });

  it('catches a ServiceAccount that carries a role trusting another account', () => {
    const arn = platform.aws.outputs.production!.backup_role_arn;
    const impostor: KubeObject = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'api-svc', namespace: 'flextime-production', annotations: { 'eks.amazonaws.com/role-arn': arn } },
    };
    expect(irsaMismatches([impostor], trustedSubjects(platform, stack))).toEqual([
      `system:serviceaccount:flextime-production:api-svc uses ${arn}, which trusts only system:serviceaccount:flextime-production:flextime-backup`,
    ]);
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
    delete raw.aws.outputs.staging;
    expect(configError(raw)).toBe('invalid platform config:\n  - aws.outputs.staging = missing: every environment needs the outputs of its Terraform state in config/terraform-outputs.json (docs/terraform.md)');
  });

  it('rejects outputs of an environment config does not know', () => {
    const raw = rawConfig();
    raw.aws.outputs.qa = raw.aws.outputs.staging!;
    expect(configError(raw)).toBe("invalid platform config:\n  - aws.outputs.qa = " + JSON.stringify(raw.aws.outputs.staging) + ": unknown environment 'qa'; allowed: development, staging, production");
  });

  it('rejects a role ARN from another account', () => {
    const raw = rawConfig();
    raw.aws.outputs.production = { ...raw.aws.outputs.production!, backup_role_arn: 'arn:aws:iam::222222222222:role/flextime-production-backup' };
    expect(configError(raw)).toBe("invalid platform config:\n  - aws.outputs.production.backup_role_arn = \"arn:aws:iam::222222222222:role/flextime-production-backup\": must be in the environment's account 111111111111 (account_id)");
  });

  it('rejects a malformed output and an unknown output', () => {
    const raw = rawConfig();
    raw.aws.outputs.development = { ...raw.aws.outputs.development!, efs_file_system_id: 'models', vpc_id: 'vpc-1' } as typeof raw.aws.outputs.development;
    expect(configError(raw)).toBe([
      'invalid platform config:',
      '  - aws.outputs.development.efs_file_system_id = "models": must be an EFS id such as "fs-0123456789abcdef0"',
      "  - aws.outputs.development: unknown field(s) 'vpc_id'",
    ].join('\n'));
  });
});

describe('the ArgoCD bootstrap', () => {
  const ROOT_APP = 'argocd/bootstrap/application-flextime-root.yaml';
  /** What the pinned argocd-apps chart (2.0.2, templates/applications.yaml) copies into the Application. */
  const CHART_METADATA = ['name', 'namespace', 'labels', 'annotations', 'finalizers'];
  const CHART_SPEC = ['project', 'source', 'sources', 'destination', 'syncPolicy', 'revisionHistoryLimit', 'ignoreDifferences', 'info'];

  it('applies the root Application that synth renders', () => {
    expect(stack.locals.find((l: Hcl) => l.root_application).root_application).toContain(`/../${ROOT_APP}`);
    const root = parseYaml(readFileSync(ROOT_APP, 'utf8')) as KubeObject;
    expect([root.apiVersion, root.kind, root.metadata.namespace]).toEqual(['argoproj.io/v1alpha1', 'Application', platform.gitops.namespace]);
  });

  it('loses no field of the root Application on its way through the argocd-apps chart', () => {
    const root = parseYaml(readFileSync(ROOT_APP, 'utf8')) as KubeObject & { spec: Record<string, unknown> };
    expect(Object.keys(root.metadata).filter((k) => !CHART_METADATA.includes(k))).toEqual([]);
    expect(Object.keys(root.spec).filter((k) => !CHART_SPEC.includes(k))).toEqual([]);
  });
});
