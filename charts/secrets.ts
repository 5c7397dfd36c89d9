/**
 * Secrets, never values.
 *
 * dist/cluster/secrets: External Secrets Operator's ClusterSecretStores for AWS Secrets
 * Manager, authenticated with IRSA (JWT auth as aws.serviceAccounts.externalSecrets):
 *   - `<secretStore.name>-<env>` per environment: usable only from `<partOf>-<env>` and only
 *     for secrets below `<partOf>/<env>/` (the keys in `platform.secrets` are relative to it);
 *   - `<secretStore.name>` for platform namespaces (monitoring, falco, …), refused to every
 *     environment namespace so an app cannot read another environment's secrets through it.
 *
 * `serviceSecrets` adds a workload's ExternalSecret to its own chart (dist/<env>/<service>),
 * reading the names the workload lists from its environment's store.
 */
import type { App } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Platform } from '../config/index.ts';
import { recommendedLabels } from '../lib/labels.ts';
import { SecretsManagerStore, SyncedSecret } from '../lib/external-secrets.ts';
import { clusterChart, ENVIRONMENT_LABEL, namespaceOf, type EnvContext } from './context.ts';

const SOURCE = 'charts/secrets.ts';

/** Secrets Manager prefix of an environment: its ClusterSecretStore's `prefix`, and what the cluster's External Secrets role may read (terraform-bootstrap/cluster). */
export function environmentSecretsPrefix({ platform, env }: Pick<EnvContext, 'platform' | 'env'>): string {
  return `${platform.partOf}/${env.name}/`;
}

/** ClusterSecretStore of one environment: `<secretStore.name>-<env>`. */
export function environmentStoreName({ platform, env }: Pick<EnvContext, 'platform' | 'env'>): string {
  return `${platform.secretStore.name}-${env.name}`;
}

export interface ServiceSecretsOptions {
  /** Workload the Secret belongs to (name of the ExternalSecret: `<name>-secrets`). */
  readonly name: string;
  readonly component: string;
  /** Names from `platform.secrets`. */
  readonly keys: readonly string[];
  /** Extra templated keys (see SyncedSecret.templates). */
  readonly templates?: Readonly<Record<string, string>>;
}

/** The ExternalSecret of a workload; returns the name of the Secret it creates. */
export function serviceSecrets(scope: Construct, ctx: EnvContext, options: ServiceSecretsOptions): string {
  const { platform, namespace } = ctx;
  const secret = new SyncedSecret(scope, `${options.name}-secrets`, {
    name: `${options.name}-secrets`,
    namespace,
    labels: ctx.labels(options.name, options.component),
    storeName: environmentStoreName(ctx),
    refreshInterval: platform.secretStore.refreshInterval,
    keys: options.keys.map((key) => {
      const ref = platform.secrets[key];
      if (!ref) throw new Error(`unknown secret '${key}'; allowed: ${Object.keys(platform.secrets).join(', ')}`);
      return { secretKey: key, remoteKey: ref.key, property: ref.property };
    }),
    templates: options.templates,
  });
  return secret.secretName;
}

export function secretStoresChart(app: App, platform: Platform): void {
  const chart = clusterChart(app, 'secrets', SOURCE);
  const serviceAccount = platform.aws.serviceAccounts.externalSecrets;
  const labels = (name: string) => recommendedLabels({ name, instance: name, component: 'secret-store', partOf: platform.partOf });

  const shared = platform.secretStore.name;
  new SecretsManagerStore(chart, shared, {
    name: shared,
    labels: labels(shared),
    region: platform.secretStore.region,
    serviceAccount,
    excludeNamespacesLabelled: ENVIRONMENT_LABEL,
  });

  for (const env of platform.environments) {
    const name = environmentStoreName({ platform, env });
    new SecretsManagerStore(chart, name, {
      name,
      labels: { ...labels(name), [ENVIRONMENT_LABEL]: env.name },
      // The region of the environment's Terraform state (its cluster's); its secrets live there.
      region: platform.aws.outputs.environments[env.name]?.region ?? platform.secretStore.region,
      prefix: environmentSecretsPrefix({ platform, env }),
      serviceAccount,
      namespaces: [namespaceOf(platform, env)],
    });
  }
}
