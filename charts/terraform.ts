/**
 * The Terraform inputs synth owns: the names Terraform and the manifests must agree on, rendered
 * from config by the same synth, one file per root module of terraform-bootstrap/:
 *
 * - cluster/generated.auto.tfvars.json: every cluster of config with the environments it hosts
 *   (namespace, Secrets Manager prefix) and its network (VPC CIDR, subnets per zone, VPC
 *   endpoints: `clusters[].network`, the plan the NetworkPolicies' ranges come from), the cluster ArgoCD runs in, the cluster-wide service
 *   accounts bound to IAM roles, the platform secrets External Secrets reads (scanned from the
 *   rendered ExternalSecrets), EKS version, SSO, the alias of the EBS key the StorageClasses name;
 * - environment/generated.auto.tfvars.json: per environment its namespace, its cluster, the
 *   backup job's service account, its Secrets Manager prefix and its data subnets (zone, CIDR).
 *
 * Terraform loads `*.auto.tfvars.json` by itself; every key is a variable the module declares
 * (test/terraform-config.test.ts).
 */
import { ApiObject, type App } from 'cdk8s';
import type { Platform } from '../config/index.ts';
import type { NodeGroup } from '../config/schema-aws.ts';
import { GeneratedDocument } from '../lib/synth/document.ts';
import { namespaceOf } from './context.ts';
import { environmentSecretsPrefix } from './secrets.ts';
import { LOG_GROUP_KEYS } from '../config/schema-logs.ts';
import { logGroupName } from './logging-config.ts';

export const CLUSTER_TFVARS_PATH = 'terraform-bootstrap/cluster/generated.auto.tfvars.json';
export const ENVIRONMENT_TFVARS_PATH = 'terraform-bootstrap/environment/generated.auto.tfvars.json';

/** A service account as Terraform's `service_accounts` variable spells it. */
interface TfServiceAccount {
  namespace: string;
  name: string;
}

/** A cluster's network as Terraform's `clusters[*].network` spells it (terraform-bootstrap/cluster/variables.tf). */
export interface TfClusterNetwork {
  vpc_cidr: string;
  zones: Array<{ name: string; public: string; private: string; endpoints: string }>;
  gateway_endpoints: string[];
  interface_endpoints: string[];
}

export interface ClusterTerraformInputs {
  eks_version: string;
  clusters: Record<string, { environments: Record<string, { namespace: string; secrets_prefix: string }>; network: TfClusterNetwork | null }>;
  platform_secrets: string[];
  argocd_cluster: string;
  service_accounts: {
    external_secrets: TfServiceAccount;
    cert_manager: TfServiceAccount;
    cluster_autoscaler: TfServiceAccount;
    efs_csi_driver: TfServiceAccount;
    ebs_csi_driver: TfServiceAccount;
    vpc_cni: TfServiceAccount;
    aws_load_balancer_controller: TfServiceAccount;
    log_collector: TfServiceAccount;
    grafana: TfServiceAccount;
  };
  container_logs: {
    groups: Record<string, { name: string; retention_days: number; archive: boolean }>;
    archive: { storage_class: string; transition_days: number; expire_days: number };
  };
  ebs_kms_key_alias: string;
  sso_issuer_url: string;
  sso_groups_prefix: string;
  /** Per cluster: its node groups by name. */
  node_groups: Record<string, Record<string, TfNodeGroup>>;
}

// ---- Node groups (config/node-groups.ts) -------------------------------------------------------

/** One aws_eks_node_group, as Terraform's `node_groups` variable spells it. */
export interface TfNodeGroup {
  capacity_type: 'ON_DEMAND' | 'SPOT';
  instance_types: string[];
  min_size: number;
  max_size: number;
  labels: Record<string, string>;
  taints: Array<{ key: string; value: string | null; effect: 'NO_SCHEDULE' | 'PREFER_NO_SCHEDULE' | 'NO_EXECUTE' }>;
}

