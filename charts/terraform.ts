/**
 * terraform-bootstrap/generated.auto.tfvars.json: the names Terraform and the manifests must
 * agree on (namespaces, cluster names, service accounts bound to IAM roles, EKS version, SSO),
 * rendered from config by the same synth. Terraform loads `*.auto.tfvars.json` by itself;
 * every key is a variable declared in terraform-bootstrap/variables.tf (test/terraform-config.test.ts).
 */
import type { App } from 'cdk8s';
import type { Platform } from '../config/index.ts';
import { GeneratedDocument } from '../lib/synth/document.ts';
import { namespaceOf } from './context.ts';

export const TFVARS_PATH = 'terraform-bootstrap/generated.auto.tfvars.json';

/** A service account as Terraform's `service_accounts` variable spells it. */
interface TfServiceAccount {
  namespace: string;
  name: string;
}

export interface TerraformInputs {
  eks_version: string;
  environments: Record<string, { namespace: string; cluster_name: string }>;
  service_accounts: {
    backup: string;
    external_secrets: TfServiceAccount;
    cert_manager: TfServiceAccount;
    cluster_autoscaler: TfServiceAccount;
    efs_csi_driver: TfServiceAccount;
  };
  sso_issuer_url: string;
  sso_groups_prefix: string;
}

/** The values, in a fixed key order so the file only changes when config does. */
export function terraformInputs(platform: Platform): TerraformInputs {
  const { aws } = platform;
  const sa = (ref: { namespace: string; name: string }): TfServiceAccount => ({ namespace: ref.namespace, name: ref.name });
  return {
    eks_version: aws.eksVersion,
    environments: Object.fromEntries(
      platform.environments.map((env) => [env.name, { namespace: namespaceOf(platform, env), cluster_name: env.cluster }]),
    ),
    service_accounts: {
      backup: aws.serviceAccounts.backup,
      external_secrets: sa(aws.serviceAccounts.externalSecrets),
      cert_manager: sa(aws.serviceAccounts.certManager),
      cluster_autoscaler: sa(aws.serviceAccounts.clusterAutoscaler),
      efs_csi_driver: sa(aws.serviceAccounts.efsCsiDriver),
    },
    sso_issuer_url: platform.sso.issuer,
    sso_groups_prefix: aws.ssoGroupsPrefix,
  };
}

export function terraformInputsChart(app: App, platform: Platform): void {
  new GeneratedDocument(app, 'terraform-inputs', {
    path: TFVARS_PATH,
    content: `${JSON.stringify(terraformInputs(platform), null, 2)}\n`,
  });
}
