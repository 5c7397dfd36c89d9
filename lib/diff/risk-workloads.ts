/**
 * Risk flags on workloads: capacity lowered (replicas, autoscaler floors, disruption budgets),
 * requests/limits moved by more than the ratio, image changed.
 */
import { parseCpu, parseMemory } from '../values/quantity.ts';
import type { DiffObject, ObjectDiff } from './objects.ts';
import { containersOf, podTemplateOf } from './pods.ts';
import { finding, show, type RiskFinding, type RiskRule } from './risk-types.ts';
import { deepEqual } from './values.ts';
// ---------------------------------------------------------------------------------------------
// Capacity lowered: replicas, autoscaler floors/ceilings, PodDisruptionBudgets.

function numberAt(o: DiffObject | undefined, ...path: string[]): number | undefined {
  const v = path.reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], o);
  return typeof v === 'number' ? v : undefined;
}

/** Fields whose value going down lowers capacity, with the default Kubernetes assumes. */
const CAPACITY_FIELDS: Record<string, ReadonlyArray<{ path: string[]; default?: number }>> = {
  Deployment: [{ path: ['spec', 'replicas'] }],
  StatefulSet: [{ path: ['spec', 'replicas'] }],
  ReplicaSet: [{ path: ['spec', 'replicas'] }],
  Rollout: [{ path: ['spec', 'replicas'] }],
  HorizontalPodAutoscaler: [{ path: ['spec', 'minReplicas'], default: 1 }, { path: ['spec', 'maxReplicas'] }],
  ScaledObject: [{ path: ['spec', 'minReplicaCount'], default: 0 }, { path: ['spec', 'maxReplicaCount'], default: 100 }],
};

export const capacityRule: RiskRule = (diffs) => {
  const out: RiskFinding[] = [];
  for (const d of diffs) {
    if (d.kind === 'PodDisruptionBudget') {
      out.push(...pdbFindings(d));
      continue;
    }
    if (d.status !== 'changed') continue;
    for (const field of CAPACITY_FIELDS[d.kind] ?? []) {
      const was = numberAt(d.old, ...field.path) ?? field.default;
      const now = numberAt(d.new, ...field.path) ?? field.default;
      if (was !== undefined && now !== undefined && now < was) {
        out.push(finding('capacity-lowered', d, `${field.path.join('.')} ${was} → ${now}`));
      }
    }
  }
  return out;
};

function pdbFindings(d: ObjectDiff): RiskFinding[] {
  if (d.status === 'removed') return [finding('capacity-lowered', d, 'PodDisruptionBudget removed: voluntary evictions are no longer limited')];
  if (d.status !== 'changed') return [];
  type Budget = { minAvailable?: number | string; maxUnavailable?: number | string };
  const was = (d.old!.spec ?? {}) as Budget;
  const now = (d.new!.spec ?? {}) as Budget;
  const value = (v: number | string | undefined) => (typeof v === 'string' ? { n: parseFloat(v), pct: true } : v === undefined ? undefined : { n: v, pct: false });
  for (const [field, lowerIsWorse] of [['minAvailable', true], ['maxUnavailable', false]] as const) {
    const a = value(was[field]);
    const b = value(now[field]);
    if (a === undefined && b === undefined) continue;
    if (!a || !b || a.pct !== b.pct) {
      if (!deepEqual(was, now)) return [finding('capacity-lowered', d, `budget ${show(was)} → ${show(now)}`)];
      continue;
    }
    if (lowerIsWorse ? b.n < a.n : b.n > a.n) return [finding('capacity-lowered', d, `${field} ${was[field]} → ${now[field]}`)];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Requests/limits moved by more than the ratio (default 50 %).

export const resourcesRule: RiskRule = (diffs, { options }) => {
  const ratio = options.resourceChangeRatio ?? 0.5;
  const out: RiskFinding[] = [];
  for (const d of diffs.filter((x) => x.status === 'changed')) {
    const before = podTemplateOf(d.old);
    const after = podTemplateOf(d.new);
    if (!before || !after) continue;
    const oldByName = new Map(containersOf(before.spec).map(({ container }) => [container.name, container]));
    for (const { container } of containersOf(after.spec)) {
      const was = oldByName.get(container.name);
      if (!was) continue;
      for (const section of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory'] as const) {
          const a = was.resources?.[section]?.[resource];
          const b = container.resources?.[section]?.[resource];
          if (a === undefined) continue;
          const label = `container ${container.name} ${section}.${resource}`;
          if (b === undefined) {
            out.push(finding('resources-changed', d, `${label} ${a} → (none)`));
            continue;
          }
          const parse = resource === 'cpu' ? parseCpu : parseMemory;
          const x = parse(String(a));
          const y = parse(String(b));
          if (x === undefined || y === undefined || x === 0) continue;
          const change = (y - x) / x;
          if (Math.abs(change) > ratio) {
            out.push(finding('resources-changed', d, `${label} ${a} → ${b} (${change > 0 ? '+' : ''}${Math.round(change * 100)} %)`));
          }
        }
      }
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Image changed: any `image` field (pod specs, Helm values), with old → new digest.

export const imageRule: RiskRule = (diffs) => {
  const out: RiskFinding[] = [];
  for (const d of diffs) {
    for (const change of d.changes) {
      if (change.op !== 'changed' || !/(^|[.\]])image(\.(tag|digest))?$/.test(change.path)) continue;
      out.push(finding('image-changed', d, `${change.path}: ${show(change.old)} → ${show(change.new)}`));
    }
  }
  return out;
};