/** The node groups of a cluster: the production tier's as soon as it hosts production. */
export function nodeGroupsOf(platform: Platform, cluster: string): { tier: 'production' | 'non-production'; groups: NodeGroup[] } {
  const tier = platform.environments.some((e) => e.cluster === cluster && e.name === 'production') ? 'production' : 'non-production';
  return { tier, groups: platform.aws.nodeGroups[tier] };
}

/** Kubernetes labels of a group's nodes (EKS adds its own eks.amazonaws.com/* labels). */
export function nodeGroupLabels(group: NodeGroup): Record<string, string> {
  // lower(capacity_type), as eks.tf always labelled them: "on_demand" / "spot".
  return { 'flextime.io/capacity-type': group.capacityType.toLowerCase(), ...group.labels };
}

const EKS_TAINT_EFFECT = { NoSchedule: 'NO_SCHEDULE', PreferNoSchedule: 'PREFER_NO_SCHEDULE', NoExecute: 'NO_EXECUTE' } as const;

export function tfNodeGroup(group: NodeGroup): TfNodeGroup {
  return {
    capacity_type: group.capacityType,
    instance_types: [...group.instanceTypes],
    min_size: group.minSize,
    max_size: group.maxSize,
    labels: nodeGroupLabels(group),
    taints: group.taints.map((t) => ({ key: t.key, value: t.value ?? null, effect: EKS_TAINT_EFFECT[t.effect] })),
  };
}

export interface EnvironmentTerraformInputs {
  environments: Record<string, {
    namespace: string;
    cluster: string;
    backup_service_account: string;
    secrets_prefix: string;
    /** One per zone of the cluster, in its order. */
    data_subnets: Array<{ zone: string; cidr: string }>;
  }>;
}

/**
 * Secrets read through the platform ClusterSecretStore (the one without a prefix) by any
 * ExternalSecret in `app`, by exact name, sorted: the cluster's External Secrets role may read
 * these and the environment prefixes, nothing else. Scanned, so a new add-on secret cannot be
 * forgotten (build the charts first).
 */
export function platformSecretNames(app: App, platform: Platform): string[] {
  const names = new Set<string>();
  for (const obj of app.node.findAll().filter(ApiObject.isApiObject)) {
    if (obj.kind !== 'ExternalSecret') continue;
    const spec = obj.toJson().spec as ExternalSecretSpec;
    if (spec.secretStoreRef.kind !== 'ClusterSecretStore' || spec.secretStoreRef.name !== platform.secretStore.name) continue;
    for (const d of spec.data ?? []) names.add(d.remoteRef.key);
    for (const d of spec.dataFrom ?? []) if (d.extract) names.add(d.extract.key);
  }
  return [...names].sort();
}

/** The parts of an ExternalSecret's spec platformSecretNames reads. */
interface ExternalSecretSpec {
  secretStoreRef: { kind?: string; name: string };
  data?: Array<{ remoteRef: { key: string } }>;
  dataFrom?: Array<{ extract?: { key: string } }>;
}

