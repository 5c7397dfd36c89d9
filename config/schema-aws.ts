/**
 * Schema of the AWS ground (terraform-bootstrap/, docs/terraform.md): what Terraform takes from
 * config (EKS version, SSO prefix, IRSA service accounts) and the outputs it gives back
 * (config/terraform-outputs.json). Part of the platform schema in ./schema.ts (`aws`).
 *
 * This module must not import ./schema.ts (schema.ts imports it). `checkAws` holds the rules
 * that look at other sections (clusters, environments); schema.ts calls it from the platform's
 * superRefine.
 */
import { z } from 'zod';
import { dnsLabel } from './schema-primitives.ts';

/** A Kubernetes service account that something outside the cluster names (an IAM role's trust policy). */
export const serviceAccountRef = z.object({ namespace: dnsLabel, name: dnsLabel }).strict();

const awsRoleArn = z.string().regex(/^arn:aws:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_-]+$/, 'must be an IAM role ARN such as "arn:aws:iam::111111111111:role/name"');
const awsDnsName = z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS name');
const awsPort = z.number().int().min(1).max(65535);

const awsAccountId = z.string().regex(/^[0-9]{12}$/, 'must be a 12-digit AWS account id');
const awsRegion = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, 'must be an AWS region such as "us-east-2"');

/**
 * What `terraform apply` of one cluster produced (terraform-bootstrap/cluster/outputs.tf),
 * committed as `clusters.<cluster>` of config/terraform-outputs.json. Keys are Terraform's output
 * names, so a test can hold both sides together. Non-secret values only.
 */
export const clusterTerraformOutputs = z.object({
  account_id: awsAccountId,
  region: awsRegion,
  cluster_name: dnsLabel,
  cluster_endpoint: z.url(),
  oidc_provider_arn: z.string().regex(/^arn:aws:iam::[0-9]{12}:oidc-provider\/.+$/, 'must be an IAM OIDC provider ARN'),
  efs_file_system_id: z.string().regex(/^fs-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be an EFS id such as "fs-0123456789abcdef0"'),
  /** The one External Secrets role of the cluster: reads the secrets of every environment on it. */
  external_secrets_role_arn: awsRoleArn,
  cert_manager_role_arn: awsRoleArn,
  cluster_autoscaler_role_arn: awsRoleArn,
  /** The AWS Load Balancer Controller's role (its policy: terraform-bootstrap/cluster/iam-load-balancer-controller.tf). */
  aws_load_balancer_controller_role_arn: awsRoleArn,
  /** The log collector's role: writes to the container log groups only (terraform-bootstrap/cluster/logs.tf). */
  log_collector_role_arn: awsRoleArn,
  /** Grafana's CloudWatch data source: reads and queries the container log groups only. */
  grafana_logs_role_arn: awsRoleArn,
  /** The cluster's VPC: the load balancer controller is told it (nodes allow IMDS only to the host, hop limit 1). */
  vpc_id: z.string().regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a VPC id such as "vpc-0123456789abcdef0"'),
}).strict();
export type ClusterTerraformOutputs = z.infer<typeof clusterTerraformOutputs>;

/**
 * What `terraform apply` of one environment produced (terraform-bootstrap/environment/outputs.tf),
 * committed as `environments.<env>` of config/terraform-outputs.json. Secrets appear by ARN or name.
 */
export const environmentTerraformOutputs = z.object({
  account_id: awsAccountId,
  region: awsRegion,
  /** The cluster whose VPC the data stores were built in. */
  cluster_name: dnsLabel,
  db_endpoint: awsDnsName,
  db_port: awsPort,
  db_master_user_secret_arn: z.string().regex(/^arn:aws:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$/, 'must be a Secrets Manager secret ARN'),
  redis_endpoint: awsDnsName,
  redis_port: awsPort,
  redis_auth_secret_name: z.string().regex(/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/, 'must be a Secrets Manager secret name'),
  backup_bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  backup_role_arn: awsRoleArn,
  /** The environment's customer-managed key: SSE-KMS of the backups (and RDS, Redis, logs). */
  kms_key_arn: z.string().regex(/^arn:aws:kms:[a-z0-9-]+:[0-9]{12}:key\/[0-9a-f-]{36}$/, 'must be a KMS key ARN such as "arn:aws:kms:us-east-2:111111111111:key/<uuid>"'),
  /** The read replica's address (production): the read-only PgBouncer pool's server; null without one. */
  db_replica_endpoint: z.string().regex(/^[a-z0-9.-]+$/, 'must be a DNS name').nullable(),
  /** SNS topic of the database's CloudWatch alarms (replica lag); null without a replica. */
  database_alarms_topic_arn: z.string().regex(/^arn:aws:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$/, 'must be an SNS topic ARN').nullable(),
}).strict();
export type EnvironmentTerraformOutputs = z.infer<typeof environmentTerraformOutputs>;

/** config/terraform-outputs.json: one part per root module of terraform-bootstrap/, keyed by cluster / environment name. */
export const terraformOutputs = z.object({
  clusters: z.record(z.string(), clusterTerraformOutputs),
  environments: z.record(z.string(), environmentTerraformOutputs),
}).strict();
export type TerraformOutputs = z.infer<typeof terraformOutputs>;

// ---- Node groups -----------------------------------------------------------------------------
// EKS managed node groups: rendered into terraform-bootstrap/cluster/generated.auto.tfvars.json
// (`node_groups`, one aws_eks_node_group each) and turned into the e2e's simulated KWOK nodes
// (e2e/cluster/nodes.ts). A cluster takes the production tier as soon as it hosts production.

const nodeLabelKey = z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9._-]{1,63}$/, 'must be a Kubernetes label key such as "flextime.io/pool"');
const nodeLabelValue = z.string().regex(/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/, 'must be a Kubernetes label value');

