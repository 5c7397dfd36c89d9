/**
 * An ArgoCD AppProject that allows nothing it is not told to: listed source repositories,
 * listed destinations, listed cluster-scoped kinds, roles bound to SSO groups, and sync windows.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
 */
import { Construct } from 'constructs';
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { modelObject } from './model-object.ts';
import { SYNC_WAVE_ANNOTATION } from './argocd-application.ts';

export interface ProjectDestination {
  readonly server: string;
  /** Namespace glob; "" admits Applications without a destination namespace (cluster-scoped content). */
  readonly namespace: string;
}

export interface ClusterResource {
  /** API group, "" for core. */
  readonly group: string;
  readonly kind: string;
  /**
   * Name glob.
   * @default - any name
   */
  readonly name?: string;
}

/** What a role may do with Applications whose name matches `applications` (a glob). */
export interface RoleGrant {
  /** e.g. `get`, `sync`, `action/*`; `logs` grants reading pod logs. */
  readonly action: 'get' | 'sync' | 'action/*' | 'logs';
  readonly applications: string;
}

export interface ProjectRoleProps {
  readonly name: string;
  readonly description: string;
  /** SSO groups bound to the role. */
  readonly groups: readonly string[];
  readonly grants: readonly RoleGrant[];
}

export interface ProjectSyncWindow {
  readonly description: string;
  /** Cron schedule at which the window opens. */
  readonly schedule: string;
  readonly duration: string;
  readonly timeZone: string;
  /** Application name globs the window governs. */
  readonly applications: readonly string[];
  /**
   * `allow`: automated sync only inside; `deny`: never inside.
   * @default 'allow'
   */
  readonly kind?: 'allow' | 'deny';
  /**
   * Manual syncs are allowed outside the window (for people holding the sync permission).
   * @default true
   */
  readonly manualSync?: boolean;
}

export interface ArgoProjectProps {
  readonly name: string;
  /** Namespace ArgoCD runs in. */
  readonly namespace: string;
  readonly description: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Repositories (git or Helm) Applications may use. */
  readonly sourceRepos: readonly string[];
  readonly destinations: readonly ProjectDestination[];
  /** The only cluster-scoped objects Applications may manage; empty: none. */
  readonly clusterResourceWhitelist: readonly ClusterResource[];
  /** @default [] */
  readonly roles?: readonly ProjectRoleProps[];
  /** @default [] */
  readonly syncWindows?: readonly ProjectSyncWindow[];
  /**
   * Warn about objects in the destination namespaces that no Application manages.
   * @default true
   */
  readonly warnOrphans?: boolean;
  /**
   * `argocd.argoproj.io/sync-wave` of the project itself, so it exists before its Applications.
   * @default 0
   */
  readonly syncWave?: number;
}

export class ArgoProject extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ArgoProjectProps) {
    super(scope, id);
    this.name = props.name;
    if (props.sourceRepos.length === 0) throw new Error(`'sourceRepos' of project '${props.name}' must not be empty`);
    for (const repo of props.sourceRepos) {
      if (repo.includes('*')) throw new Error(`'sourceRepos' (${repo}) must list repositories, not patterns`);
    }
    for (const role of props.roles ?? []) {
      if (role.groups.length === 0) throw new Error(`role '${role.name}' of project '${props.name}' has no 'groups'`);
    }
    const syncWave = props.syncWave ?? 0;
    const policy = (role: string, g: RoleGrant) => (g.action === 'logs'
      ? `p, proj:${props.name}:${role}, logs, get, ${props.name}/${g.applications}, allow`
      : `p, proj:${props.name}:${role}, applications, ${g.action}, ${props.name}/${g.applications}, allow`);

    modelObject(this, 'Resource', new AppProject({
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { ...props.labels },
        annotations: { [SYNC_WAVE_ANNOTATION]: String(syncWave) },
      },
      spec: {
        description: props.description,
        sourceRepos: [...props.sourceRepos],
        destinations: props.destinations.map((d) => ({ server: d.server, namespace: d.namespace })),
        clusterResourceWhitelist: props.clusterResourceWhitelist.map((r) => ({
          group: r.group,
          kind: r.kind,
          ...(r.name ? { name: r.name } : {}),
        })),
        ...((props.warnOrphans ?? true) ? { orphanedResources: { warn: true } } : {}),
        roles: (props.roles ?? []).map((role) => ({
          name: role.name,
          description: role.description,
          groups: [...role.groups],
          policies: role.grants.map((g) => policy(role.name, g)),
        })),
        syncWindows: (props.syncWindows ?? []).map((w) => ({
          kind: w.kind ?? 'allow',
          schedule: w.schedule,
          duration: w.duration,
          timeZone: w.timeZone,
          applications: [...w.applications],
          manualSync: w.manualSync ?? true,
          description: w.description,
        })),
      },
    }));
  }
}

/**
 * Whether an Application name matches a sync window or role glob as ArgoCD matches it. The
 * platform's globs use `*` only (e.g. `production-*`); any other glob syntax is refused rather
 * than guessed at.
 */
export function matchesApplicationGlob(name: string, glob: string): boolean {
  if (/[?[\]{}!\\]/.test(glob)) throw new Error(`Application glob '${glob}': only '*' is supported`);
  const pattern = glob.split('*').map((part) => part.replace(/[.+^$()|]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`).test(name);
}
