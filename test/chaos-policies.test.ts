/**
 * Experiments the platform itself would forbid (issue 19 class 7). For every rendered Chaos Mesh
 * Schedule, the objects its effect makes the API server admit are derived and run through gator
 * with the platform's own Constraints: pod-kill → the replacement pod (the workload's template);
 * pod-failure → the target pod with every image swapped for Chaos Mesh's pause image (read from
 * the chaos-mesh Application's values; the chart's default when unset); network chaos changes no
 * object. And each experiment's stated expectation must be true: actions that delete or break pods
 * directly bypass PodDisruptionBudgets, so they may take down at most what the PDB would let go,
 * and their expectation must not claim a PDB stops them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { objects, renderPlatform } from './helpers.ts';
import { requireTool, ROOT, skipWithout } from './tools.ts';

/** Chaos Mesh 2.7.2 values.yaml: `controllerManager.podChaos.podFailure.pauseImage`. */
const CHART_DEFAULT_PAUSE_IMAGE = 'gcr.io/google-containers/pause:latest';
/** Actions that remove or break pods without the eviction API (so without PDBs). */
const BYPASS_PDB = new Set(['pod-kill', 'pod-failure', 'container-kill']);

type Template = { metadata: { labels: Record<string, string> }; spec: { containers: Array<{ image: string }>; initContainers?: Array<{ image: string }> } };
type Schedule = KubeObject & { spec: { type: string; podChaos?: { action: string; mode: string; value?: string; selector: { namespaces: string[]; labelSelectors: Record<string, string> } } } };

function target(all: readonly KubeObject[], s: Schedule): KubeObject & { spec: { template: Template; replicas?: number } } | undefined {
  const sel = s.spec.podChaos!.selector;
  return all.find((o) => ['Deployment', 'StatefulSet', 'Rollout'].includes(o.kind) && sel.namespaces.includes(o.metadata.namespace!)
    && Object.entries(sel.labelSelectors).every(([k, v]) => (o.spec as { template: Template }).template.metadata.labels[k] === v)) as never;
}

/** Pods the API server must admit because of each PodChaos experiment. */
export function chaosEffects(all: readonly KubeObject[]): KubeObject[] {
  const chaosApp = all.find((o) => o.kind === 'Application' && (o.spec as { source?: { chart?: string } }).source?.chart === 'chaos-mesh');
  const pause = ((chaosApp?.spec as { source: { helm: { valuesObject: { controllerManager?: { podChaos?: { podFailure?: { pauseImage?: string } } } } } } } | undefined)
    ?.source.helm.valuesObject.controllerManager?.podChaos?.podFailure?.pauseImage) ?? CHART_DEFAULT_PAUSE_IMAGE;
  const pods: KubeObject[] = [];
  for (const s of all.filter((o): o is Schedule => o.kind === 'Schedule' && o.apiVersion.startsWith('chaos-mesh.org/'))) {
    const action = s.spec.podChaos?.action;
    if (!action) continue; // NetworkChaos, StressChaos…: no object changes
    const t = target(all, s);
    if (!t) throw new Error(`Schedule ${s.metadata.name} selects no rendered workload`);
    const spec = structuredClone(t.spec.template.spec);
    if (action === 'pod-failure') for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) c.image = pause;
    pods.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${s.metadata.name}-effect`, namespace: t.metadata.namespace, labels: t.spec.template.metadata.labels }, spec } as KubeObject);
  }
  return pods;
}

/** Experiments whose stated expectation or size contradicts what their action does. */
export function falseExpectations(all: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const s of all.filter((o): o is Schedule => o.kind === 'Schedule' && o.apiVersion.startsWith('chaos-mesh.org/'))) {
    const action = s.spec.podChaos?.action;
    if (!action || !BYPASS_PDB.has(action)) continue;
    const said = s.metadata.annotations?.['chaos.flextime.io/expected-outcome'] ?? '';
    if (/(PodDisruptionBudget|PDB)s? (holds?|keeps?|protects?|stops?)/i.test(said)) problems.push(`${s.metadata.name}: ${action} bypasses PodDisruptionBudgets, but the expectation says "${said}"`);
    const t = target(all, s)!;
    const ns = t.metadata.namespace;
    const name = t.metadata.labels?.['app.kubernetes.io/name'];
    const scaler = all.find((o) => (o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject') && o.metadata.namespace === ns && o.metadata.name === name)?.spec as { minReplicas?: number; minReplicaCount?: number } | undefined;
    const replicas = scaler?.minReplicas ?? scaler?.minReplicaCount ?? t.spec.replicas ?? 1;
    const pdb = all.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.namespace === ns && o.metadata.name === name)?.spec as { minAvailable?: number; maxUnavailable?: number } | undefined;
    const allowedDown = pdb?.maxUnavailable ?? (pdb?.minAvailable !== undefined ? replicas - pdb.minAvailable : replicas);
    const { mode, value } = s.spec.podChaos!;
    const hit = mode === 'fixed-percent' ? Math.ceil((replicas * Number(value)) / 100) : mode === 'fixed' ? Number(value) : mode === 'one' ? 1 : replicas;
    if (hit > allowedDown) problems.push(`${s.metadata.name}: ${action} takes down ${hit} of ${replicas} pods; the PodDisruptionBudget lets ${allowedDown} go`);
  }
  return problems;
}

const skipGator = skipWithout('gator');
const work = mkdtempSync(join(tmpdir(), 'chaos-gator-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Deny-level violations of `pods` under the rendered Constraints. */
function denied(pods: readonly KubeObject[]): string[] {
  const dir = join(ROOT, 'dist/cluster/security');
  const input = join(work, `effects-${pods.length}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(input, [
    ...readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(dir, f), 'utf8')),
    readFileSync(join(ROOT, 'dist/staging/namespaces/namespace-flextime-staging.yaml'), 'utf8'),
    ...pods.map((p) => stringify(p)),
  ].join('\n---\n'));
  const r = spawnSync(requireTool('gator'), ['test', '-f', input, '-o', 'json'], { encoding: 'utf8', timeout: 120_000 });
  const violations = (JSON.parse(r.stdout || '[]') ?? []) as Array<{ constraint: { metadata: { name: string } }; msg: string; enforcementAction: string }>;
  return violations.filter((v) => v.enforcementAction === 'deny').map((v) => `${v.constraint.metadata.name}: ${v.msg}`);
}