/** The cluster module's values, in a fixed key order so the file only changes when config does. */
export function clusterTerraformInputs(platform: Platform, platformSecrets: readonly string[]): ClusterTerraformInputs {
  const { aws } = platform;
  const sa = (ref: { namespace: string; name: string }): TfServiceAccount => ({ namespace: ref.namespace, name: ref.name });
  return {
    eks_version: aws.eksVersion,
    clusters: Object.fromEntries(platform.clusters.map((cluster) => [cluster.name, {
      environments: Object.fromEntries(platform.environments.filter((env) => env.cluster === cluster.name).map((env) => [
        env.name,
        { namespace: namespaceOf(platform, env), secrets_prefix: environmentSecretsPrefix({ platform, env }) },
      ])),
      // A cluster that hosts nothing yet may have no network in config; Terraform refuses to plan it.
      network: cluster.network ? {
        vpc_cidr: cluster.network.vpcCidr,
        zones: cluster.network.zones.map((z) => ({ name: z.name, public: z.public, private: z.private, endpoints: z.endpoints })),
        gateway_endpoints: [...cluster.network.endpoints.gateway],
        interface_endpoints: [...cluster.network.endpoints.interface],
      } : null,
    }])),
    platform_secrets: [...platformSecrets],
    argocd_cluster: platform.gitops.controlCluster,
    service_accounts: {
      external_secrets: sa(aws.serviceAccounts.externalSecrets),
      cert_manager: sa(aws.serviceAccounts.certManager),
      cluster_autoscaler: sa(aws.serviceAccounts.clusterAutoscaler),
      efs_csi_driver: sa(aws.serviceAccounts.efsCsiDriver),
      ebs_csi_driver: sa(aws.serviceAccounts.ebsCsiDriver),
      vpc_cni: sa(aws.serviceAccounts.vpcCni),
      aws_load_balancer_controller: sa(aws.serviceAccounts.awsLoadBalancerController),
      log_collector: sa(aws.serviceAccounts.logCollector),
      grafana: sa(aws.serviceAccounts.grafana),
    },
    container_logs: containerLogsInputs(platform),
    // One key per cluster for every StorageClass (config/schema-storage.ts checks they share it).
    ebs_kms_key_alias: platform.storage.classes[0]!.kmsKeyAlias,
    sso_issuer_url: platform.sso.issuer,
    sso_groups_prefix: aws.ssoGroupsPrefix,
    node_groups: Object.fromEntries(platform.clusters.map((cluster) => [
      cluster.name,
      Object.fromEntries(nodeGroupsOf(platform, cluster.name).groups.map((g) => [g.name, tfNodeGroup(g)])),
    ])),
  };
}

/** The container log groups (terraform-bootstrap/cluster/logs.tf): names, retention, archive. */
function containerLogsInputs(platform: Platform): ClusterTerraformInputs['container_logs'] {
  const { logs } = platform.observability;
  return {
    groups: Object.fromEntries(LOG_GROUP_KEYS.map((key) => [key, { name: logGroupName(platform, key), retention_days: logs.groups[key].retentionDays, archive: logs.groups[key].archive }])),
    archive: { storage_class: logs.archive.storageClass, transition_days: logs.archive.transitionDays, expire_days: logs.archive.expireDays },
  };
}

/** The environment module's values. */
export function environmentTerraformInputs(platform: Platform): EnvironmentTerraformInputs {
  return {
    environments: Object.fromEntries(platform.environments.map((env) => {
      const net = platform.clusters.find((c) => c.name === env.cluster)?.network;
      return [env.name, {
        namespace: namespaceOf(platform, env),
        cluster: env.cluster,
        backup_service_account: platform.aws.serviceAccounts.backup,
        secrets_prefix: environmentSecretsPrefix({ platform, env }),
        // The schema requires a network and one data subnet per zone on every cluster that hosts an environment.
        data_subnets: (net?.dataSubnets[env.name] ?? []).map((cidr, i) => ({ zone: net!.zones[i]!.name, cidr })),
      }];
    })),
  };
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Built after every chart that renders an ExternalSecret (see platformSecretNames and charts/index.ts). */
export function terraformInputsChart(app: App, platform: Platform): void {
  const platformSecrets = platformSecretNames(app, platform);
  // An ExternalSecret built after this point would read a secret the cluster's role may not read.
  app.node.addValidation({
    validate: () => platformSecretNames(app, platform)
      .filter((name) => !platformSecrets.includes(name))
      .map((name) => `an ExternalSecret reading platform secret '${name}' was added after charts/terraform.ts listed the platform secrets: build it before DERIVED_CHARTS in charts/index.ts`),
  });
  new GeneratedDocument(app, 'terraform-cluster-inputs', { path: CLUSTER_TFVARS_PATH, content: json(clusterTerraformInputs(platform, platformSecrets)) });
  new GeneratedDocument(app, 'terraform-environment-inputs', { path: ENVIRONMENT_TFVARS_PATH, content: json(environmentTerraformInputs(platform)) });
}
