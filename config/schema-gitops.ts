/**
 * Schema of GitOps with ArgoCD (docs/gitops.md): the repository and branch ArgoCD follows, sync
 * retries, notifications, sync windows and the sync waves of the components, and how each
 * environment syncs. Part of the platform schema in ./schema.ts (`gitops`, `clusters[].syncWindow`
 * and the per-environment `gitops`).
 *
 * This module must not import ./schema.ts (schema.ts imports it). `checkGitops` holds the rules
 * that look at other sections (clusters, environments, add-ons); schema.ts calls it from the
 * platform's superRefine.
 */
import { z } from 'zod';
import type { addon } from './schema-addons.ts';
import { dnsLabel, uniqueBy } from './schema-primitives.ts';

/** A Slack channel name as ArgoCD notifications subscribe to it (no leading "#"). */
export const notifyChannel = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a Slack channel name without "#", such as "flextime-alerts"');

/** When ArgoCD may sync automatically (an ArgoCD `allow` sync window); manual sync stays possible. */
export const syncWindow = z.object({
  /** Cron schedule (5 fields) at which the window opens, in `timeZone`. */
  schedule: z.string().regex(/^\S+( \S+){4}$/, 'must be a 5-field cron schedule such as "0 14 * * 2-4"'),
  /** How long the window stays open. */
  duration: z.string().regex(/^[1-9][0-9]*[hm]$/, 'must be a duration in hours or minutes such as "4h" or "90m"'),
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, { message: 'must be an IANA time zone such as "America/Chicago"' }),
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

/** Cross-field rules of `gitops`, `addons` and `clusters[].syncWindow` (charts/argocd.ts relies on them). */
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
  const stageOf = new Map<string, number>();
  p.gitops.syncWaves.forEach((stage, i) => {
    const previous = p.gitops.syncWaves[i - 1];
    if (previous && stage.wave <= previous.wave) {
      ctx.addIssue({
        code: 'custom',
        path: ['gitops', 'syncWaves', i, 'wave'],
        message: `must be greater than the wave of '${previous.stage}' (${previous.wave}): stages are listed in sync order`,
      });
    }
    stage.components.forEach((component, j) => {
      const other = stageOf.get(component);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['gitops', 'syncWaves', i, 'components', j],
          message: `component '${component}' is already in stage '${p.gitops.syncWaves[other]!.stage}'`,
        });
      }
      stageOf.set(component, i);
    });
  });

  uniqueBy(p.addons, 'name', ['addons'], ctx);
  const firstWave = p.gitops.syncWaves[0]!.wave;
  const addons = new Map(p.addons.map((a) => [a.name as string, a]));
  const environments = p.environments.map((e) => e.name as string);
  p.addons.forEach((a, i) => {
    if (a.wave >= firstWave) {
      ctx.addIssue({
        code: 'custom',
        path: ['addons', i, 'wave'],
        message: `must be less than ${firstWave} (the first component wave, '${p.gitops.syncWaves[0]!.stage}'): add-ons provide the CRDs and webhooks components need`,
      });
    }
    a.dependsOn.forEach((dep, j) => {
      const needed = addons.get(dep);
      if (!needed) {
        ctx.addIssue({ code: 'custom', path: ['addons', i, 'dependsOn', j], message: `missing dependency: no add-on '${dep}' in addons` });
      } else if (needed.wave >= a.wave) {
        ctx.addIssue({
          code: 'custom',
          path: ['addons', i, 'wave'],
          message: `must be greater than the wave of its dependency '${dep}' (${needed.wave})`,
        });
      }
    });
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
