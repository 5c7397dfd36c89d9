/**
 * Everything between the e2e cluster and the scenarios that ArgoCD needs: the git server with
 * a clone of this checkout, chart repositories for vendored add-on charts, the upstream proxy
 * the repo-server reaches both through, the add-ons' CRDs ("CRDs only" add-ons), the stand-in
 * volume provisioner, and ArgoCD itself. One call from the e2e global setup; one stop().
 *
 * The root Application is NOT applied here: scenario 1 (bootstrap from empty) does that.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { installCrdsOnlyAddons, readAddonApps, type AddonApp } from './addons.ts';
import { startArgoCd, type ArgoCd } from './argocd.ts';
import { createChartRepos } from './chart-server.ts';
import { DESCHEDULER_CHART, startDescheduler, type Descheduler } from './descheduler.ts';
import { createGitRepo, type GitRepo } from './git-server.ts';
import { Kube, type ClusterAccess } from './kube.ts';
import { startUpstreamProxy, type UpstreamProxy } from './upstream-proxy.ts';
import { toolPath } from '../../test/tools.ts';
import { EBS_PROVISIONER, startVolumeProvisioner, type VolumeProvisioner } from './volume-provisioner.ts';
import { repoSubstitutions, startPlatformControllers, type PlatformController } from './platform-controllers.ts';

/** What the scenario files need (serialisable: handed from the global setup via vitest provide). */
export interface GitOpsHandle {
  readonly kubeconfig: string;
  readonly server: string;
  readonly root: string;
  /** Public URL of the repository the Applications sync (served locally). */
  readonly repoURL: string;
  /** Working clone: scenarios commit here and push main to the served repository. */
  readonly gitWorkdir: string;
  readonly initialCommit: string;
  /** Files the served repository carries in another form (platform-controllers.ts repoSubstitutions). */
  readonly substituted: string[];
  /** Add-on Applications left out of the root, with the reason. */
  readonly excluded: { file: string; app: string; reason: string }[];
  /** Add-ons rendered by ArgoCD from their real (vendored) chart. */
  readonly realCharts: string[];
  /** How this ArgoCD differs from terraform-bootstrap's install. */
  readonly differences: string[];
  /** Stand-ins the e2e added for objects nothing renders yet (printed in the report). */
  readonly standIns: string[];
  readonly workDir: string;
  /** Port of ArgoCD's redis, to read the controller's cached diffs (argocd-diff-cache.ts). */
  readonly argocdRedisPort: number;
  /** handle of each platform controller that runs (platform-controllers.ts), by name. */
  readonly controllers: Record<string, Record<string, unknown>>;
}

export interface GitOps {
  readonly handle: GitOpsHandle;
  readonly argocd: ArgoCd;
  readonly git: GitRepo;
  readonly proxy: UpstreamProxy;
  readonly provisioner: VolumeProvisioner;
  readonly descheduler: Descheduler;
  readonly controllers: readonly PlatformController[];
  stop(): Promise<void>;
}

/**
 * The StorageClass the EBS CSI driver stand-in serves. Until dist/ renders a StorageClass
 * (issue 16 adds gp3), the e2e creates this one and says so in the report.
 */
export const STAND_IN_STORAGE_CLASS = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: {
    name: 'gp3',
    annotations: { 'storageclass.kubernetes.io/is-default-class': 'true', 'flextime.io/e2e-stand-in': 'dist renders no StorageClass yet (issue 16 adds gp3)' },
  },
  provisioner: EBS_PROVISIONER,
  parameters: { type: 'gp3', encrypted: 'true' },
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
  allowVolumeExpansion: true,
};

function renderedStorageClasses(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.startsWith('storageclass-') && e.name.endsWith('.yaml')) out.push(parseYaml(readFileSync(p, 'utf8')).metadata.name);
    }
  };
  walk(join(root, 'dist'));
  return out;
}

