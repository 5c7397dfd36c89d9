/**
 * argocd/: everything ArgoCD needs to deliver this repository, derived from the other charts.
 *
 *   argocd/bootstrap/  the root Application (app-of-apps) a person or Terraform applies once
 *   argocd/projects/   AppProjects `<partOf>` (dist/) and `platform` (add-ons, add-on namespaces)
 *   argocd/apps/       one Application per dist/<env>/<component> and per cluster for each
 *                      dist/cluster/<component>, plus one per add-on and cluster that installs
 *                      it (and one for its dist/addons/<addon> folder, if it has one)
 *
 * Nothing is listed by hand: every OutputChart under dist/ becomes an Application, so this chart
 * must be built last (buildApp does; a validation catches charts added after it). Sync waves are
 * derived from what each Application provides and needs (charts/bootstrap-order.ts), and shown
 * in docs/bootstrap-order.md; an unmet need or a cycle is a synth error.
 */
import type { App } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Platform } from '../config/index.ts';
import type { Addon } from '../config/schema-addons.ts';
import type { DependencyGraph } from '../lib/graph/graph.ts';
import { recommendedLabels } from '../lib/labels.ts';
import { OutputChart } from '../lib/synth/output-chart.ts';
import { BuildError } from '../lib/values/build-error.ts';
import { ArgoApplication, type IgnoredField, type NotificationSubscription } from '../lib/argocd-application.ts';
import { ArgoProject, matchesApplicationGlob } from '../lib/argocd-project.ts';
import { ADDON_GROUP, ENVIRONMENT_LABEL, namespaceOf } from './context.ts';
import { addonValuesOn } from './addon-roles.ts';
import { appProjectPlan, PLATFORM_PROJECT, platformProjectPlan, type PlannedProject } from './argocd-projects.ts';
import { bootstrapGraph, externalInputs, waveOfLayer, type ExternalInputs } from './bootstrap-order.ts';
import { bootstrapOrderDocument } from './bootstrap-order-doc.ts';
import { discoverDistDirs, distDirPaths, workloadKey, type DistDir } from './dist-dirs.ts';

const SOURCE = 'charts/argocd.ts';
export const ROOT_APPLICATION = 'flextime-root';
export const CLUSTER_GROUP = 'cluster';
/** Who the sync-on-create of a window-gated Application is recorded as (its operation's initiatedBy). */
export const BOOTSTRAP_SYNC_USER = 'flextime-root-bootstrap';

/** The ArgoCD side of `platform`: root Application, AppProjects and Applications. Build it last. */
export function argocdCharts(app: App, platform: Platform): void {
  const { gitops } = platform;
  const external = externalInputs(platform);
  const dirs = discoverDistDirs(app, { mentions: external.mentions });
  const plan = planApplications(platform, dirs, external);

  const bootstrap = new OutputChart(app, 'argocd-bootstrap', { outputDir: 'argocd/bootstrap', source: SOURCE });
  const projects = new OutputChart(app, 'argocd-projects', { outputDir: 'argocd/projects', source: SOURCE });
  const apps = new OutputChart(app, 'argocd-apps', { outputDir: 'argocd/apps', source: SOURCE });

  // Another chart built after this one would silently get no Application.
  apps.node.addValidation({
    validate: () => distDirPaths(app)
      .filter((path) => !dirs.some((d) => d.path === path))
      .map((path) => `${path} was added after charts/argocd.ts derived the Applications: build argocdCharts last in charts/index.ts`),
  });

  // A window that allows manual syncs gates later changes, not the first bootstrap: each Application
  // it governs syncs once when the root creates it (a disaster recovery at 2 a.m. completes).
  const gatedByWindow = (name: string) => plan.projects.some((p) => p.syncWindows.some((w) =>
    (w.manualSync ?? true) && w.applications.some((glob) => matchesApplicationGlob(name, glob))));
  for (const a of plan.applications) {
    new ArgoApplication(apps, a.name, {
      name: a.name,
      namespace: gitops.namespace,
      project: a.project,
      labels: labels(platform, a.name, a.environment),
      sources: [a.source],
      destination: { server: a.server, namespace: a.namespace },
      syncWave: a.wave,
      pruneLast: a.pruneLast,
      retry: gitops.retry,
      ignoreDifferences: a.ignoreDifferences,
      revisionHistoryLimit: gitops.revisionHistoryLimit,
      // An add-on's chart installs CRDs: deleting or renaming its Application must not cascade into
      // the CRDs and from there into every custom resource (and the Secrets ExternalSecrets own).
      // Removing an add-on is a deliberate manual step (docs/gitops.md "Removing an add-on"). Nor into
      // an add-on's dist/addons folder: deleting its namespace would delete the add-on's objects.
      cascadeDelete: !('chart' in a.source) && a.dir?.group !== ADDON_GROUP,
      notifications: a.notifications,
      info: a.info,
      ...(gatedByWindow(a.name) ? { syncOnCreate: { initiatedBy: BOOTSTRAP_SYNC_USER } } : {}),
    });
  }

  // Before every Application: they are created in these projects.
  const projectWave = Math.min(...plan.applications.map((a) => a.wave)) - waveOfLayer(1);
  for (const p of plan.projects) {
    new ArgoProject(projects, p.name, {
      ...p,
      namespace: gitops.namespace,
      labels: labels(platform, p.name),
      syncWave: projectWave,
    });
  }

  rootApplication(bootstrap, platform);
  bootstrapOrderDocument(app, plan.graph, plan.applications);
}