const all = objects('', renderPlatform());

describe('chaos experiments under the platform\'s own policies', () => {
  it('derives the admitted objects of every pod experiment', () => {
    expect(chaosEffects(all).map((p) => p.metadata.name)).toEqual(['api-svc-pod-kill-effect', 'scheduler-svc-pod-failure-effect']);
  });

  it.skipIf(skipGator)('every effect passes every deny Constraint (gator)', () => {
    expect(denied(chaosEffects(all))).toEqual([]);
  });

  it.skipIf(skipGator)('finds a planted instance: the chart\'s default pause image', () => {
    const planted = structuredClone(all);
    const app = planted.find((o) => o.kind === 'Application' && (o.spec as { source?: { chart?: string } }).source?.chart === 'chaos-mesh')!;
    delete (app.spec as { source: { helm: { valuesObject: { controllerManager: Record<string, unknown> } } } }).source.helm.valuesObject.controllerManager.podChaos;
    expect(denied(chaosEffects(planted))).toEqual(expect.arrayContaining([
      expect.stringMatching(/^allowed-images-deny: Pod 'scheduler-svc-pod-failure-effect': container 'scheduler-svc' image 'gcr.io\/google-containers\/pause:latest' is not from an allowed registry/),
    ]));
  });

  it('states expectations that hold: pod-kill and pod-failure stay within what the PDB lets go', () => {
    expect(falseExpectations(all)).toEqual([]);
  });

  it('finds planted instances: a PDB claim, and more pods killed than the PDB allows', () => {
    const planted = structuredClone(all);
    const kill = planted.find((o) => o.kind === 'Schedule' && o.metadata.name === 'api-svc-pod-kill') as Schedule;
    kill.metadata.annotations!['chaos.flextime.io/expected-outcome'] = 'PodDisruptionBudget holds (surviving pods keep serving).';
    kill.spec.podChaos!.value = '100';
    expect(falseExpectations(planted)).toEqual([
      'api-svc-pod-kill: pod-kill bypasses PodDisruptionBudgets, but the expectation says "PodDisruptionBudget holds (surviving pods keep serving)."',
      'api-svc-pod-kill: pod-kill takes down 2 of 2 pods; the PodDisruptionBudget lets 1 go',
    ]);
  });
});
