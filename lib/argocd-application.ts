/**
 * An ArgoCD Application with safe defaults: automated sync with prune and self-heal, server-side
 * apply, no namespace creation, a cascade-delete finalizer, a bounded revision history, and a
 * chart source that cannot float. Typed with `@kubernetes-models/argo-cd` and validated against
 * the CRD schema by lib/model-object.ts.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/application-specification/
 */
import { Construct } from 'constructs';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { modelObject } from './model-object.ts';

/** A folder of plain YAML in a git repository. */
export interface GitDirectorySource {
  readonly repoURL: string;
  /** Branch (or tag) to follow. */
  readonly targetRevision: string;
  /** Folder relative to the repository root, e.g. `dist/production/api-svc`. */
  readonly path: string;
}

/** A Helm chart from a chart repository, pinned to one version. */
export interface HelmChartSource {
  readonly repoURL: string;
  readonly chart: string;
  /** Exact chart version: ranges, wildcards and `latest` are rejected. */
  readonly version: string;
  /** Values object handed to Helm (rendered as `helm.valuesObject`). */
  readonly values: object;
  /**
   * Helm release name.
   * @default - the chart name
   */
  readonly releaseName?: string;
}

/** A field a controller owns, so ArgoCD neither reports nor reverts its changes. */
export interface IgnoredField {
  /** API group, "" for core. */
  readonly group: string;
  readonly kind: string;
  /** @default - every object of the kind */
  readonly name?: string;
  /** @default - every namespace */
  readonly namespace?: string;
  /** JSON pointers such as `/spec/replicas`. */
  readonly jsonPointers?: readonly string[];
  /** jq paths such as `.webhooks[]?.clientConfig.caBundle`. */
  readonly jqPathExpressions?: readonly string[];
}

/** An ArgoCD notifications subscription: `notifications.argoproj.io/subscribe.<trigger>.<service>`. */
export interface NotificationSubscription {
  /** e.g. `on-sync-failed`. */
  readonly trigger: string;
  /** e.g. `slack`. */
  readonly service: string;
  /** e.g. a Slack channel name. */
  readonly recipient: string;
}

export interface RetryPolicy {
  readonly limit: number;
  readonly backoff: { readonly duration: string; readonly factor: number; readonly maxDuration: string };
}

export interface ArgoApplicationProps {
  /** Application name (unique in ArgoCD's namespace). */
  readonly name: string;
  /** Namespace ArgoCD runs in. */
  readonly namespace: string;
  /** AppProject the Application belongs to. */
  readonly project: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** What to deploy: one source, or several (multi-source Application). */
  readonly sources: readonly (GitDirectorySource | HelmChartSource)[];
  /** Where to deploy. */
  readonly destination: {
    /** API server URL as ArgoCD knows it. */
    readonly server: string;
    /**
     * Namespace for namespaced objects that set none.
     * @default - none: the source holds cluster-scoped objects or sets every namespace itself
     */
    readonly namespace?: string;
  };
  /**
   * `argocd.argoproj.io/sync-wave`: lower waves are synced (and must be healthy) first.
   * @default 0
   */
  readonly syncWave?: number;
  /**
   * Create the destination namespace (with these labels) instead of expecting it to exist.
   * @default - never: namespaces are rendered objects of their own
   */
  readonly createNamespace?: { readonly labels: Readonly<Record<string, string>> };
  /**
   * Delete removed objects only at the end of a sync, after everything else is healthy.
   * @default false
   */
  readonly pruneLast?: boolean;
  /**
   * Retry a failed sync with backoff.
   * @default - no retry
   */
  readonly retry?: RetryPolicy;
  /**
   * Fields owned by controllers (HPA replicas, injected CA bundles). Sync respects them too.
   * @default []
   */
  readonly ignoreDifferences?: readonly IgnoredField[];
  /**
   * Sync results kept for rollback.
   * @default 10
   */
  readonly revisionHistoryLimit?: number;
  /**
   * Deleting the Application deletes its objects (resources finalizer).
   * @default true
   */
  readonly cascadeDelete?: boolean;
  /**
   * Diff against a server-side dry-run of the manifests (ArgoCD's ServerSideDiff) instead of the
   * manifests themselves: what the API server defaults (CRD schema defaults, apiVersion/kind in
   * StatefulSet volumeClaimTemplates) is then not a difference.
   * @default true
   */
  readonly serverSideDiff?: boolean;
  /**
   * Sync once when the Application is created, as a manual sync by this user name. A sync window
   * with `manualSync: true` lets it through (ArgoCD treats every operation not initiated by the
   * automated policy as manual), so a first bootstrap outside the window still completes; later
   * changes wait for the window. The Application that creates this one must ignore `/operation`
   * (ArgoCD clears it when the sync ends) or it would start the sync again on every commit.
   * @default - none: only the automated policy syncs
   */
  readonly syncOnCreate?: { readonly initiatedBy: string };
  /** @default [] */
  readonly notifications?: readonly NotificationSubscription[];
  /**
   * Key/value lines shown in the ArgoCD UI (e.g. the source file that renders the objects).
   * @default {}
   */
  readonly info?: Readonly<Record<string, string>>;
}

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const COMPARE_OPTIONS_ANNOTATION = 'argocd.argoproj.io/compare-options';
export const MANIFEST_GENERATE_PATHS_ANNOTATION = 'argocd.argoproj.io/manifest-generate-paths';
/** Cascade delete with foreground propagation (the `/foreground` form is ArgoCD's path-qualified name for the default). */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io/foreground';
const EXACT_VERSION = /^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

export function isHelmSource(source: GitDirectorySource | HelmChartSource): source is HelmChartSource {
  return 'chart' in source;
}