// ----------------------------------------------------------------------------- plan (pure data)

export interface PlannedApplication {
  readonly name: string;
  readonly project: string;
  readonly environment?: string;
  readonly cluster: string;
  readonly server: string;
  /** @default - none (cluster-scoped content) */
  readonly namespace?: string;
  /** Sync wave, from the layer of the Application in the dependency graph. */
  readonly wave: number;
  readonly source: { repoURL: string; targetRevision: string; path: string } | { repoURL: string; chart: string; version: string; values: object };
  /** The dist folder it syncs, for dist Applications. */
  readonly dir?: DistDir;
  /** The add-on it installs, with its values on `cluster`, for add-on Applications. */
  readonly addon?: { readonly addon: Addon; readonly values: object };
  readonly pruneLast: boolean;
  readonly ignoreDifferences: IgnoredField[];
  readonly notifications: NotificationSubscription[];
  readonly info: Record<string, string>;
}

/** Which Applications and AppProjects `platform` and the rendered `dirs` need. No constructs. */
export function planApplications(platform: Platform, dirs: readonly DistDir[], external: ExternalInputs = externalInputs(platform)): {
  applications: PlannedApplication[];
  projects: PlannedProject[];
  graph: DependencyGraph;
} {
  const { gitops, partOf } = platform;
  const appProject = partOf;
  const server = new Map(platform.clusters.map((c) => [c.name, c.server]));
  const environments = new Map(platform.environments.map((e) => [e.name as string, e]));
  // Only clusters that host an environment get cluster-wide content and add-ons.
  const hosting = platform.clusters.filter((c) => platform.environments.some((e) => e.cluster === c.name));
  const notify = (channel: string): NotificationSubscription[] =>
    gitops.notifications.triggers.map((trigger) => ({ trigger, service: gitops.notifications.service, recipient: channel }));
  // What every Application of a dist/ folder syncs and ignores.
  const synced = (dir: DistDir) => ({
    source: { repoURL: gitops.repoURL, targetRevision: gitops.targetRevision, path: dir.path },
    dir,
    ignoreDifferences: controllerOwnedFields(dir),
    info: { source: dir.sources.join(', ') },
  });

  const unordered: Array<Omit<PlannedApplication, 'wave'>> = [];
  for (const dir of dirs) {
    const common = synced(dir);
    // dist/addons/<addon> goes where its add-on goes (below).
    if (dir.group === ADDON_GROUP) continue;
    if (dir.group === CLUSTER_GROUP) {
      // Cluster-wide content is shared by every environment on the cluster: prune it last. Content
      // that writes into an add-on's namespace (Falco rules, dashboards) belongs to the platform.
      const project = dir.objects.some((o) => !o.clusterScoped && !o.namespace?.startsWith(`${partOf}-`)) ? PLATFORM_PROJECT : appProject;
      for (const cluster of hosting) {
        unordered.push({
          ...common,
          name: `cluster-${cluster.name}-${dir.component}`,
          project,
          cluster: cluster.name,
          server: cluster.server,
          pruneLast: true,
          notifications: notify(gitops.notifications.channel),
        });
      }
      continue;
    }
    const env = environments.get(dir.group);
    if (!env) {
      throw new BuildError([`${dir.path}: '${dir.group}' is neither an environment (${[...environments.keys()].join(', ')}) nor '${CLUSTER_GROUP}'`]);
    }
    unordered.push({
      ...common,
      name: `${env.name}-${dir.component}`,
      project: appProject,
      environment: env.name,
      cluster: env.cluster,
      server: server.get(env.cluster)!,
      namespace: namespaceOf(platform, env),
      pruneLast: env.gitops.pruneLast,
      notifications: notify(env.gitops.notifyChannel ?? gitops.notifications.channel),
    });
  }

  const addonDirs = dirs.filter((d) => d.group === ADDON_GROUP);
  const orphans = addonDirs.filter((d) => !platform.addons.some((a) => a.name === d.component));
  if (orphans.length) throw new BuildError(orphans.map((d) => `${d.path}: no add-on '${d.component}' in config/addons.ts to sync it with`));
  for (const addon of platform.addons) {
    const wanted = addon.environments;
    // Its namespace and LimitRange, where only some clusters install it (charts/namespaces.ts): an
    // Application of its own, so the graph syncs them a wave before the add-on's first pod.
    const own = addonDirs.find((d) => d.component === addon.name);
    for (const cluster of hosting.filter((c) => !wanted || platform.environments.some((e) => e.cluster === c.name && wanted.includes(e.name)))) {
      const values = addonValuesOn(platform, addon, cluster.name);
      if (own) {
        unordered.push({
          ...synced(own),
          name: `addon-${cluster.name}-${addon.name}-namespace`,
          project: PLATFORM_PROJECT,
          cluster: cluster.name,
          server: cluster.server,
          pruneLast: true,
          notifications: notify(gitops.notifications.channel),
        });
      }
      unordered.push({
        name: `addon-${cluster.name}-${addon.name}`,
        project: PLATFORM_PROJECT,
        cluster: cluster.name,
        server: cluster.server,
        namespace: addon.namespace,
        source: { repoURL: addon.repoURL, chart: addon.chart, version: addon.version, values },
        addon: { addon, values },
        pruneLast: true,
        ignoreDifferences: INJECTED_CA_BUNDLES,
        notifications: notify(gitops.notifications.channel),
        info: { chart: `${addon.chart} ${addon.version}`, config: 'config/addons.ts' },
      });
    }
  }
  unordered.sort((a, b) => (a.name < b.name ? -1 : 1));
  const graph = bootstrapGraph(platform, unordered, external);
  const applications = unordered.map((a) => ({ ...a, wave: waveOfLayer(graph.layers.get(a.name)!) }));

  return {
    applications,
    projects: [appProjectPlan(platform, applications, hosting), platformProjectPlan(platform, applications, hosting)],
    graph,
  };
}

