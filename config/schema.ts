/**
 * The one schema of the FlexTime platform config.
 *
 * Every TypeScript type the charts use is inferred from here (`z.infer`), so a field exists in
 * exactly one place. Cross-field rules (min <= max, digest required outside development,
 * references between sections) live in `superRefine` blocks next to the object they check, so
 * each error carries the full path of the field that is wrong.
 */
import { z } from 'zod';
import { parseCpu, parseMemory } from '../lib/quantity.ts';
import { checkNetwork, environmentAccess, environmentIngress, environmentNetwork, ingress, network, sso } from './schema-network.ts';

export const ENVIRONMENT_NAMES = ['development', 'staging', 'production'] as const;
export const environmentName = z.enum(ENVIRONMENT_NAMES);
export type EnvironmentName = z.infer<typeof environmentName>;

/** DNS-1123 label: what Kubernetes accepts as a name of a Service, namespace or label value. */
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)');

/** A CPU quantity as Kubernetes writes it: "250m", "1", "1.5". */
export const cpuQuantity = z.string().refine((v) => parseCpu(v) !== undefined, {
  message: 'must be a Kubernetes CPU quantity such as "250m", "1" or "1.5"',
});

/** A memory quantity as Kubernetes writes it: "512Mi", "2Gi", "1G". */
export const memoryQuantity = z.string().refine((v) => parseMemory(v) !== undefined, {
  message: 'must be a Kubernetes memory quantity such as "256Mi", "2Gi" or "1G"',
});

/**
 * An OCI image reference. Accepts `repo:tag`, `repo@sha256:<64 hex>` and `repo:tag@sha256:…`.
 * Whether a digest is *required* depends on the environment (see `environment` below).
 */
const IMAGE_PATTERN =
  /^(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;
export const imageRef = z
  .string()
  .regex(IMAGE_PATTERN, 'must be an image reference "registry/repo:tag" or "registry/repo@sha256:<64 hex>"')
  .refine((v) => /[:@]/.test(v.replace(/^[^/]*:[0-9]+\//, '')), {
    message: 'must name a tag or a digest ("repo:tag" or "repo@sha256:…"); an untagged image means :latest',
  })
  .refine((v) => !/:latest(@|$)/.test(v), { message: 'must not use the floating tag "latest"' });

export interface ParsedImage {
  repository: string;
  tag?: string;
  digest?: string;
}
export function parseImage(ref: string): ParsedImage {
  const groups = IMAGE_PATTERN.exec(ref)?.groups;
  if (!groups) throw new Error(`image '${ref}' is not a valid reference`);
  return { repository: groups.repository!, tag: groups.tag, digest: groups.digest };
}

export const resources = z.object({
  requests: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
  limits: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
}).strict().superRefine((r, ctx) => {
  for (const key of ['cpu', 'memory'] as const) {
    const parse = key === 'cpu' ? parseCpu : parseMemory;
    if (parse(r.requests[key])! > parse(r.limits[key])!) {
      ctx.addIssue({
        code: 'custom',
        path: ['requests', key],
        message: `request (${r.requests[key]}) must not exceed the limit (${r.limits[key]})`,
      });
    }
  }
});
export type Resources = z.infer<typeof resources>;

export const replicas = z.object({
  min: z.number().int().nonnegative(),
  max: z.number().int().positive(),
}).strict().superRefine((r, ctx) => {
  if (r.min > r.max) {
    ctx.addIssue({ code: 'custom', path: ['min'], message: `min (${r.min}) must be <= max (${r.max})` });
  }
});

/** What one service looks like in one environment: only the values that differ per env. */
export const serviceDeployment = z.object({
  image: imageRef,
  replicas,
  resources,
}).strict();
export type ServiceDeployment = z.infer<typeof serviceDeployment>;

/** ResourceQuota of an environment namespace. */
export const quota = z.object({
  requestsCpu: cpuQuantity,
  requestsMemory: memoryQuantity,
  limitsCpu: cpuQuantity,
  limitsMemory: memoryQuantity,
  pods: z.number().int().positive(),
  services: z.number().int().positive(),
  persistentVolumeClaims: z.number().int().nonnegative(),
  /** Cloud load balancers are created by the ingress controller only, never by app namespaces. */
  loadBalancers: z.literal(0).default(0),
  nodePorts: z.literal(0).default(0),
}).strict();

/** LimitRange of an environment namespace: per-container defaults and ceiling. */
export const containerLimits = z.object({
  defaultRequest: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
  default: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
  max: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
}).strict();

export const logLevel = z.enum(['debug', 'info', 'warn', 'error']);

export const environment = z.object({
  name: environmentName,
  /** Which cluster (from `clusters`) this environment is deployed to. */
  cluster: dnsLabel.default('flextime'),
  /** Public DNS zone of the environment; api-svc is served at `api.<domain>`. */
  domain: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS domain such as "staging.flextime.app"'),
  logLevel,
  /** Feature flags handed to the apps through the environment ConfigMap. */
  features: z.record(z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'feature names are camelCase'), z.boolean()),
  quota,
  containerLimits,
  /** Per-service values for this environment, keyed by the service name from `services`. */
  services: z.record(z.string(), serviceDeployment),
  /** Ranges of the `network.cidrPeers` in this environment (docs/network.md). */
  network: environmentNetwork,
  /** Rate limits and certificate issuer of api.<domain> (charts/ingress.ts). */
  ingress: environmentIngress,
  /** What the SSO groups may do in this environment's namespace (charts/rbac.ts). */
  access: environmentAccess,
}).strict().superRefine((env, ctx) => {
  // Outside development every image must be immutable: a tag can be re-pushed, a digest cannot.
  if (env.name === 'development') return;
  for (const [svc, dep] of Object.entries(env.services)) {
    if (!parseImage(dep.image).digest) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', svc, 'image'],
        message: `image '${dep.image}' must be pinned by digest (repo@sha256:…) in ${env.name}`,
      });
    }
  }
});
export type Environment = z.infer<typeof environment>;

