/**
 * What an operator reads and does with ArgoCD Applications, as functions for the scenarios:
 * the status line `argocd app list` shows, waits on Application conditions (watch-driven, with
 * "expected …, saw …" timeouts), a manual sync as a platform admin (`argocd app sync`), and
 * terminating a running operation (`argocd app terminate-op`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { APPLICATIONS_PATH, NOT_ASSESSED_PREFIX } from './argocd.ts';
import type { Kube, KubeObject } from './kube.ts';
import { MANIFEST_GENERATE_PATHS_ANNOTATION } from '../../lib/argocd-application.ts';

export const ROOT_APP = 'flextime-root';

/** `name  Synced  Healthy  <operation phase>: <message>` — one line per Application. */
export function appLine(app: KubeObject | undefined, name = app?.metadata?.name): string {
  if (!app) return `${name}: (does not exist)`;
  const s = app.status ?? {};
  const op = s.operationState;
  const conditions = (s.conditions ?? []).map((c: { type: string; message: string }) => `${c.type}: ${c.message}`);
  const outOfSync = (s.resources ?? []).filter((r: { status: string }) => r.status !== 'Synced').map((r: { kind: string; name: string }) => `${r.kind}/${r.name}`);
  const unhealthy = (s.resources ?? [])
    .filter((r: { health?: { status: string } }) => r.health && !['Healthy', 'Suspended'].includes(r.health.status))
    .map((r: { kind: string; name: string; health: { status: string; message?: string } }) => `${r.kind}/${r.name} ${r.health.status}${r.health.message ? ` (${r.health.message.slice(0, 80)})` : ''}`);
  return [
    `${name}: ${s.sync?.status ?? 'Unknown'}/${s.health?.status ?? 'Unknown'}`,
    outOfSync.length ? `OutOfSync: ${outOfSync.slice(0, 6).join(', ')}${outOfSync.length > 6 ? ` +${outOfSync.length - 6}` : ''}` : '',
    unhealthy.length ? `not healthy: ${unhealthy.slice(0, 3).join(', ')}` : '',
    op ? `op ${op.phase}${op.message ? `: ${op.message}` : ''}` : '',
    ...conditions,
  ]
    .filter(Boolean)
    .join(' — ')
    .slice(0, 500);
}

/** `Kind/namespace/name` of every resource the Application shows as not Synced. */
export function outOfSyncResources(a: KubeObject | undefined): string[] {
  return (a?.status?.resources ?? [])
    .filter((r: { status: string }) => r.status !== 'Synced')
    .map((r: { kind: string; namespace?: string; name: string }) => `${r.kind}/${r.namespace ?? ''}/${r.name}`);
}

/**
 * Healthy, and Synced except for resources already OutOfSync in `baseline` (recorded before the
 * scenario acted): scenarios 3, 6 and 8 judge their own change, while a perpetual diff is
 * scenario 2's finding.
 */
export function healthyAndSyncedExcept(baseline: ReadonlySet<string>): (a: KubeObject | undefined) => boolean {
  return (a) => a?.status?.health?.status === 'Healthy' && outOfSyncResources(a).every((r) => baseline.has(r));
}

export const isSyncedHealthy = (a: KubeObject | undefined) => a?.status?.sync?.status === 'Synced' && a?.status?.health?.status === 'Healthy';

/** Names of the Applications argocd/apps renders, minus the files left out of the root. */
export function renderedApplications(root: string, excludedFiles: readonly string[] = []): string[] {
  const dir = join(root, 'argocd', 'apps');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && !excludedFiles.includes(f))
    .map((f) => parseYaml(readFileSync(join(dir, f), 'utf8')).metadata.name as string)
    .sort();
}

/** Waits until `ok` holds for every Application in `names`; the timeout lists the ones it does not hold for. */
export function waitApplications(
  kube: Kube,
  opts: { names: readonly string[]; what: string; timeoutMs: number; ok?: (app: KubeObject | undefined) => boolean },
): Promise<KubeObject[]> {
  const ok = opts.ok ?? isSyncedHealthy;
  const byName = (objs: KubeObject[]) => new Map(objs.map((o) => [o.metadata!.name as string, o]));
  return kube.waitFor(
    {
      path: APPLICATIONS_PATH,
      what: `${opts.what} (${opts.names.length} Applications)`,
      timeoutMs: opts.timeoutMs,
      describe: (objs) => {
        const m = byName(objs);
        const bad = opts.names.filter((n) => !ok(m.get(n)));
        return `${bad.length} of ${opts.names.length} not yet:\n  ${bad.slice(0, 15).map((n) => appLine(m.get(n), n)).join('\n  ')}${bad.length > 15 ? `\n  … ${bad.length - 15} more` : ''}`;
      },
    },
    (objs) => {
      const m = byName(objs);
      return opts.names.every((n) => ok(m.get(n))) ? opts.names.map((n) => m.get(n)!) : undefined;
    },
  );
}

