/**
 * A real ArgoCD for the e2e: argocd-repo-server and argocd-application-controller (the pinned
 * build scripts/install-tools makes, tools/argo-cd: v2.14.21, see its go.mod for why not v3.3)
 * run as local processes against the e2e API server, with a local redis-server for their cache.
 *
 * Installed the way terraform-bootstrap/cluster/argocd.tf installs it:
 *   - CRDs of the pinned argo-cd module (.tools/crds/argo-cd, the ones verify checks against);
 *   - namespace argocd; argocd-cm / argocd-rbac-cm / argocd-cmd-params-cm with the data the Helm
 *     chart renders by default (argocd-chart-defaults.yaml, copied from the chart at the version
 *     argocd.tf pins) plus the keys argocd.tf sets, read from argocd.tf itself (the Application
 *     health Lua);
 *   - the root Application of argocd/bootstrap, as committed, except for the add-on
 *     Applications the caller leaves out (directory.exclude on the argocd/apps source).
 * Differences from that install, all printed by describeDifferences():
 *   - the destination https://kubernetes.default.svc is this API server: the controller runs
 *     outside the cluster with ARGOCD_FAKE_IN_CLUSTER=true and KUBECONFIG (ArgoCD's own switch for
 *     running the controller locally), so no cluster Secret is needed;
 *   - health checks of kinds whose controller is not running in the e2e (HEALTH_NOT_ASSESSED)
 *     return Healthy with a message naming the missing controller, so waves are not blocked by
 *     something the e2e cannot provide — every such resource is counted and reported;
 *   - the repo-server reaches github.com and the chart repositories only through the e2e's
 *     upstream proxy (upstream-proxy.ts).
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';
import { installCrds, readObjects } from './addons.ts';
import { Kube, kubePath, type ClusterAccess, type KubeObject } from './kube.ts';
import { freePort, startProcess, waitForPort, type Proc } from './processes.ts';

export const ARGOCD_NAMESPACE = 'argocd';
const APPS = kubePath('argoproj.io/v1alpha1', 'applications', ARGOCD_NAMESPACE);

/** A kind whose health ArgoCD reads from a controller's status, and that controller. */
export interface HealthNotAssessed {
  readonly group: string;
  readonly kind: string;
  /** The controller that would set the status ArgoCD's health check reads. */
  readonly controller: string;
}

/**
 * Kinds whose health would stay Progressing (or Degraded) forever here because the controller
 * that writes their status does not run in the e2e (issue 18 adds them). Their health is
 * replaced by "Healthy, not assessed: <controller> is not running in the e2e".
 */
export const HEALTH_NOT_ASSESSED: readonly HealthNotAssessed[] = [
  { group: 'external-secrets.io', kind: 'ExternalSecret', controller: 'External Secrets Operator' },
  { group: 'external-secrets.io', kind: 'ClusterSecretStore', controller: 'External Secrets Operator' },
  { group: 'external-secrets.io', kind: 'SecretStore', controller: 'External Secrets Operator' },
  { group: 'cert-manager.io', kind: 'Certificate', controller: 'cert-manager' },
  { group: 'cert-manager.io', kind: 'ClusterIssuer', controller: 'cert-manager' },
  { group: 'keda.sh', kind: 'ScaledObject', controller: 'KEDA' },
  { group: 'argoproj.io', kind: 'Rollout', controller: 'Argo Rollouts' },
  { group: 'networking.k8s.io', kind: 'Ingress', controller: 'ingress-nginx (no load balancer address)' },
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler', controller: 'metrics-server (simulated pods report no metrics)' },
];

/**
 * The e2e runs ArgoCD v2.14 (tools/argo-cd/go.mod says why not v3.3, which terraform-bootstrap
 * installs). Argo CD 3.0 changed these defaults; the e2e sets them explicitly so v2.14 behaves
 * like the v3.3 install (docs/operator-manual/upgrading/2.14-3.0.md).
 */
