/**
 * Schema of GitOps with ArgoCD (docs/gitops.md): the repository and branch ArgoCD follows, sync
 * retries, notifications, sync windows, what the clusters have before anything syncs, and how
 * each environment syncs. Sync waves are not configured: charts/bootstrap-order.ts derives them. Part of the platform schema in ./schema.ts (`gitops`, `clusters[].syncWindow`
 * and the per-environment `gitops`).
 *
 * This module must not import ./schema.ts (schema.ts imports it). `checkGitops` holds the rules
 * that look at other sections (clusters, environments, add-ons); schema.ts calls it from the
 * platform's superRefine.
 */
import { z } from 'zod';
import type { addon } from './schema-addons.ts';
import { dnsLabel, ianaTimeZone, uniqueBy } from './schema-primitives.ts';

/** A Slack channel name as ArgoCD notifications subscribe to it (no leading "#"). */
export const notifyChannel = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a Slack channel name without "#", such as "flextime-alerts"');

/** When ArgoCD may sync automatically (an ArgoCD `allow` sync window); manual sync stays possible. */
export const syncWindow = z.object({
  /** Cron schedule (5 fields) at which the window opens, in `timeZone`. */
  schedule: z.string().regex(/^\S+( \S+){4}$/, 'must be a 5-field cron schedule such as "0 14 * * 2-4"'),
  /** How long the window stays open. */
  duration: z.string().regex(/^[1-9][0-9]*[hm]$/, 'must be a duration in hours or minutes such as "4h" or "90m"'),
  timeZone: ianaTimeZone,
}).strict();
export type SyncWindow = z.infer<typeof syncWindow>;

/** How ArgoCD syncs one environment's Applications (charts/argocd.ts). */
export const environmentGitops = z.object({
  /** Delete removed objects only after everything else is synced and healthy. */
  pruneLast: z.boolean().default(false),
  /**
   * Automated sync and self-heal only inside this window.
   * @default - any time
   */
  syncWindow: syncWindow.optional(),
  /** What the `sso.groups.developers` group may do with this environment's Applications in ArgoCD. */
  developerAccess: z.enum(['sync', 'read-only']).default('sync'),
  /**
   * Slack channel for sync failures and degraded health.
   * @default - gitops.notifications.channel
   */
  notifyChannel: notifyChannel.optional(),
}).strict().prefault({});

/** An object a cluster has before any sync (see `gitops.external`). */
const externalInput = z.object({
  /** API group, "" for the core group. */
  group: z.string().regex(/^([a-z0-9-]+(\.[a-z0-9-]+)*)?$/, 'must be an API group such as "storage.k8s.io" or "" (core)'),
  kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'must be a Kind such as "StorageClass"'),
  /**
   * Namespace of a namespaced object.
   * @default - cluster-scoped
   */
  namespace: dnsLabel.optional(),
  /**
   * The object's name; "(default)" for the cluster's default object of its kind.
   * @default - the kind itself: a controller with its CRDs installed outside this repository
   */
  name: z.string().min(1).optional(),
  /** Where it comes from (an EKS add-on, Terraform, ...), shown in docs/bootstrap-order.md. */
  from: z.string().min(1, 'must say where it comes from, such as "EKS managed add-on aws-ebs-csi-driver"'),
}).strict();

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
   * What every hosting cluster has before ArgoCD syncs anything, that neither Kubernetes itself
   * nor this repository creates (the Terraform outputs are added by charts/bootstrap-order.ts).
   * A need of one of these is met without a sync wave (docs/bootstrap-order.md).
   */
  external: z.array(externalInput).default([]),
}).strict();
export type Gitops = z.infer<typeof gitops>;

/** Cross-field rules of `gitops` and `addons` (charts/argocd.ts relies on them). */
interface GitopsView {
  readonly partOf: string;
  readonly clusters: ReadonlyArray<{ readonly name: string }>;
  readonly environments: ReadonlyArray<{ readonly name: string }>;
  readonly gitops: Gitops;
  readonly addons: ReadonlyArray<z.infer<typeof addon>>;
}
export function checkGitops(p: GitopsView, ctx: z.RefinementCtx): void {
  const clusters = p.clusters.map((c) => c.name);
  if (!clusters.includes(p.gitops.controlCluster)) {
    ctx.addIssue({
      code: 'custom',
      path: ['gitops', 'controlCluster'],
      message: `unknown cluster '${p.gitops.controlCluster}'; allowed: ${clusters.join(', ')}`,
    });
  }
  uniqueBy(p.addons, 'name', ['addons'], ctx);
  const environments = p.environments.map((e) => e.name as string);
  const firstIn = new Map<string, z.infer<typeof addon>>();
  p.addons.forEach((a, i) => {
    // One Namespace object per add-on namespace (dist/cluster/namespaces): one Pod Security level.
    const first = firstIn.get(a.namespace) ?? a;
    firstIn.set(a.namespace, first);
    if (first.podSecurity !== a.podSecurity) {
      ctx.addIssue({
        code: 'custom',
        path: ['addons', i, 'podSecurity'],
        message: `must be "${first.podSecurity}" like addons[${first.name}], which shares namespace '${a.namespace}'`,
      });
    }
    a.environments?.forEach((env, j) => {
      if (!environments.includes(env)) {
        ctx.addIssue({ code: 'custom', path: ['addons', i, 'environments', j], message: `unknown environment '${env}'; allowed: ${environments.join(', ')}` });
      }
    });
    if (a.namespace.startsWith(`${p.partOf}-`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['addons', i, 'namespace'],
        message: `must not start with '${p.partOf}-': those namespaces belong to the environments (AppProject '${p.partOf}')`,
      });
    }
  });
}
