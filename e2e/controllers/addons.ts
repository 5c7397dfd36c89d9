/**
 * Upstream add-ons in the e2e. Each add-on is an Application of a pinned Helm chart from a public
 * chart repository (argocd/apps/application-addon-*.yaml). An add-on whose chart is vendored
 * under test/fixtures/charts/<chart>-<version>/ is served from a local chart repository and
 * rendered by ArgoCD with our typed values ("real chart"); every other add-on is "CRDs only": its
 * Application is left out of the root (with the reason printed), its CRDs are installed from
 * .tools/crds (as `npm run verify` does) and its namespace is created the way the Application's
 * CreateNamespace + managedNamespaceMetadata would, so the FlexTime objects that live there sync.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { Kube, type KubeObject } from './kube.ts';

export interface AddonApp {
  /** Application name (addon-<cluster>-<addon>). */
  readonly app: string;
  readonly file: string;
  readonly chart: string;
  readonly version: string;
  readonly repoURL: string;
  readonly namespace: string;
  readonly namespaceLabels: Record<string, string>;
  /** test/fixtures/charts/<chart>-<version> when vendored. */
  readonly vendoredDir?: string;
}

export function readAddonApps(root: string): AddonApp[] {
  const dir = join(root, 'argocd', 'apps');
  return readdirSync(dir)
    .filter((f) => f.startsWith('application-addon-'))
    .sort()
    .map((f) => ({ f, app: parseYaml(readFileSync(join(dir, f), 'utf8')) }))
    // addon-<cluster>-<addon>-namespace syncs the add-on's dist/addons folder (git), not a chart.
    .filter(({ app }) => app.spec.source?.chart)
    .map(({ f, app }) => {
      const src = app.spec.source;
      const vendored = join(root, 'test', 'fixtures', 'charts', `${src.chart}-${src.targetRevision}`);
      return {
        app: app.metadata.name,
        file: f,
        chart: src.chart,
        version: src.targetRevision,
        repoURL: src.repoURL,
        namespace: app.spec.destination.namespace,
        namespaceLabels: app.spec.syncPolicy?.managedNamespaceMetadata?.labels ?? {},
        vendoredDir: existsSync(join(vendored, 'Chart.yaml')) ? vendored : undefined,
      };
    });
}

export function walkYaml(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export function readObjects(files: string[]): KubeObject[] {
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf8'))
      .map((d) => d.toJS() as KubeObject)
      .filter((o) => o && o.kind),
  );
}

/** Applies CRDs (server-side) and waits until every one is Established. */
export async function installCrds(kube: Kube, crds: KubeObject[], timeoutMs = 60_000): Promise<void> {
  for (const crd of crds) await kube.apply(crd, 'customresourcedefinitions');
  const names = new Set(crds.map((c) => c.metadata!.name as string));
  await kube.waitFor(
    {
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      what: `${names.size} CRDs Established`,
      timeoutMs,
      describe: (objs) => {
        const missing = [...names].filter((n) => !objs.some((o) => o.metadata?.name === n && established(o)));
        return `${missing.length} not Established: ${missing.slice(0, 5).join(', ')}`;
      },
    },
    (objs) => ([...names].every((n) => objs.some((o) => o.metadata?.name === n && established(o))) ? true : undefined),
  );
}

function established(crd: KubeObject): boolean {
  return (crd.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True');
}

/** The scripts/install-tools CRDS project that generates each add-on chart's CRDs. */
export const CRD_PROJECT_OF_CHART: Record<string, string> = {
  'kube-prometheus-stack': 'prometheus-operator',
  'cert-manager': 'cert-manager',
  'external-secrets': 'external-secrets',
  keda: 'keda',
  gatekeeper: 'gatekeeper',
  vpa: 'vertical-pod-autoscaler',
  'argo-rollouts': 'argo-rollouts',
  'chaos-mesh': 'chaos-mesh',
  'policy-controller': 'policy-controller',
};

/**
 * The CRDs of the add-ons that are not rendered from their chart (from .tools/crds and
 * scripts/verify.d/crds, like verify) and the add-ons' namespaces. Not the constraint CRDs:
 * Gatekeeper's manager (gatekeeper.ts) creates them from the ConstraintTemplates.
 */
export async function installCrdsOnlyAddons(kube: Kube, root: string, addons: AddonApp[], realCharts: AddonApp[] = []): Promise<{ crds: number }> {
  // A chart rendered for real installs its own CRDs.
  const skip = new Set(['argo-cd', ...realCharts.map((a) => CRD_PROJECT_OF_CHART[a.chart]).filter(Boolean)]);
  const crdFiles = [
    ...readdirSync(join(root, '.tools', 'crds'), { withFileTypes: true })
      // One folder per project; install-tools' `.done` marker sits beside them.
      .filter((d) => d.isDirectory() && !skip.has(d.name)) // ArgoCD's own CRDs: e2e/controllers/argocd.ts
      .map((d) => d.name)
      .flatMap((d) => walkYaml(join(root, '.tools', 'crds', d))),
    ...walkYaml(join(root, 'scripts', 'verify.d', 'crds')),
  ];
  // The constraint CRDs are Gatekeeper's to create from the ConstraintTemplates ArgoCD syncs
  // (its manager runs in the e2e: gatekeeper.ts).
  const crds = readObjects(crdFiles).filter((o) => o.kind === 'CustomResourceDefinition');
  await installCrds(kube, crds);
  for (const a of addons) {
    await kube.apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: a.namespace, labels: a.namespaceLabels } },
      'namespaces',
    );
  }
  return { crds: crds.length };
}