// ----------------------------------------------------------------------------- root

function rootApplication(scope: Construct, platform: Platform): void {
  const { gitops } = platform;
  const control = platform.clusters.find((c) => c.name === gitops.controlCluster)!;
  new ArgoApplication(scope, ROOT_APPLICATION, {
    name: ROOT_APPLICATION,
    namespace: gitops.namespace,
    // AppProjects are synced by this Application, so it cannot live in one of them.
    project: 'default',
    labels: labels(platform, ROOT_APPLICATION),
    sources: [
      { repoURL: gitops.repoURL, targetRevision: gitops.targetRevision, path: 'argocd/projects' },
      { repoURL: gitops.repoURL, targetRevision: gitops.targetRevision, path: 'argocd/apps' },
    ],
    destination: { server: control.server, namespace: gitops.namespace },
    retry: gitops.retry,
    revisionHistoryLimit: gitops.revisionHistoryLimit,
    // Deleting the root must never cascade into every environment.
    cascadeDelete: false,
    // Its objects are Applications and AppProjects, which the API server does not default; and
    // ArgoCD itself annotates Applications (refresh requests) between a dry-run and the compare,
    // which a server-side diff of the root reported as drift in the e2e's steady-state scenario.
    serverSideDiff: false,
    // ArgoCD clears a child's sync-on-create `operation` when that sync ends; re-applying it on the
    // next commit would start another manual-class sync, past the sync window.
    ignoreDifferences: [{ group: 'argoproj.io', kind: 'Application', jsonPointers: ['/operation'] }],
    notifications: gitops.notifications.triggers.map((trigger) => ({ trigger, service: gitops.notifications.service, recipient: gitops.notifications.channel })),
    info: { source: SOURCE, bootstrap: 'applied once by terraform-bootstrap/cluster/argocd.tf (docs/gitops.md)' },
  });
}

// ----------------------------------------------------------------------------- helpers

/** Fields that controllers write after we apply: ArgoCD must neither report nor revert them. */
const INJECTED_CA_BUNDLES: IgnoredField[] = [
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', jsonPointers: ['/spec/conversion/webhook/clientConfig/caBundle'] },
];

export function controllerOwnedFields(dir: DistDir): IgnoredField[] {
  const fields: IgnoredField[] = [];
  // Replicas of an HPA/KEDA-scaled workload belong to the autoscaler.
  for (const o of dir.objects.filter((x) => dir.autoscaled.has(workloadKey(x)))) {
    fields.push({ group: o.group, kind: o.kind, name: o.name, namespace: o.namespace, jsonPointers: ['/spec/replicas'] });
  }
  if (dir.objects.some((o) => o.group === 'autoscaling.k8s.io' && o.kind === 'VerticalPodAutoscaler')) {
    fields.push({ group: 'autoscaling.k8s.io', kind: 'VerticalPodAutoscaler', jsonPointers: ['/status'] });
  }
  const kinds = new Set(dir.objects.map((o) => `${o.group}/${o.kind}`));
  fields.push(...INJECTED_CA_BUNDLES.filter((f) => kinds.has(`${f.group}/${f.kind}`)));
  return fields;
}

function labels(platform: Platform, name: string, environment?: string): Record<string, string> {
  return recommendedLabels({
    name,
    instance: name,
    component: 'gitops',
    partOf: platform.partOf,
    extraLabels: environment ? { [ENVIRONMENT_LABEL]: environment } : undefined,
  });
}
