/**
 * Data that a rename can delete (issue 19 class 6), over everything rendered:
 * - no Application that can install CRDs (a Helm chart, or a dist/ folder holding a CRD) carries
 *   ArgoCD's cascade-delete finalizer: deleting or renaming it must not delete the CRDs and, with
 *   them, every custom resource;
 * - no ExternalSecret owns its Secret (an owner reference would delete the Secret with it);
 * - a controller that runs more than one replica elects a leader (hand-written table of where each
 *   chart sets replicas and leader election, with the chart's default);
 * - a pod's emptyDir volumes are covered by its ephemeral-storage requests (the restore check
 *   restores production into one) — on shared nodes the scheduler must account for them.
 */
import { describe, expect, it } from 'vitest';
import type { RenderedFile } from '../lib/synth/engine.ts';
import { parseMemory } from '../lib/values/quantity.ts';
import { renderPlatform } from './helpers.ts';

const CASCADE = /^resources-finalizer\.argocd\.argoproj\.io/;

/** Per chart: [replicas path, leader-election path, chart default of leader election]. */
const LEADER_ELECTION: Record<string, Array<[string, string, boolean]>> = {
  'external-secrets': [['replicaCount', 'leaderElect', false]],
  'cert-manager': [['replicaCount', 'global.leaderElection.enabled', true]],
  keda: [['operator.replicaCount', 'operator.leaderElection.enabled', true]],
  'argo-rollouts': [['controller.replicas', 'controller.leaderElection.enabled', true]],
  'aws-load-balancer-controller': [['replicaCount', 'enableLeaderElection', true]],
};

const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

export function dataSafetyProblems(files: readonly RenderedFile[]): string[] {
  const all = files.map((f) => f.object);
  const problems: string[] = [];
  const crdFiles = files.filter((f) => f.object.kind === 'CustomResourceDefinition').map((f) => f.path);
  const distHasCrd = (path: string) => crdFiles.some((p) => p.startsWith(`${path}/`));
  for (const app of all.filter((o) => o.kind === 'Application')) {
    const source = (app.spec as { source?: { chart?: string; path?: string; helm?: { valuesObject?: unknown } } }).source ?? {};
    const finalizers = (app.metadata as { finalizers?: string[] }).finalizers ?? [];
    const installsCrds = source.chart !== undefined || (source.path !== undefined && distHasCrd(source.path));
    if (installsCrds && finalizers.some((f) => CASCADE.test(f))) problems.push(`Application ${app.metadata.name}: installs CRDs and cascades deletes (${finalizers.join(', ')})`);
    for (const [replicas, leader, byDefault] of LEADER_ELECTION[source.chart ?? ''] ?? []) {
      const n = (get(source.helm?.valuesObject, replicas) as number | undefined) ?? 1;
      const elects = (get(source.helm?.valuesObject, leader) as boolean | undefined) ?? byDefault;
      if (n > 1 && !elects) problems.push(`Application ${app.metadata.name}: ${n} replicas (${replicas}) without leader election (${leader})`);
    }
  }
  for (const es of all.filter((o) => o.kind === 'ExternalSecret')) {
    const policy = (es.spec as { target?: { creationPolicy?: string } }).target?.creationPolicy ?? 'Owner';
    if (policy === 'Owner') problems.push(`ExternalSecret ${es.metadata.namespace}/${es.metadata.name}: owns its Secret (creationPolicy Owner), which goes when it goes`);
  }
  for (const o of all.filter((x) => x.kind === 'CronJob' || x.kind === 'Deployment' || x.kind === 'StatefulSet')) {
    const spec = o.kind === 'CronJob' ? (o.spec as { jobTemplate: { spec: { template: { spec: Pod } } } }).jobTemplate.spec.template.spec : (o.spec as { template: { spec: Pod } }).template.spec;
    const dirs = (spec.volumes ?? []).filter((v) => v.emptyDir && v.emptyDir.medium !== 'Memory').reduce((t, v) => t + (parseMemory(v.emptyDir!.sizeLimit ?? '') ?? Infinity), 0);
    const requested = spec.containers.reduce((t, c) => t + (parseMemory(c.resources?.requests?.['ephemeral-storage'] ?? '0') ?? 0), 0);
    if (dirs > requested) problems.push(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}: emptyDirs of ${dirs} bytes, ephemeral-storage requests of ${requested}`);
  }
  return problems;
}
type Pod = { containers: Array<{ resources?: { requests?: Record<string, string> } }>; volumes?: Array<{ emptyDir?: { medium?: string; sizeLimit?: string } }> };

const files = renderPlatform();

describe('data safety', () => {
  it('CRDs outlive their Applications, Secrets outlive their ExternalSecrets, replicated controllers elect a leader, scratch disks are requested', () => {
    expect(files.filter((f) => f.object.kind === 'Application' && (f.object.spec as { source?: { chart?: string } }).source?.chart).length).toBeGreaterThan(10);
    expect(dataSafetyProblems(files)).toEqual([]);
  });

  it('finds planted instances of each', () => {
    const copy = structuredClone(files);
    const planted = copy.map((f) => f.object);
    const eso = planted.find((o) => o.metadata.name === 'addon-flextime-external-secrets')!;
    (eso.metadata as { finalizers?: string[] }).finalizers = ['resources-finalizer.argocd.argoproj.io/foreground'];
    delete ((eso.spec as { source: { helm: { valuesObject: Record<string, unknown> } } }).source.helm.valuesObject).leaderElect;
    const secret = planted.find((o) => o.kind === 'ExternalSecret' && o.metadata.namespace === 'flextime-production')!;
    (secret.spec as { target: { creationPolicy: string } }).target.creationPolicy = 'Owner';
    const restore = planted.find((o) => o.kind === 'CronJob' && o.metadata.name === 'flextime-restore-verify' && o.metadata.namespace === 'flextime-production')!;
    for (const c of (restore.spec as { jobTemplate: { spec: { template: { spec: Pod } } } }).jobTemplate.spec.template.spec.containers) delete c.resources!.requests!['ephemeral-storage'];
    expect(dataSafetyProblems(copy)).toEqual([
      'Application addon-flextime-external-secrets: installs CRDs and cascades deletes (resources-finalizer.argocd.argoproj.io/foreground)',
      'Application addon-flextime-external-secrets: 2 replicas (replicaCount) without leader election (leaderElect)',
      `ExternalSecret flextime-production/${secret.metadata.name}: owns its Secret (creationPolicy Owner), which goes when it goes`,
      expect.stringMatching(/^CronJob flextime-production\/flextime-restore-verify: emptyDirs of \d+ bytes, ephemeral-storage requests of 0$/),
    ]);
  });
});
