/**
 * IRSA trust between config, rendered ServiceAccounts and the Terraform roles, one External Secrets
 * role per cluster, and the ArgoCD bootstrap Terraform installs (split from terraform-config.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Platform } from '../config/index.ts';
import { namespaceOf } from '../charts/context.ts';
import { type KubeObject } from '../lib/synth/object-json.ts';
import { ROLE_ARN_ANNOTATION } from '../charts/addon-roles.ts';
import { objects, ownCluster, rawConfig, renderPlatform } from './helpers.ts';
import { CLUSTER_DIR, ENVIRONMENT_DIR, evaluate, locals, parseStack, type Hcl } from './terraform-hcl.ts';
import { generated, readTfvars, tfvars } from './terraform-inputs.ts';
import { irsaSubjects } from './terraform-policy.ts';

let cluster: Hcl;
let environment: Hcl;
let platform: Platform;
let rendered: KubeObject[];


beforeAll(async () => {
  cluster = await parseStack(CLUSTER_DIR);
  environment = await parseStack(ENVIRONMENT_DIR);
  platform = loadConfig();
  rendered = objects();
  tfvars.cluster = await readTfvars(join(CLUSTER_DIR, 'clusters'));
  tfvars.environment = await readTfvars(join(ENVIRONMENT_DIR, 'environments'));
});


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
  type Spec = { destination: { namespace: string }; source?: { helm?: { releaseName: string; valuesObject?: { serviceAccount?: ServiceAccountValues; rbac?: { serviceAccount?: ServiceAccountValues }; grafana?: { serviceAccount?: ServiceAccountValues } } } } };
  return objs
    .filter((o) => o.kind === 'Application')
    .flatMap((app): Array<[string, string]> => {
      const { destination, source } = app.spec as Spec;
      const values = source?.helm?.valuesObject;
      // kube-prometheus-stack's Grafana sub-chart: grafana.serviceAccount (its CloudWatch Logs data source).
      const sa = values?.serviceAccount ?? values?.rbac?.serviceAccount ?? values?.grafana?.serviceAccount;
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
      log_collector: 'system:serviceaccount:logging:log-collector',
      grafana_logs: 'system:serviceaccount:observability:kube-prometheus-stack-grafana',
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
      'system:serviceaccount:observability:kube-prometheus-stack-grafana',
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