/**
 * The folders whose files are all an Application's manifests, as absolute repository paths. Every
 * Application of this monorepo follows one branch, so each commit is a new revision for all of them,
 * and ArgoCD would regenerate every Application's manifests on every commit. With this annotation
 * the controller asks the repo-server which files changed since the synced revision and reuses the
 * cached manifests when none is in these folders; a git webhook refreshes only the Applications
 * whose folders a push touched. Only for plain folders: a chart source depends on files outside
 * any folder of this repository.
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/high_availability/#webhook-and-manifest-paths-annotation
 */
function manifestGeneratePaths(sources: readonly (GitDirectorySource | HelmChartSource)[]): Record<string, string> {
  if (sources.some(isHelmSource)) return {};
  const folders = (sources as readonly GitDirectorySource[]).map((s) => `/${s.path.replace(/\/+$/, '')}`);
  return { [MANIFEST_GENERATE_PATHS_ANNOTATION]: folders.join(';') };
}

export class ArgoApplication extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ArgoApplicationProps) {
    super(scope, id);
    this.name = props.name;
    const syncWave = props.syncWave ?? 0;
    const revisionHistoryLimit = props.revisionHistoryLimit ?? 10;
    const ignoreDifferences = props.ignoreDifferences ?? [];
    if (!Number.isInteger(syncWave)) throw new Error(`'syncWave' (${syncWave}) must be an integer`);
    if (!Number.isInteger(revisionHistoryLimit) || revisionHistoryLimit < 1) {
      throw new Error(`'revisionHistoryLimit' (${revisionHistoryLimit}) must be a positive integer`);
    }
    if (props.sources.length === 0) throw new Error(`'sources' of Application '${props.name}' must not be empty`);
    for (const source of props.sources) {
      if (isHelmSource(source) && !EXACT_VERSION.test(source.version)) {
        throw new Error(`'version' (${source.version}) of chart '${source.chart}' must be an exact version such as "1.2.3"; a range or "latest" lets the chart change without a commit`);
      }
      if (!isHelmSource(source) && (source.path.startsWith('/') || source.path.split('/').includes('..'))) {
        throw new Error(`'path' (${source.path}) must be relative to the repository root`);
      }
    }

    const syncOptions = [
      props.createNamespace ? 'CreateNamespace=true' : 'CreateNamespace=false',
      'ServerSideApply=true',
      // A resource claimed by two Applications would flap between them: fail instead.
      'FailOnSharedResource=true',
      ...(props.pruneLast ? ['PruneLast=true'] : []),
      // Without this, a sync would still reset the ignored fields (e.g. HPA-managed replicas).
      ...(ignoreDifferences.length ? ['RespectIgnoreDifferences=true'] : []),
    ];
    const annotations: Record<string, string> = {
      [SYNC_WAVE_ANNOTATION]: String(syncWave),
      // Compare what the API server would store (a dry-run apply), not the raw manifest: the
      // server fills defaults (CRD schema defaults in ExternalSecret remoteRefs, apiVersion/kind
      // and volumeMode in StatefulSet volumeClaimTemplates, ...) that a client-side diff reports
      // as a drift forever. Found by the e2e's steady-state scenario (issue 17).
      ...((props.serverSideDiff ?? true) ? { [COMPARE_OPTIONS_ANNOTATION]: 'ServerSideDiff=true' } : {}),
      ...manifestGeneratePaths(props.sources),
    };
    for (const n of props.notifications ?? []) {
      annotations[`notifications.argoproj.io/subscribe.${n.trigger}.${n.service}`] = n.recipient;
    }
    const retry = props.retry ? { limit: props.retry.limit, backoff: { ...props.retry.backoff } } : undefined;
    const sources = props.sources.map((source) => (isHelmSource(source)
      ? {
        repoURL: source.repoURL,
        chart: source.chart,
        targetRevision: source.version,
        helm: { releaseName: source.releaseName ?? source.chart, valuesObject: source.values as Record<string, unknown> },
      }
      : { repoURL: source.repoURL, targetRevision: source.targetRevision, path: source.path }));

    modelObject(this, 'Resource', new Application({
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { ...props.labels },
        annotations,
        ...((props.cascadeDelete ?? true) ? { finalizers: [RESOURCES_FINALIZER] } : {}),
      },
      ...(props.syncOnCreate ? {
        operation: {
          initiatedBy: { username: props.syncOnCreate.initiatedBy },
          sync: { prune: true, syncOptions },
          ...(retry ? { retry } : {}),
        },
      } : {}),
      spec: {
        project: props.project,
        ...(sources.length === 1 ? { source: sources[0] } : { sources }),
        destination: {
          server: props.destination.server,
          ...(props.destination.namespace ? { namespace: props.destination.namespace } : {}),
        },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions,
          ...(props.createNamespace ? { managedNamespaceMetadata: { labels: { ...props.createNamespace.labels } } } : {}),
          ...(retry ? { retry } : {}),
        },
        ...(ignoreDifferences.length ? {
          ignoreDifferences: ignoreDifferences.map((f) => ({
            group: f.group,
            kind: f.kind,
            ...(f.name ? { name: f.name } : {}),
            ...(f.namespace ? { namespace: f.namespace } : {}),
            ...(f.jsonPointers ? { jsonPointers: [...f.jsonPointers] } : {}),
            ...(f.jqPathExpressions ? { jqPathExpressions: [...f.jqPathExpressions] } : {}),
          })),
        } : {}),
        revisionHistoryLimit,
        ...(props.info && Object.keys(props.info).length
          ? { info: Object.entries(props.info).map(([name, value]) => ({ name, value })) }
          : {}),
      },
    }));
  }
}