export const nodeGroup = z.object({
  /** The group's name within its cluster: the EKS node group is `<cluster>-<name>`. */
  name: dnsLabel,
  /** SPOT: cheaper, may be reclaimed with 2 minutes' notice; production runs ON_DEMAND (checked). */
  capacityType: z.enum(['ON_DEMAND', 'SPOT']),
  /** EC2 instance types, in order of preference (on-demand uses the first that is available). */
  instanceTypes: z.array(z.string().regex(/^[a-z][a-z0-9-]*\.[0-9]*[a-z]+$/, 'must be an EC2 instance type such as "m6i.large"')).min(1),
  /** Nodes at creation (desired size); the cluster autoscaler may grow the group up to maxSize. */
  minSize: z.number().int().min(0),
  maxSize: z.number().int().min(1),
  /** Kubernetes labels on every node, besides `flextime.io/capacity-type` (derived). @default - none */
  labels: z.record(nodeLabelKey, nodeLabelValue).default({}),
  /** Kubernetes taints on every node. @default - none */
  taints: z.array(z.object({
    key: nodeLabelKey,
    value: nodeLabelValue.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
  }).strict()).default([]),
}).strict().superRefine((g, ctx) => {
  if (g.minSize > g.maxSize) ctx.addIssue({ code: 'custom', path: ['minSize'], message: `minSize (${g.minSize}) must be <= maxSize (${g.maxSize})` });
});
export type NodeGroup = z.infer<typeof nodeGroup>;