export async function startGitOps(
  cluster: ClusterAccess,
  opts: { root: string; workDir: string; log?: (line: string) => void },
): Promise<GitOps> {
  const log = opts.log ?? ((l: string) => console.log(`[e2e] ${l}`));
  mkdirSync(opts.workDir, { recursive: true });
  const rootApp = parseYaml(readFileSync(join(opts.root, 'argocd', 'bootstrap', 'application-flextime-root.yaml'), 'utf8'));
  const repoURL: string = (rootApp.spec.sources ?? [rootApp.spec.source])[0].repoURL;

  const substitutions = repoSubstitutions(opts.root);
  const git = createGitRepo({ source: opts.root, dir: join(opts.workDir, 'git'), url: repoURL, substitutions, log });
  const addons = readAddonApps(opts.root);
  const helm = join(opts.root, '.tools', 'bin', 'helm');
  const vendored = addons.filter((a) => a.vendoredDir);
  if (vendored.length && !existsSync(helm)) throw new Error(`${helm} missing: run scripts/install-tools helm (needed for ${vendored.map((a) => a.chart).join(', ')})`);
  const charts = createChartRepos({ addons, dir: join(opts.workDir, 'charts'), helm, log });
  const proxy = await startUpstreamProxy({ dir: join(opts.workDir, 'upstream-tls'), routes: { [git.host]: git.handler, ...charts.routes }, log });

  const crdsOnly: AddonApp[] = addons.filter((a) => !a.vendoredDir);
  const excluded = crdsOnly.map((a) => ({
    file: a.file,
    app: a.app,
    reason: `CRDs only: chart ${a.chart} ${a.version} (${a.repoURL}) is not vendored under test/fixtures/charts/`,
  }));

  const kube = new Kube(cluster);
  const standIns: string[] = [];
  const { crds } = await installCrdsOnlyAddons(kube, opts.root, crdsOnly, vendored);
  log(`add-ons: ${crdsOnly.length} CRDs only (${crds} CRDs installed), ${vendored.length} from their real chart`);
  if (renderedStorageClasses(opts.root).length === 0) {
    await kube.apply(STAND_IN_STORAGE_CLASS, 'storageclasses');
    standIns.push(`StorageClass gp3 (default, ${EBS_PROVISIONER}, WaitForFirstConsumer): dist/ renders none yet (issue 16 adds it)`);
  }
  const provisioner = startVolumeProvisioner(kube, log);

  let controllers: PlatformController[] = [];
  let argocd: ArgoCd;
  try {
    controllers = await startPlatformControllers({ kube, cluster, root: opts.root, workDir: join(opts.workDir, 'controllers'), addons, log });
    argocd = await startArgoCd({
      root: opts.root,
      workDir: join(opts.workDir, 'argocd'),
      cluster,
      upstreamEnv: proxy.env(),
      assessed: controllers.flatMap((c) => c.assesses),
      log,
    });
  } catch (e) {
    await Promise.allSettled(controllers.map((c) => c.stop()));
    provisioner.stop();
    await proxy.stop();
    throw e;
  }
  const descheduler = startDescheduler(kube, {
    addon: addons.find((a) => a.chart === DESCHEDULER_CHART),
    binary: toolPath('descheduler'),
    binaryExists: existsSync(toolPath('descheduler')),
    kubeconfig: cluster.kubeconfig,
    workDir: join(opts.workDir, 'descheduler'),
    log,
  });
  const handle: GitOpsHandle = {
    kubeconfig: cluster.kubeconfig,
    server: cluster.server,
    root: opts.root,
    repoURL,
    gitWorkdir: git.workdir,
    initialCommit: git.initialCommit,
    substituted: substitutions.map((s) => s.file),
    excluded,
    realCharts: charts.served,
    differences: [
      ...argocd.describeDifferences(),
      ...substitutions.map((s) => `served repository, commit ${git.initialCommit.slice(0, 12)} on top of this checkout: ${s.file} — ${s.reason}`),
      ...controllers.flatMap((c) => c.differences),
      descheduler.difference ?? `descheduler not running: ${descheduler.skipped}`,
      ...excluded.map((x) => `root leaves out argocd/apps/${x.file}: ${x.reason}`),
    ],
    standIns,
    workDir: opts.workDir,
    argocdRedisPort: argocd.redisPort,
    controllers: Object.fromEntries(controllers.map((c) => [c.name, c.handle])),
  };
  return {
    handle,
    argocd,
    git,
    proxy,
    provisioner,
    descheduler,
    controllers,
    stop: async () => {
      await descheduler.stop();
      await Promise.allSettled(controllers.map((c) => c.stop()));
      provisioner.stop();
      await argocd.stop();
      await proxy.stop();
      if (proxy.refused.length) log(`upstream proxy refused: ${[...new Set(proxy.refused)].join(', ')}`);
    },
  };
}