/** Globs of the AppProjects' sync windows that allow automated sync only inside the window. */
export function windowGated(root: string): { project: string; applications: string[]; schedule: string; duration: string; timeZone?: string; manualSync: boolean }[] {
  const dir = join(root, 'argocd', 'projects');
  return readdirSync(dir).flatMap((f) => {
    const p = parseYaml(readFileSync(join(dir, f), 'utf8'));
    return (p.spec.syncWindows ?? [])
      .filter((w: { kind: string }) => w.kind === 'allow')
      .map((w: { applications?: string[]; schedule: string; duration: string; timeZone?: string; manualSync?: boolean }) => ({
        project: p.metadata.name,
        applications: w.applications ?? [],
        schedule: w.schedule,
        duration: w.duration,
        timeZone: w.timeZone,
        manualSync: w.manualSync === true,
      }));
  });
}

export function matchesGlob(name: string, glob: string): boolean {
  const re = new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}

/** `argocd app terminate-op`: marks the running operation Terminating; the controller stops it. */
export async function terminateOperation(kube: Kube, name: string): Promise<void> {
  await kube.request('PATCH', `${APPLICATIONS_PATH}/${name}`, { status: { operationState: { phase: 'Terminating' } } }, 'application/merge-patch+json');
}

/** Resources of the Applications whose health the e2e does not assess (argocd.ts HEALTH_NOT_ASSESSED), by kind. */
export function notAssessedByKind(apps: KubeObject[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of apps) {
    for (const r of a.status?.resources ?? []) {
      if (String(r.health?.message ?? '').startsWith(NOT_ASSESSED_PREFIX)) m.set(r.kind, (m.get(r.kind) ?? 0) + 1);
    }
  }
  return m;
}

/**
 * The folders an Application's `manifest-generate-paths` names, as repository paths (ArgoCD's
 * GetAppRefreshPaths: an absolute entry is a repository path, a relative one is joined to each
 * source path); none without the annotation.
 */
export function refreshPaths(app: KubeObject): string[] {
  const value: string = app.metadata?.annotations?.[MANIFEST_GENERATE_PATHS_ANNOTATION] ?? '';
  const sources: { path?: string }[] = app.spec?.sources ?? (app.spec?.source ? [app.spec.source] : []);
  return value.split(';').filter(Boolean).flatMap((p) => (p.startsWith('/') ? [p.slice(1)] : sources.map((s) => posix.normalize(posix.join(s.path ?? '', p)))));
}

/**
 * Whether a push of `changedFiles` refreshes `app` (AppFilesHaveChanged): always without the
 * annotation or without a file list; otherwise when a changed file is one of its folders or lies
 * below one. (ArgoCD also accepts globs there; this repository renders none.)
 */
export function refreshedByPush(app: KubeObject, changedFiles?: readonly string[]): boolean {
  const folders = refreshPaths(app);
  if (!changedFiles?.length || !folders.length) return true;
  return changedFiles.some((f) => folders.some((folder) => f === folder || f.startsWith(`${folder}/`)));
}

/**
 * What ArgoCD's git webhook does on a push (util/webhook HandleEvent + AppFilesHaveChanged): sets
 * argocd.argoproj.io/refresh on every Application, except those with manifest-generate-paths none
 * of whose folders holds a changed file. `changedFiles` undefined: every Application (a push event
 * without a file list). Returns the names refreshed.
 */
export async function webhookRefresh(kube: Kube, type: 'normal' | 'hard', changedFiles?: readonly string[]): Promise<string[]> {
  const names: string[] = [];
  for (const a of await kube.list(APPLICATIONS_PATH)) {
    if (!refreshedByPush(a, changedFiles)) continue;
    await kube.patch(`${APPLICATIONS_PATH}/${a.metadata!.name}`, { metadata: { annotations: { 'argocd.argoproj.io/refresh': type } } });
    names.push(a.metadata!.name as string);
  }
  return names;
}