export const V3_DEFAULTS: Readonly<Record<string, string>> = {
  'application.resourceTrackingMethod': 'annotation',
  'resource.ignoreResourceUpdatesEnabled': 'true',
  // v3 util/settings GetDefaultDiffOptions. Without `ignoreResourceStatusField: all`, a
  // ServerSideDiff made while a controller writes an object's status (the quota controller on a
  // new ResourceQuota, Gatekeeper on a new constraint) differs in .status; that status-only update
  // is an ignored resource update, so nothing recomputes the cached diff and the Application
  // stays OutOfSync until its periodic reconcile (seen in a fresh-clone run of scenario 1).
  'resource.compareoptions': 'ignoreAggregatedRoles: false\nignoreResourceStatusField: all\nignoreDifferencesOnResourceUpdates: true\n',
};

export const NOT_ASSESSED_PREFIX = 'not assessed in the e2e:';

function notAssessedLua(h: HealthNotAssessed): string {
  return `hs = {}\nhs.status = "Healthy"\nhs.message = "${NOT_ASSESSED_PREFIX} ${h.controller} is not running (issue 18)"\nreturn hs\n`;
}

/** argocd-cm keys argocd.tf sets (configs.cm of the helm_release), with their values from its locals. */
export async function terraformArgocdCm(root: string): Promise<Record<string, string>> {
  const file = join(root, 'terraform-bootstrap', 'cluster', 'argocd.tf');
  const text = readFileSync(file, 'utf8');
  const hcl = await parseHcl('argocd.tf', text);
  const locals = Object.assign({}, ...(hcl.locals ?? []));
  const values: string = JSON.stringify(hcl.resource?.helm_release?.argocd?.[0]?.values ?? '');
  const out: Record<string, string> = {};
  for (const m of values.matchAll(/\\"([a-z][\w.\-/]+)\\" = local\.(\w+)/g)) {
    const v = locals[m[2]];
    if (typeof v !== 'string') throw new Error(`${file}: configs.cm "${m[1]}" = local.${m[2]}: local not found`);
    out[m[1]] = v;
  }
  if (!out['resource.customizations.health.argoproj.io_Application']) {
    throw new Error(`${file}: expected configs.cm to set resource.customizations.health.argoproj.io_Application, saw keys ${Object.keys(out).join(', ') || '(none)'}`);
  }
  return out;
}

export interface ArgoCdOptions {
  /** This checkout: tools, argocd/, terraform-bootstrap/. */
  readonly root: string;
  /** Scratch directory for logs, redis and the repo-server's checkouts. */
  readonly workDir: string;
  readonly cluster: ClusterAccess;
  /** Environment that routes the repo-server's git and Helm traffic (upstream-proxy.ts). */
  readonly upstreamEnv: Record<string, string>;
  /** Extra argocd-cm data (e.g. nothing, or faster reconciliation in a scenario). */
  readonly extraCm?: Record<string, string>;
  /** Kinds whose controller runs in the e2e (platform-controllers.ts): their health is assessed for real. */
  readonly assessed?: readonly { group: string; kind: string }[];
  readonly log?: (line: string) => void;
}

export interface ArgoCd {
  readonly kube: Kube;
  readonly processes: readonly Proc[];
  /** argocd-cm as installed. */
  readonly cm: Record<string, string>;
  /** Port of the controller's redis (its cached diffs: argocd-diff-cache.ts). */
  readonly redisPort: number;
  /** The e2e's deviations from terraform-bootstrap's install, one line each. */
  describeDifferences(): string[];
  /** Applies argocd/bootstrap's root Application, leaving out the named argocd/apps files. */
  applyRoot(opts: { exclude: readonly { file: string; reason: string }[] }): Promise<KubeObject>;
  apps(): Promise<KubeObject[]>;
  app(name: string): Promise<KubeObject | undefined>;
  stop(): Promise<void>;
}

function tool(root: string, name: string): string {
  return process.env[name.toUpperCase().replace(/-/g, '_')] ?? join(root, '.tools', 'bin', name);
}