const nodeGroupList = z.array(nodeGroup).min(1).superRefine((groups, ctx) => {
  const seen = new Set<string>();
  groups.forEach((g, i) => {
    if (seen.has(g.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate node group '${g.name}'` });
    seen.add(g.name);
  });
});

/** Node groups of a cluster that hosts production, and of one that does not. */
export const nodeTiers = z.object({
  production: nodeGroupList.superRefine((groups, ctx) => {
    groups.forEach((g, i) => {
      if (g.capacityType !== 'ON_DEMAND') ctx.addIssue({ code: 'custom', path: [i, 'capacityType'], message: `must be ON_DEMAND in the production tier: spot nodes can be reclaimed at any time` });
    });
  }),
  'non-production': nodeGroupList,
}).strict();
export type NodeTiers = z.infer<typeof nodeTiers>;

/** Inputs Terraform takes from config (generated.auto.tfvars.json) and outputs it gives back. */
export const aws = z.object({
  /** EKS Kubernetes version: the minor of `podSecurityVersion` and of the verify API server. */
  eksVersion: z.string().regex(/^1\.[0-9]+$/, 'must look like "1.32"'),
  /** EKS prefixes SSO users and groups with this; RBAC binds `<prefix><group>`. */
  ssoGroupsPrefix: z.string().regex(/^[a-z0-9-]+:$/, 'must be a word ending in ":", such as "sso:"'),
  /** Service accounts with an IAM role (IRSA); each role trusts exactly this namespace and name. */
  serviceAccounts: z.object({
    /** The backup job's service account, in every environment namespace. */
    backup: dnsLabel,
    externalSecrets: serviceAccountRef,
    certManager: serviceAccountRef,
    clusterAutoscaler: serviceAccountRef,
    efsCsiDriver: serviceAccountRef,
    /** The EBS CSI controller of the EKS add-on (it creates, attaches and encrypts volumes). */
    ebsCsiDriver: serviceAccountRef,
    /** The VPC CNI's node agent (EKS add-on `vpc-cni`): assigns pod IPs, enforces NetworkPolicies. */
    vpcCni: serviceAccountRef,
    awsLoadBalancerController: serviceAccountRef,
    /** The log collector DaemonSet (charts/logging.ts): writes to the container log groups. */
    logCollector: serviceAccountRef,
    /** Grafana of kube-prometheus-stack: its CloudWatch data source reads the container log groups. */
    grafana: serviceAccountRef,
  }).strict(),
  /** The outputs of every cluster's and every environment's Terraform state (config/terraform-outputs.json). */
  outputs: terraformOutputs,
  /** EKS managed node groups per tier (see nodeTiers below). */
  nodeGroups: nodeTiers,
}).strict();
export type Aws = z.infer<typeof aws>;

/**
 * Config and Terraform describe the same AWS ground: versions, clusters, environments and accounts
 * agree. Every cluster that hosts an environment and every environment needs the outputs of its
 * Terraform state. (An environment's outputs from another cluster than the one config now puts it
 * on are not an error here: config may move an environment before its stack is re-applied;
 * test/terraform-config.test.ts flags the stale outputs.)
 */
export function checkAws(
  p: { podSecurityVersion: string; clusters: ReadonlyArray<{ name: string }>; environments: ReadonlyArray<{ name: string; cluster: string }>; aws: Aws },
  ctx: z.RefinementCtx,
): void {
  if (`v${p.aws.eksVersion}` !== p.podSecurityVersion) {
    ctx.addIssue({
      code: 'custom',
      path: ['aws', 'eksVersion'],
      message: `must be the Kubernetes minor of podSecurityVersion (${p.podSecurityVersion})`,
    });
  }
  const parts = [
    { part: 'clusters', what: 'cluster', names: p.clusters.map((c) => c.name), outputs: p.aws.outputs.clusters },
    { part: 'environments', what: 'environment', names: p.environments.map((e) => e.name), outputs: p.aws.outputs.environments },
  ] as const;
  for (const { part, what, names, outputs } of parts) {
    for (const key of Object.keys(outputs)) {
      if (!names.includes(key)) {
        ctx.addIssue({ code: 'custom', path: ['aws', 'outputs', part, key], message: `unknown ${what} '${key}'; allowed: ${names.join(', ')}` });
      }
    }
    for (const [key, out] of Object.entries<Record<string, unknown> & { account_id: string }>(outputs)) {
      for (const [field, value] of Object.entries(out)) {
        const account = typeof value === 'string' ? /^arn:aws:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12}):/.exec(value)?.[1] : undefined;
        if (account && account !== out.account_id) {
          ctx.addIssue({ code: 'custom', path: ['aws', 'outputs', part, key, field], message: `must be in the ${what}'s account ${out.account_id} (account_id)` });
        }
      }
    }
  }
  for (const cluster of p.clusters) {
    const hosted = p.environments.filter((e) => e.cluster === cluster.name).map((e) => e.name);
    if (hosted.length && !p.aws.outputs.clusters[cluster.name]) {
      ctx.addIssue({
        code: 'custom',
        path: ['aws', 'outputs', 'clusters', cluster.name],
        message: `cluster '${cluster.name}' hosts ${hosted.join(', ')} and needs the outputs of its Terraform state (terraform-bootstrap/cluster) in config/terraform-outputs.json (docs/terraform.md)`,
      });
    }
  }
  for (const env of p.environments) {
    if (!p.aws.outputs.environments[env.name]) {
      ctx.addIssue({
        code: 'custom',
        path: ['aws', 'outputs', 'environments', env.name],
        message: `every environment needs the outputs of its Terraform state (terraform-bootstrap/environment) in config/terraform-outputs.json (docs/terraform.md)`,
      });
    }
  }
}