export const cluster = z.object({
  name: dnsLabel,
  /** API server URL as ArgoCD knows it; the in-cluster address for the cluster ArgoCD runs in. */
  server: z.url(),
}).strict();

export const priorityClass = z.object({
  name: dnsLabel,
  value: z.number().int().min(0).max(1_000_000_000),
  description: z.string().min(1),
  /** Batch work waits for room instead of evicting running pods. */
  preemptionPolicy: z.enum(['PreemptLowerPriority', 'Never']).default('PreemptLowerPriority'),
}).strict();

/** What a service is, independent of environment. */
export const service = z.object({
  name: dnsLabel,
  /** `app.kubernetes.io/component` of its objects. */
  component: dnsLabel,
  description: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  priorityClass: dnsLabel,
}).strict();
export type Service = z.infer<typeof service>;

// ------------------------------------------------------------------ AWS ground (terraform-bootstrap/, docs/terraform.md)

/** A Kubernetes service account that something outside the cluster names (an IAM role's trust policy). */
export const serviceAccountRef = z.object({ namespace: dnsLabel, name: dnsLabel }).strict();

const awsRoleArn = z.string().regex(/^arn:aws:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_-]+$/, 'must be an IAM role ARN such as "arn:aws:iam::111111111111:role/name"');
const awsDnsName = z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS name');
const awsPort = z.number().int().min(1).max(65535);

/**
 * What `terraform apply` of one environment produced (terraform-bootstrap/outputs.tf), committed
 * as config/terraform-outputs.json. Keys are Terraform's output names, so a test can hold both
 * sides together. Non-secret values only: secrets appear by ARN or name.
 */
export const terraformOutputs = z.object({
  account_id: z.string().regex(/^[0-9]{12}$/, 'must be a 12-digit AWS account id'),
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, 'must be an AWS region such as "us-east-2"'),
  cluster_name: dnsLabel,
  cluster_endpoint: z.url(),
  oidc_provider_arn: z.string().regex(/^arn:aws:iam::[0-9]{12}:oidc-provider\/.+$/, 'must be an IAM OIDC provider ARN'),
  db_endpoint: awsDnsName,
  db_port: awsPort,
  db_master_user_secret_arn: z.string().regex(/^arn:aws:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$/, 'must be a Secrets Manager secret ARN'),
  redis_endpoint: awsDnsName,
  redis_port: awsPort,
  redis_auth_secret_name: z.string().regex(/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/, 'must be a Secrets Manager secret name'),
  backup_bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  efs_file_system_id: z.string().regex(/^fs-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be an EFS id such as "fs-0123456789abcdef0"'),
  external_secrets_role_arn: awsRoleArn,
  backup_role_arn: awsRoleArn,
  cert_manager_role_arn: awsRoleArn,
  cluster_autoscaler_role_arn: awsRoleArn,
}).strict();
export type TerraformOutputs = z.infer<typeof terraformOutputs>;

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
  }).strict(),
  /** Per environment name: the outputs of its Terraform state (config/terraform-outputs.json). */
  outputs: z.record(z.string(), terraformOutputs),
}).strict();
export type Aws = z.infer<typeof aws>;

