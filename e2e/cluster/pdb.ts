/**
 * Shared by the node scenarios: what an operator watches during node maintenance — every
 * PodDisruptionBudget's status — and the premise a drain needs.
 */
import type { Informer, Kube, KubeObject } from './kube.ts';
import { pdbLine } from './platform.ts';

export interface PdbWatch {
  /** Every moment a PDB had fewer healthy pods than it requires (or a negative allowance). */
  violations: string[];
  /** Lowest currentHealthy seen per PDB (ns/name). */
  lowest: Map<string, { healthy: number; desired: number }>;
  informer: Informer;
  stop(): void;
}

const key = (p: KubeObject): string => `${p.metadata.namespace}/${p.metadata.name}`;

/** A PDB is violated when fewer pods are healthy than it requires, or its allowance is negative. */
export function violation(p: KubeObject): string | undefined {
  const s = p.status;
  if (!s || s.observedGeneration === undefined) return undefined; // not computed yet
  if (s.disruptionsAllowed < 0 || s.currentHealthy < s.desiredHealthy) return `${pdbLine(p)} at ${new Date().toISOString()}`;
  return undefined;
}

/** Watches every PDB in `namespaces` (all when empty) from now on. */
export async function watchPdbs(kube: Kube, filter: (p: KubeObject) => boolean = () => true): Promise<PdbWatch> {
  const violations: string[] = [];
  const lowest = new Map<string, { healthy: number; desired: number }>();
  const informer = await kube.informer('/apis/policy/v1/poddisruptionbudgets', (objs, ev) => {
    const changed = ev ? [ev.object] : [...objs.values()];
    for (const p of changed) {
      if (ev?.type === 'DELETED' || !filter(p) || !p.status) continue;
      const v = violation(p);
      if (v) violations.push(v);
      const l = lowest.get(key(p));
      if (p.status.currentHealthy !== undefined && (!l || p.status.currentHealthy < l.healthy)) lowest.set(key(p), { healthy: p.status.currentHealthy, desired: p.status.desiredHealthy });
    }
  });
  return { violations, lowest, informer, stop: () => informer.stop() };
}

/**
 * The premise of draining `node`: every PDB that covers a pod on it allows at least one
 * disruption, else `kubectl drain` can only hang until it times out. Throws naming the PDB.
 */
export async function assertDrainable(kube: Kube, node: string): Promise<void> {
  const blocking = drainBlockers(await podsOn(kube, node), (await kube.list('/apis/policy/v1/poddisruptionbudgets')).items, node);
  if (blocking.length) {
    throw new Error(`drain of ${node}: expected every PodDisruptionBudget covering its pods to allow a disruption, saw ${blocking.join('; ')}: kubectl drain could never evict these pods`);
  }
}

/**
 * Waits (on PDB watch events) until `node` is drainable: a PDB may be at its minimum for a moment
 * while the descheduler or a previous drain's replacement pod is on its way. Past `timeoutMs` it
 * fails the way assertDrainable does, naming the PDB.
 */
export async function waitDrainable(kube: Kube, node: string, timeoutMs: number): Promise<void> {
  const pods = await podsOn(kube, node);
  await kube.waitFor('/apis/policy/v1/poddisruptionbudgets', {
    what: `drain of ${node}`,
    expected: `every PodDisruptionBudget covering its pods to allow a disruption within ${timeoutMs / 1000} s`,
    timeoutMs,
    check: (pdbs) => drainBlockers(pods, pdbs, node).length === 0,
    describe: (pdbs) => `${drainBlockers(pods, pdbs, node).join('; ')}: kubectl drain could never evict these pods`,
  });
}

async function podsOn(kube: Kube, node: string): Promise<KubeObject[]> {
  return (await kube.list(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`)).items
    .filter((p) => !p.metadata.deletionTimestamp && !p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet'));
}

function drainBlockers(pods: KubeObject[], pdbs: KubeObject[], node: string): string[] {
  const blocking: string[] = [];
  for (const pdb of pdbs) {
    const sel = (pdb.spec.selector?.matchLabels ?? {}) as Record<string, string>;
    const covered = pods.filter((p) => p.metadata.namespace === pdb.metadata.namespace && Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v));
    if (covered.length && (pdb.status?.disruptionsAllowed ?? 0) < 1) {
      blocking.push(`${pdbLine(pdb)} — covers ${covered.map((p) => p.metadata.name).join(', ')} on ${node}`);
    }
  }
  return blocking;
}
