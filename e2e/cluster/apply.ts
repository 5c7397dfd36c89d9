/**
 * Applies the rendered platform (dist/) to the e2e cluster without ArgoCD — the fallback the
 * node scenarios use when no ArgoCD bootstrap ran before them in the same cluster. Same order
 * as scripts/verify: CRDs the objects use (.tools/crds, scripts/verify.d/crds, the constraint
 * CRDs Gatekeeper would generate), the rendered Namespaces for real (Pod Security labels), any
 * other referenced namespace, then every object with server-side apply (the pinned kubectl).
 *
 * Controllers that do not run here have stand-ins, each named in the summary:
 * - Argo Rollouts (only when its controller does not run, see e2e/controllers/argo-rollouts.ts):
 *   a Rollout's pod template runs as a Deployment of the same name, labelled
 *   `flextime.io/e2e-stand-in: argo-rollouts`, at the replicas its HPA's minReplicas asks for
 *   (as verify dry-runs it): the PDB and Service select its pods exactly as they would the
 *   Rollout's. No canary steps, no analysis.
 * - KEDA, where it does not run (no ArgoCD; with ArgoCD it runs for real, e2e/controllers/keda.ts):
 *   each ScaledObject's target is scaled to its minReplicaCount (KEDA's floor with an empty
 *   queue); no scaling on the Redis list.
 * - HPA: kube-controller-manager's own HPA controller holds minReplicas (no metrics-server, so
 *   it never scales on CPU).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ROOT, toolPath } from '../../test/tools.ts';
import type { Cluster } from './control-plane.ts';
import type { KubeObject } from './kube.ts';

const run = promisify(execFile);
export const FIELD_MANAGER = 'flextime-e2e';
export const STAND_IN_LABEL = 'flextime.io/e2e-stand-in';

export interface ApplySummary {
  objects: number;
  crds: number;
  namespaces: string[];
  standIns: string[];
  /** Files not applied because the API server does not serve their kind (no CRD). */
  skipped: string[];
  seconds: number;
}

export function walk(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : /\.ya?ml$/.test(e) ? [p] : [];
  });
}

export function readObjects(files: string[]): Array<{ file: string; obj: KubeObject }> {
  return files.flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJSON() as KubeObject | null)
    .filter((o): o is KubeObject => !!o && !!o.kind)
    .map((obj) => ({ file, obj })));
}

const groupOf = (o: { apiVersion?: string }): string => (o.apiVersion?.includes('/') ? o.apiVersion.split('/')[0] : '');

