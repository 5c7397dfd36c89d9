/**
 * Secrets without values: External Secrets Operator objects that copy keys from AWS Secrets
 * Manager into Kubernetes Secrets. Only references (store, key, property) are ever rendered.
 * @see https://external-secrets.io/latest/provider/aws-secrets-manager/
 */
import { Construct } from 'constructs';
import { ClusterSecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ClusterSecretStore';
import { ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret';
import { SYNC_WAVE_ANNOTATION } from './argocd-application.ts';
import { modelObject } from './model-object.ts';

/**
 * A duration as ESO's Go types write it back (Go's `time.Duration.String()`: '1h' → '1h0m0s',
 * '30m' → '30m0s', '90s' → '1m30s'). ESO updates each ExternalSecret once (to add its cleanup
 * finalizer) from its typed copy, which rewrites `refreshInterval` that way; rendered as '1h',
 * every Application with an ExternalSecret reads OutOfSync after its first sync (found by the e2e
 * with ESO running, issue 18 — on EKS a production sync by hand would stay OutOfSync too).
 */
export function goDuration(duration: string): string {
  const parts = [...duration.matchAll(/(\d+)(h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== duration) {
    throw new Error(`'refreshInterval' (${duration}) must be a duration of hours, minutes and seconds, such as "1h" or "1h30m"`);
  }
  const total = parts.reduce((sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1 }[unit as 'h' | 'm' | 's'], 0);
  const [h, m, sec] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  if (h) return `${h}h${m}m${sec}s`;
  return m ? `${m}m${sec}s` : `${sec}s`;
}

export interface SecretsManagerStoreProps {
  /** Name of the ClusterSecretStore. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** AWS region of Secrets Manager. */
  readonly region: string;
  /**
   * Only secrets whose names start with this prefix are reachable through the store
   * (keys in ExternalSecrets are relative to it).
   * @default - the whole account, as far as the role allows
   */
  readonly prefix?: string;
  /**
   * ServiceAccount the operator authenticates as (JWT auth): a token of this account is
   * exchanged for the IAM role in its `eks.amazonaws.com/role-arn` annotation (IRSA).
   */
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
  /**
   * Only these namespaces may use the store.
   * @default - see `excludeNamespacesLabelled`
   */
  readonly namespaces?: readonly string[];
  /**
   * Namespaces carrying this label key may not use the store (e.g. environment namespaces,
   * which have stores of their own). Ignored when `namespaces` is set.
   * @default - every namespace may use the store
   */
  readonly excludeNamespacesLabelled?: string;
}

/** A ClusterSecretStore for AWS Secrets Manager with IRSA (JWT) auth. */
export class SecretsManagerStore extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: SecretsManagerStoreProps) {
    super(scope, id);
    this.name = props.name;
    const sa = props.serviceAccount;
    if (props.prefix !== undefined && !props.prefix.endsWith('/')) {
      throw new Error(`'prefix' (${props.prefix}) must end with "/", or "app" would also match "app-other/…"`);
    }
    const condition = props.namespaces?.length
      ? { namespaces: [...props.namespaces] }
      : props.excludeNamespacesLabelled
        ? { namespaceSelector: { matchExpressions: [{ key: props.excludeNamespacesLabelled, operator: 'DoesNotExist' }] } }
        : undefined;
    modelObject(this, 'Store', new ClusterSecretStore({
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        provider: {
          aws: {
            service: 'SecretsManager',
            region: props.region,
            ...(props.prefix ? { prefix: props.prefix } : {}),
            auth: { jwt: { serviceAccountRef: { name: sa.name, namespace: sa.namespace } } },
          },
        },
        ...(condition ? { conditions: [condition] } : {}),
      },
    }));
  }
}

export interface SecretKeyRef {
  /** Key in the Kubernetes Secret (e.g. the environment variable name). */
  readonly secretKey: string;
  /** Secrets Manager secret name (relative to the store's prefix). */
  readonly remoteKey: string;
  /**
   * JSON property inside the secret value.
   * @default - the whole value
   */
  readonly property?: string;
}

export interface SyncedSecretProps {
  /** Name of the ExternalSecret and of the Secret it creates. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** ClusterSecretStore to read from. */
  readonly storeName: string;
  readonly keys: readonly SecretKeyRef[];
  /**
   * How often the Secret is refreshed from the store (rotation delay).
   * @default '1h'
   */
  readonly refreshInterval?: string;
  /**
   * Extra Secret keys rendered by the operator's template engine from the fetched keys,
   * e.g. `{ 'auth.conf': 'requirepass {{ .REDIS_PASSWORD }}' }`. The fetched keys stay in the
   * Secret as well.
   * @default - the Secret holds exactly `keys`
   */
  readonly templates?: Readonly<Record<string, string>>;
}

/**
 * ArgoCD sync wave of every SyncedSecret: before the workloads that mount its Secret (wave 0).
 * In one wave ArgoCD applies custom kinds after Deployments and StatefulSets and waits for no
 * health in between, so the first pods were created before ESO had written their Secret — on EKS
 * CreateContainerConfigError until it does (found by the e2e with ESO running, scenario 13). A
 * lower wave makes ArgoCD wait until the ExternalSecret is Healthy (Ready: Secret written).
 */
export const SECRET_SYNC_WAVE = -1;

/** An ExternalSecret that owns a Secret named like itself. */
export class SyncedSecret extends Construct {
  public readonly secretName: string;

  constructor(scope: Construct, id: string, props: SyncedSecretProps) {
    super(scope, id);
    this.secretName = props.name;
    if (props.keys.length === 0) throw new Error(`'keys' of ExternalSecret '${props.name}' must not be empty`);
    const seen = new Set<string>();
    for (const key of props.keys) {
      if (seen.has(key.secretKey)) throw new Error(`'keys' of ExternalSecret '${props.name}' list '${key.secretKey}' twice`);
      seen.add(key.secretKey);
    }
    const templateData: Record<string, string> = {};
    if (props.templates) {
      // With a template, only templated keys land in the Secret; keep the fetched keys too.
      for (const key of props.keys) templateData[key.secretKey] = `{{ .${key.secretKey} }}`;
      Object.assign(templateData, props.templates);
    }
    modelObject(this, 'Resource', new ExternalSecret({
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels }, annotations: { [SYNC_WAVE_ANNOTATION]: String(SECRET_SYNC_WAVE) } },
      spec: {
        refreshInterval: goDuration(props.refreshInterval ?? '1h'),
        secretStoreRef: { kind: 'ClusterSecretStore', name: props.storeName },
        target: {
          name: props.name,
          // No owner reference: deleting the ExternalSecret (or its CRD) leaves the Secret in place.
          creationPolicy: 'Orphan',
          deletionPolicy: 'Retain',
          template: {
            engineVersion: 'v2',
            metadata: { labels: { ...props.labels } },
            ...(props.templates ? { data: templateData } : {}),
          },
        },
        data: props.keys.map((key) => ({
          secretKey: key.secretKey,
          remoteRef: { key: key.remoteKey, ...(key.property ? { property: key.property } : {}) },
        })),
      },
    }));
  }
}
