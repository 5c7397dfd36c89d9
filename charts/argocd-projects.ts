/**
 * The two AppProjects of charts/argocd.ts, as pure data from the planned Applications:
 * `<partOf>` (dist/ content: its namespaces and exactly the cluster-scoped objects it renders) and
 * `platform` (pinned add-ons and the dist/cluster and dist/addons content that writes into their namespaces).
 */
import type { Platform } from '../config/index.ts';
import type { Addon } from '../config/schema-addons.ts';
import type { ClusterResource, ProjectDestination, ProjectSyncWindow, RoleGrant } from '../lib/argocd-project.ts';
import type { PlannedApplication } from './argocd.ts';
import { namespaceOf } from './context.ts';

export const PLATFORM_PROJECT = 'platform';

export interface PlannedProject {
  readonly name: string;
  readonly description: string;
  readonly sourceRepos: string[];
  readonly destinations: ProjectDestination[];
  readonly clusterResourceWhitelist: ClusterResource[];
  readonly roles: { name: string; description: string; groups: string[]; grants: RoleGrant[] }[];
  readonly syncWindows: ProjectSyncWindow[];
}

export function appProjectPlan(platform: Platform, apps: PlannedApplication[], hosting: Platform['clusters']): PlannedProject {
  const { gitops, partOf } = platform;
  const mine = apps.filter((a) => a.project === partOf);
  const destinations: ProjectDestination[] = [];
  for (const cluster of hosting) {
    const envNamespaces = platform.environments.filter((e) => e.cluster === cluster.name).map((e) => namespaceOf(platform, e));
    for (const namespace of envNamespaces) destinations.push({ server: cluster.server, namespace });
    // Namespaces of our own that a dist folder renders besides its environment's (dist/<env>/performance
    // writes <partOf>-performance): exactly those, derived from the objects.
    const own = new Set(mine.filter((a) => a.cluster === cluster.name).flatMap((a) => a.dir?.objects ?? [])
      .map((o) => o.namespace)
      .filter((ns): ns is string => !!ns && ns.startsWith(`${partOf}-`) && !envNamespaces.includes(ns)));
    for (const namespace of [...own].sort()) destinations.push({ server: cluster.server, namespace });
    // Applications of dist/cluster/* set no destination namespace; ArgoCD matches that as "".
    if (mine.some((a) => a.cluster === cluster.name && a.namespace === undefined)) destinations.push({ server: cluster.server, namespace: '' });
  }
  const developerSync = platform.environments.filter((e) => e.gitops.developerAccess === 'sync');
  return {
    name: partOf,
    description: `FlexTime components rendered into dist/ by npm run synth; only ${partOf}-* namespaces and the cluster-scoped objects dist/ contains`,
    sourceRepos: [gitops.repoURL],
    destinations,
    clusterResourceWhitelist: renderedClusterResources(mine),
    roles: [
      adminRole(platform),
      {
        name: 'developer',
        description: `Read every Application; sync in ${developerSync.map((e) => e.name).join(', ') || 'no environment'}`,
        groups: [platform.sso.groups.developers],
        grants: [
          { action: 'get', applications: '*' },
          { action: 'logs', applications: '*' },
          ...developerSync.map((e): RoleGrant => ({ action: 'sync', applications: `${e.name}-*` })),
        ],
      },
    ],
    syncWindows: [
      ...platform.environments.flatMap((e) => windowFor(e.gitops.syncWindow, `${e.name}: automated sync only inside this window`, [`${e.name}-*`])),
      ...hosting
        .filter((c) => mine.some((a) => a.cluster === c.name && a.environment === undefined))
        .flatMap((c) => windowFor(c.syncWindow, `cluster ${c.name}: cluster-wide objects sync automatically only inside this window`, [`cluster-${c.name}-*`])),
    ],
  };
}

export function platformProjectPlan(platform: Platform, apps: PlannedApplication[], hosting: Platform['clusters']): PlannedProject {
  const { gitops } = platform;
  const mine = apps.filter((a) => a.project === PLATFORM_PROJECT);
  const addonsOn = (cluster: string): Addon[] => platform.addons.filter((ad) => mine.some((a) => a.cluster === cluster && a.name === `addon-${cluster}-${ad.name}`));
  const destinations: ProjectDestination[] = [];
  for (const cluster of hosting) {
    const namespaces = new Set(addonsOn(cluster.name).flatMap((ad) => [ad.namespace, ...ad.extraNamespaces]));
    // …and exactly the namespaces its dist/cluster folders write to (e.g. argocd: the notification secret).
    for (const a of mine.filter((x) => x.cluster === cluster.name)) for (const o of a.dir?.objects ?? []) if (o.namespace) namespaces.add(o.namespace);
    if (mine.some((a) => a.cluster === cluster.name && a.namespace === undefined)) namespaces.add('');
    for (const namespace of [...namespaces].sort()) destinations.push({ server: cluster.server, namespace });
  }
  const chartKinds = platform.addons.flatMap((ad) => ad.clusterResources);
  // Add-on namespaces are rendered (dist/cluster/namespaces, dist/addons/<addon>): allowed by name with the rest.
  const whitelist = uniqueResources([...chartKinds, ...renderedClusterResources(mine)]);
  const usesGit = mine.some((a) => 'path' in a.source);
  return {
    name: PLATFORM_PROJECT,
    description: 'Pinned upstream add-ons (config/addons.ts) and the dist/cluster content that configures them; explicit allow-list of cluster-scoped kinds',
    sourceRepos: [...new Set([...platform.addons.map((ad) => ad.repoURL), ...(usesGit ? [gitops.repoURL] : [])])].sort(),
    destinations,
    clusterResourceWhitelist: whitelist,
    roles: [
      adminRole(platform),
      { name: 'developer', description: 'Read the add-ons', groups: [platform.sso.groups.developers], grants: [{ action: 'get', applications: '*' }] },
    ],
    syncWindows: hosting.flatMap((c) => windowFor(
      c.syncWindow,
      `cluster ${c.name}: add-ons and cluster-wide objects sync automatically only inside this window`,
      [`addon-${c.name}-*`, `cluster-${c.name}-*`],
    )),
  };
}

function adminRole(platform: Platform): PlannedProject['roles'][number] {
  return {
    name: 'platform-admin',
    description: 'Sync, restart and read every Application, also outside sync windows (manual sync)',
    groups: [platform.sso.groups.platformAdmins],
    grants: [
      { action: 'get', applications: '*' },
      { action: 'sync', applications: '*' },
      { action: 'action/*', applications: '*' },
      { action: 'logs', applications: '*' },
    ],
  };
}

function windowFor(window: Platform['clusters'][number]['syncWindow'], description: string, applications: string[]): ProjectSyncWindow[] {
  return window ? [{ ...window, description, applications, kind: 'allow', manualSync: true }] : [];
}

/** The cluster-scoped objects the given dist Applications render, by kind and exact name. */
function renderedClusterResources(apps: PlannedApplication[]): ClusterResource[] {
  return uniqueResources(apps.flatMap((a) => (a.dir?.objects ?? [])
    .filter((o) => o.clusterScoped)
    .map((o) => ({ group: o.group, kind: o.kind, name: o.name }))));
}

function uniqueResources(items: ClusterResource[]): ClusterResource[] {
  const byKey = new Map(items.map((r) => [`${r.group}/${r.kind}/${r.name ?? ''}`, r]));
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
}