export async function startArgoCd(opts: ArgoCdOptions): Promise<ArgoCd> {
  const log = opts.log ?? (() => {});
  const kube = new Kube(opts.cluster);
  const dir = (...p: string[]) => {
    const d = join(opts.workDir, ...p);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const started: Proc[] = [];
  let redisPort = 0;

  // ---- objects ----------------------------------------------------------------------------
  const crdDir = join(opts.root, '.tools', 'crds', 'argo-cd');
  const crds = readObjects(readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).map((f) => join(crdDir, f)));
  if (!crds.some((c) => c.spec?.names?.kind === 'Application')) throw new Error(`${crdDir}: no Application CRD (run scripts/install-tools crds)`);
  await installCrds(kube, crds);
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ARGOCD_NAMESPACE } }, 'namespaces');

  const defaults = parseYaml(readFileSync(join(import.meta.dirname, 'argocd-chart-defaults.yaml'), 'utf8'));
  const str = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
  const fromTerraform = await terraformArgocdCm(opts.root);
  const notAssessedKinds = HEALTH_NOT_ASSESSED.filter((h) => !(opts.assessed ?? []).some((a) => a.group === h.group && a.kind === h.kind));
  const notAssessed = Object.fromEntries(notAssessedKinds.map((h) => [`resource.customizations.health.${h.group}_${h.kind}`, notAssessedLua(h)]));
  const cm = { ...V3_DEFAULTS, ...str(defaults['argocd-cm']), ...fromTerraform, ...notAssessed, ...opts.extraCm };
  const partOf = { 'app.kubernetes.io/part-of': 'argocd' };
  const cmObj = (name: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ARGOCD_NAMESPACE, labels: { ...partOf, 'app.kubernetes.io/name': name } },
    data,
  });
  await kube.apply(cmObj('argocd-cm', cm), 'configmaps');
  await kube.apply(cmObj('argocd-rbac-cm', str(defaults['argocd-rbac-cm'])), 'configmaps');
  await kube.apply(cmObj('argocd-cmd-params-cm', str(defaults['argocd-cmd-params-cm'] ?? {})), 'configmaps');
  await kube.apply(
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'argocd-secret', namespace: ARGOCD_NAMESPACE, labels: { ...partOf, 'app.kubernetes.io/name': 'argocd-secret' } }, type: 'Opaque' },
    'secrets',
  );

  // The `default` AppProject (the root Application's project) is created by argocd-server when it
  // starts; the e2e runs no argocd-server, so it creates the same object (server/server.go
  // initializeDefaultProject: everything allowed).
  await kube.apply(
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'default', namespace: ARGOCD_NAMESPACE },
      spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] },
    },
    'appprojects',
  );

  // ---- processes --------------------------------------------------------------------------
  const stopAll = async () => {
    for (const p of [...started].reverse()) await p.stop();
  };
  try {
    redisPort = await freePort();
    const redis = startProcess('redis-server', 'redis-server', ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no', '--dir', dir('redis')], {
      logFile: join(opts.workDir, 'redis.log'),
    });
    started.push(redis);
    await waitForPort(redis, redisPort, 15_000);

    const repoPort = await freePort();
    const repoServer = startProcess(
      'argocd-repo-server',
      tool(opts.root, 'argocd-repo-server'),
      ['--port', String(repoPort), '--address', '127.0.0.1', '--metrics-address', '127.0.0.1', '--metrics-port', String(await freePort()), '--redis', `127.0.0.1:${redisPort}`, '--disable-tls', '--loglevel', 'info'],
      {
        logFile: join(opts.workDir, 'argocd-repo-server.log'),
        env: {
          ...opts.upstreamEnv,
          PATH: `${join(opts.root, '.tools', 'bin')}:${process.env.PATH}`,
          TMPDIR: dir('repo-server-tmp'),
          ARGOCD_GPG_ENABLED: 'false',
          ARGOCD_TLS_DATA_PATH: dir('tls'),
          ARGOCD_SSH_DATA_PATH: dir('ssh'),
          ARGOCD_GNUPGHOME: dir('gnupg'),
          HELM_CACHE_HOME: dir('helm', 'cache'),
          HELM_CONFIG_HOME: dir('helm', 'config'),
          HELM_DATA_HOME: dir('helm', 'data'),
        },
      },
    );
    started.push(repoServer);
    await waitForPort(repoServer, repoPort, 60_000);

    const controller = startProcess(
      'argocd-application-controller',
      tool(opts.root, 'argocd-application-controller'),
      [
        '--namespace', ARGOCD_NAMESPACE,
        '--repo-server', `127.0.0.1:${repoPort}`,
        '--repo-server-plaintext',
        '--redis', `127.0.0.1:${redisPort}`,
        '--metrics-port', String(await freePort()),
        '--status-processors', '20',
        '--operation-processors', '10',
        '--loglevel', 'info',
      ],
      {
        logFile: join(opts.workDir, 'argocd-application-controller.log'),
        env: { KUBECONFIG: opts.cluster.kubeconfig, ARGOCD_FAKE_IN_CLUSTER: 'true', TMPDIR: dir('controller-tmp') },
      },
    );
    started.push(controller);
    log(`argocd: redis :${redisPort}, repo-server :${repoPort}, application-controller (logs in ${opts.workDir})`);
  } catch (e) {
    await stopAll();
    throw e;
  }

  let excluded: readonly { file: string; reason: string }[] = [];

  return {
    kube,
    processes: started,
    cm,
    redisPort,
    describeDifferences: () => [
      'ArgoCD v2.14.21, not v3.3 (v3 does not build from the module proxy: tools/argo-cd/go.mod); v3 defaults set explicitly: ' +
        Object.entries(V3_DEFAULTS).map(([k, v]) => `${k}=${v.trim().replaceAll('\n', '; ')}`).join(', ') +
        '; v2.14 ignores AppProject clusterResourceWhitelist names (≥ 3.2) and has no CronJob health check (≥ 3.2)',
      'destination https://kubernetes.default.svc = the e2e API server (ARGOCD_FAKE_IN_CLUSTER=true + KUBECONFIG)',
      'repo-server reaches github.com and chart repositories through the e2e upstream proxy only',
      ...notAssessedKinds.map((h) => `health of ${h.group}/${h.kind} not assessed: ${h.controller} is not running (issue 18)`),
      ...excluded.map((x) => `root leaves out argocd/apps/${x.file}: ${x.reason}`),
      ...Object.keys(opts.extraCm ?? {}).map((k) => `argocd-cm ${k} = ${opts.extraCm![k]}`),
    ],
    applyRoot: async ({ exclude }) => {
      excluded = exclude;
      return kube.apply(rootApplication(opts.root, exclude.map((x) => x.file)), 'applications');
    },
    apps: () => kube.list(APPS),
    app: (name) => kube.find(`${APPS}/${name}`),
    stop: stopAll,
  };
}

export const APPLICATIONS_PATH = APPS;

/**
 * argocd/bootstrap's root Application as committed, with the given argocd/apps files left out
 * (directory.exclude on its argocd/apps source) — what the e2e applies instead of Terraform.
 */
export function rootApplication(root: string, excludeFiles: readonly string[]): KubeObject {
  const app = parseYaml(readFileSync(join(root, 'argocd', 'bootstrap', 'application-flextime-root.yaml'), 'utf8')) as KubeObject;
  const sources: KubeObject[] = app.spec.sources ?? [app.spec.source];
  const apps = sources.find((s) => s.path === 'argocd/apps');
  if (!apps) throw new Error('argocd/bootstrap root Application: expected a source with path argocd/apps');
  if (excludeFiles.length) apps.directory = { ...apps.directory, exclude: `{${excludeFiles.join(',')}}` };
  return app;
}