/** ArgoCD settings shared by every Application (charts/argocd.ts, docs/gitops.md). */
export const gitops = z.object({
  /** This repository, as ArgoCD clones it (https). */
  repoURL: z.url({ protocol: /^https$/, error: 'must be the https clone URL of this repository' }),
  /** The branch ArgoCD follows; a change reaches the clusters when it is merged here. */
  targetRevision: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'must be a branch name such as "main"').refine((r) => r !== 'HEAD', { message: 'must name a branch, not HEAD' }),
  /** Namespace ArgoCD runs in; every Application and AppProject lives there. */
  namespace: dnsLabel.default('argocd'),
  /** The cluster (from `clusters`) ArgoCD runs in: the root Application's destination. */
  controlCluster: dnsLabel,
  /** Sync results ArgoCD keeps per Application (for rollback). */
  revisionHistoryLimit: z.number().int().min(1).max(100).default(10),
  /** Retry of a failed sync, for every Application. */
  retry: z.object({
    limit: z.number().int().min(1).max(20),
    backoff: z.object({
      duration: z.string().regex(/^[1-9][0-9]*[smh]$/, 'must be a duration such as "30s"'),
      factor: z.number().int().min(1).max(10),
      maxDuration: z.string().regex(/^[1-9][0-9]*[smh]$/, 'must be a duration such as "5m"'),
    }).strict(),
  }).strict(),
  notifications: z.object({
    service: z.enum(['slack']),
    /** Default channel; environments may override it (`environments[].gitops.notifyChannel`). */
    channel: notifyChannel,
    triggers: z.array(z.enum(['on-sync-failed', 'on-health-degraded', 'on-sync-status-unknown', 'on-deployed'])).min(1),
  }).strict(),
  /**
   * Sync waves of the FlexTime components (dist/<env>/<component> and dist/cluster/<component>),
   * in order. Every rendered component must be listed; add-ons come before the first stage.
   */
  syncWaves: z.array(z.object({
    stage: z.string().min(1),
    wave: z.number().int(),
    components: z.array(dnsLabel).min(1),
  }).strict()).min(1),
}).strict();
export type Gitops = z.infer<typeof gitops>;