async function kubectl(cluster: Cluster, ...args: string[]): Promise<string> {
  try {
    const r = await run(toolPath('kubectl'), [`--kubeconfig=${cluster.kubeconfig}`, ...args], { maxBuffer: 64 << 20 });
    return r.stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.slice(0, 3).join(' ')} … failed: ${(err.stderr || err.message).trim().slice(0, 2000)}`);
  }
}

const applyArgs = ['apply', '--server-side', '--force-conflicts', `--field-manager=${FIELD_MANAGER}`];

/** Applies dist/ (or `dirs`) and returns what it did; throws on any rejected object. */
export async function applyRendered(cluster: Cluster, opts: { dirs?: string[]; log?: (m: string) => void } = {}): Promise<ApplySummary> {
  const t0 = Date.now();
  const log = opts.log ?? ((m: string) => process.stderr.write(`[e2e-apply] ${m}\n`));
  const dirs = (opts.dirs ?? [join(ROOT, 'dist')]).filter(existsSync);
  const files = dirs.flatMap(walk);
  const objects = readObjects(files);

  // CRDs the objects use.
  const used = new Set(objects.map(({ obj }) => `${groupOf(obj)}/${obj.kind}`));
  const crdDirs = [join(ROOT, '.tools/crds'), join(ROOT, 'scripts/verify.d/crds')].filter(existsSync);
  const crdFiles = crdDirs.flatMap(walk).filter((f) => {
    const text = readFileSync(f, 'utf8');
    const group = text.match(/^ {2}group: ['"]?([^\s'"]+)/m)?.[1];
    const kind = text.match(/^ {2}names:\n(?: {4}.*\n)*? {4}kind: ['"]?([^\s'"]+)/m)?.[1];
    return !group || !kind || used.has(`${group}/${kind}`);
  });
  for (let i = 0; i < crdFiles.length; i += 40) await kubectl(cluster, ...applyArgs, ...crdFiles.slice(i, i + 40).flatMap((f) => ['-f', f]));
  const templates = objects.filter(({ obj }) => obj.kind === 'ConstraintTemplate');
  let constraintCrds = 0;
  if (templates.length) {
    // The CRD Gatekeeper generates per template (shared with scripts/verify).
    const modPath = join(ROOT, 'scripts/verify.d/gatekeeper-constraint-crd.mjs');
    const { constraintCrd } = (await import(modPath)) as { constraintCrd: (t: unknown) => KubeObject | undefined };
    for (const { obj } of templates) {
      const crd = constraintCrd(obj);
      if (crd) { await cluster.kube.apply(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`, crd); constraintCrds++; }
    }
  }
  if (crdFiles.length || constraintCrds) await kubectl(cluster, 'wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all');

  // Namespaces: rendered ones first (their Pod Security labels apply), then referenced ones.
  const rendered = objects.filter(({ obj }) => obj.kind === 'Namespace');
  for (const { obj } of rendered) await cluster.kube.apply(`/api/v1/namespaces/${obj.metadata.name}`, obj);
  const builtin = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', ...rendered.map(({ obj }) => obj.metadata.name)]);
  const extra = [...new Set(objects.map(({ obj }) => obj.metadata.namespace).filter((n): n is string => !!n && !builtin.has(n)))].sort();
  for (const n of extra) await cluster.kube.apply(`/api/v1/namespaces/${n}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } });

  // Kinds the API server serves now; a file with any other kind (its CRD is not installed:
  // .tools/crds missing) is skipped and reported, never silently.
  const served = new Set((await kubectl(cluster, 'api-resources', '--no-headers', '-o', 'wide')).split('\n').filter(Boolean).map((l) => {
    const cols = l.trim().split(/\s+/);
    const kind = cols.find((c, i) => i > 0 && /^[A-Z]/.test(c) && c !== 'true' && c !== 'false')!;
    const apiVersion = cols.find((c) => /^[a-z0-9.-]*\/?v[0-9]/.test(c))!;
    return `${apiVersion.includes('/') ? apiVersion.split('/')[0] : ''}/${kind}`;
  }));
  const skipped = files.filter((f) => objects.some((o) => o.file === f && !served.has(`${groupOf(o.obj)}/${o.obj.kind}`)));
  if (skipped.length) log(`NOT applied, no CRD installed for their kind (run scripts/install-tools crds): ${skipped.map((f) => relative(ROOT, f)).join(', ')}`);

  // Everything else, one kubectl per folder (PriorityClasses and other cluster objects first).
  const rest = files.filter((f) => !rendered.some((r) => r.file === f) && !skipped.includes(f));
  const byDir = new Map<string, string[]>();
  for (const f of rest) {
    const d = relative(ROOT, f).split('/').slice(0, -1).join('/');
    byDir.set(d, [...(byDir.get(d) ?? []), f]);
  }
  const order = [...byDir.keys()].sort((a, b) => Number(!a.startsWith('dist/cluster')) - Number(!b.startsWith('dist/cluster')) || a.localeCompare(b));
  const errors: string[] = [];
  await Promise.all([0, 1, 2].map(async (w) => {
    for (let i = w; i < order.length; i += 3) {
      try { await kubectl(cluster, ...applyArgs, ...byDir.get(order[i])!.flatMap((f) => ['-f', f])); } catch (e) { errors.push(`${order[i]}: ${(e as Error).message}`); }
    }
  }));
  if (errors.length) throw new Error(`applying the rendered objects failed:\n${errors.join('\n')}`);

  const standIns = await applyStandIns(cluster, objects.map((o) => o.obj));
  const summary = { objects: objects.length, crds: crdFiles.length + constraintCrds, namespaces: [...rendered.map(({ obj }) => obj.metadata.name), ...extra], standIns, skipped: skipped.map((f) => relative(ROOT, f)), seconds: (Date.now() - t0) / 1000 };
  log(`applied ${summary.objects - skipped.length} objects (${summary.crds} CRDs, ${summary.namespaces.length} namespaces) in ${summary.seconds.toFixed(1)} s; stand-ins: ${standIns.join('; ') || 'none'}`);
  return summary;
}

/** The Lease the Argo Rollouts controller holds while it leads (v1.8.3 controller/controller.go). */
export const ROLLOUTS_LEADER_LEASE = 'argo-rollouts-controller-lock';

/** Is a real Argo Rollouts controller leading in this cluster (e2e/controllers/argo-rollouts.ts)? */
async function rolloutsControllerLeads(cluster: Cluster): Promise<boolean> {
  const { items } = await cluster.kube.list('/apis/coordination.k8s.io/v1/leases');
  return items.some((l) => l.metadata.name === ROLLOUTS_LEADER_LEASE && !!l.spec?.holderIdentity);
}

/**
 * Stand-ins for the Argo Rollouts and KEDA controllers (see the module comment). `kedaRuns`:
 * the real KEDA runs (e2e/controllers/keda.ts) and its HPAs own the replica counts.
 */
export async function applyStandIns(cluster: Cluster, objects: KubeObject[], opts: { kedaRuns?: boolean } = {}): Promise<string[]> {
  const out: string[] = [];
  const hpaMin = new Map(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')
    .map((h) => [`${h.metadata.namespace}/${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`, h.spec.minReplicas as number]));
  // With the real controller running, the Rollouts run their own pods: a stand-in would double them.
  const realRollouts = await rolloutsControllerLeads(cluster);
  for (const r of objects.filter((o) => o.kind === 'Rollout' && !realRollouts)) {
    const ns = r.metadata.namespace!;
    const replicas = hpaMin.get(`${ns}/Rollout/${r.metadata.name}`) ?? r.spec.replicas ?? 1;
    await cluster.kube.apply(`/apis/apps/v1/namespaces/${ns}/deployments/${r.metadata.name}`, {
      apiVersion: 'apps/v1', kind: 'Deployment',
      // The Rollout's own labels (the platform's required labels: Gatekeeper's required-labels-deny
      // refuses a Deployment without them) plus the stand-in mark; ArgoCD tracks by annotation.
      metadata: { name: r.metadata.name, namespace: ns, labels: { ...r.metadata.labels, 'app.kubernetes.io/name': r.metadata.labels?.['app.kubernetes.io/name'] ?? r.metadata.name, [STAND_IN_LABEL]: 'argo-rollouts' } },
      spec: {
        replicas, selector: r.spec.selector, template: r.spec.template,
        ...(r.spec.minReadySeconds ? { minReadySeconds: r.spec.minReadySeconds } : {}),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      },
    });
    out.push(`Rollout ${ns}/${r.metadata.name} → Deployment × ${replicas}`);
  }
  for (const so of objects.filter((o) => o.kind === 'ScaledObject' && !opts.kedaRuns)) {
    const ns = so.metadata.namespace!;
    const target = so.spec.scaleTargetRef as { kind?: string; name: string };
    const min = (so.spec.minReplicaCount as number | undefined) ?? 0;
    if ((target.kind ?? 'Deployment') !== 'Deployment') continue;
    await cluster.kube.mergePatch(`/apis/apps/v1/namespaces/${ns}/deployments/${target.name}/scale`, { spec: { replicas: min } });
    out.push(`ScaledObject ${ns}/${so.metadata.name} → ${target.name} × ${min}`);
  }
  return out;
}