export const platform = z.object({
  /** `app.kubernetes.io/part-of` of every object, and the prefix of namespaces. */
  partOf: dnsLabel,
  /** Pod Security Admission version pinned on namespaces (matches the verified API server minor). */
  podSecurityVersion: z.string().regex(/^v1\.[0-9]+$/, 'must look like "v1.32"'),
  /** Where in-cluster telemetry goes; handed to apps as OTEL_EXPORTER_OTLP_ENDPOINT. */
  otelEndpoint: z.url(),
  clusters: z.array(cluster).min(1),
  priorityClasses: z.array(priorityClass).min(1),
  services: z.array(service).min(1),
  environments: z.array(environment).min(1),
  /** The AWS ground: what terraform-bootstrap/ takes from config and gives back (docs/terraform.md). */
  aws,
  /** The Big 12 single sign-on (OIDC): the cluster's identity provider, Grafana's login, the RBAC groups (docs/network.md). */
  sso,
  /** Zero-trust NetworkPolicies: the intent table and its peers (config/network.ts, docs/network.md). */
  network,
  /** Public entry of api-svc: Ingress, TLS issuer, security headers (config/network.ts). */
  ingress,
}).strict().superRefine((p, ctx) => {
  uniqueBy(p.clusters, 'name', ['clusters'], ctx);
  uniqueBy(p.priorityClasses, 'name', ['priorityClasses'], ctx);
  uniqueBy(p.services, 'name', ['services'], ctx);
  uniqueBy(p.environments, 'name', ['environments'], ctx);
  checkAws(p, ctx);
  checkNetwork(p, ctx);
  if (p.aws.ssoGroupsPrefix !== p.sso.groupsPrefix) {
    ctx.addIssue({ code: 'custom', path: ['aws', 'ssoGroupsPrefix'], message: `must equal sso.groupsPrefix ('${p.sso.groupsPrefix}'): RBAC binds groups with that prefix` });
  }


  const clusters = new Set(p.clusters.map((c) => c.name));
  const services = new Set(p.services.map((s) => s.name));
  const priorities = new Set(p.priorityClasses.map((c) => c.name));
  p.services.forEach((s, i) => {
    if (!priorities.has(s.priorityClass)) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', i, 'priorityClass'],
        message: `unknown priority class '${s.priorityClass}'; allowed: ${[...priorities].join(', ')}`,
      });
    }
  });
  p.environments.forEach((env, i) => {
    if (!clusters.has(env.cluster)) {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', i, 'cluster'],
        message: `unknown cluster '${env.cluster}'; allowed: ${[...clusters].join(', ')}`,
      });
    }
    for (const name of Object.keys(env.services)) {
      if (!services.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', i, 'services', name],
          message: `unknown service '${name}'; allowed: ${[...services].join(', ')}`,
        });
      }
    }
    for (const name of services) {
      if (!(name in env.services)) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', i, 'services'],
          message: `service '${name}' has no entry in ${env.name}; every service needs image, replicas and resources per environment`,
        });
      }
    }
  });
});
/** The raw shape authors write (defaults not yet applied). */
export type PlatformInput = z.input<typeof platform>;
/** The validated shape the charts read. */
export type Platform = z.infer<typeof platform>;

function uniqueBy<T>(items: readonly T[], key: keyof T, path: (string | number)[], ctx: z.RefinementCtx): void {
  const seen = new Map<unknown, number>();
  items.forEach((item, i) => {
    const value = item[key];
    if (seen.has(value)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, i, key as string],
        message: `duplicate ${String(key)} '${String(value)}' (also at ${path.join('.')}[${seen.get(value)}])`,
      });
    } else {
      seen.set(value, i);
    }
  });
}

/** Config and Terraform describe the same AWS ground: versions, environments and accounts agree. */
function checkAws(
  p: { podSecurityVersion: string; environments: ReadonlyArray<{ name: string; cluster: string }>; aws: Aws },
  ctx: z.RefinementCtx,
): void {
  if (`v${p.aws.eksVersion}` !== p.podSecurityVersion) {
    ctx.addIssue({
      code: 'custom',
      path: ['aws', 'eksVersion'],
      message: `must be the Kubernetes minor of podSecurityVersion (${p.podSecurityVersion})`,
    });
  }
  const names = p.environments.map((e) => e.name);
  for (const key of Object.keys(p.aws.outputs)) {
    if (!names.includes(key)) {
      ctx.addIssue({ code: 'custom', path: ['aws', 'outputs', key], message: `unknown environment '${key}'; allowed: ${names.join(', ')}` });
    }
  }
  for (const env of p.environments) {
    const out = p.aws.outputs[env.name];
    if (!out) {
      ctx.addIssue({
        code: 'custom',
        path: ['aws', 'outputs', env.name],
        message: `every environment needs the outputs of its Terraform state in config/terraform-outputs.json (docs/terraform.md)`,
      });
      continue;
    }
    if (out.cluster_name !== env.cluster) {
      ctx.addIssue({
        code: 'custom',
        path: ['aws', 'outputs', env.name, 'cluster_name'],
        message: `must be the cluster ${env.name} runs in ('${env.cluster}')`,
      });
    }
    for (const [key, value] of Object.entries(out)) {
      const account = typeof value === 'string' ? /^arn:aws:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12}):/.exec(value)?.[1] : undefined;
      if (account && account !== out.account_id) {
        ctx.addIssue({
          code: 'custom',
          path: ['aws', 'outputs', env.name, key],
          message: `must be in the environment's account ${out.account_id} (account_id)`,
        });
      }
    }
  }
}
