/**
 * Room on the simulated nodes, as the scheduler counts it (pod requests against node
 * allocatable), for the scenarios that fill the cluster (7 priorities): free CPU per node and per
 * zone, what development holds there, and how a workload is spread over the zones.
 */
import type { Kube } from './kube.ts';

export const cpuMilli = (q: string | undefined): number => (!q ? 0 : q.endsWith('m') ? parseFloat(q) : parseFloat(q) * 1000);
const MEM_UNIT: Record<string, number> = { '': 1 / 1048576, Ki: 1 / 1024, Mi: 1, Gi: 1024 };
export const memMi = (q: string | undefined): number => {
  const m = q ? /^([0-9.]+)(Ki|Mi|Gi)?$/.exec(q) : null;
  return m ? parseFloat(m[1]) * MEM_UNIT[m[2] ?? ''] : 0;
};
export const podRequests = (spec: { containers: Array<{ resources?: { requests?: Record<string, string> } }> }): { cpu: number; mem: number } =>
  spec.containers.reduce((a, ct) => ({ cpu: a.cpu + cpuMilli(ct.resources?.requests?.cpu), mem: a.mem + memMi(ct.resources?.requests?.memory) }), { cpu: 0, mem: 0 });

/** Free room on the schedulable nodes for pods of `req`, node by node (`cpu` in millicores: total free CPU). */
export async function podsThatFit(kube: Kube, req: { cpu: number; mem: number }, sumCpu = false): Promise<number> {
  const nodes = (await kube.list('/api/v1/nodes')).items.filter((n) => !n.spec.unschedulable);
  const pods = (await kube.list('/api/v1/pods')).items.filter((p) => p.spec.nodeName && !['Succeeded', 'Failed'].includes(p.status?.phase));
  let fit = 0;
  for (const n of nodes) {
    const on = pods.filter((p) => p.spec.nodeName === n.metadata.name);
    const used = on.reduce((a, p) => { const r = podRequests(p.spec); return { cpu: a.cpu + r.cpu, mem: a.mem + r.mem }; }, { cpu: 0, mem: 0 });
    const free = { cpu: cpuMilli(n.status.allocatable.cpu) - used.cpu, mem: memMi(n.status.allocatable.memory) - used.mem, pods: Number(n.status.allocatable.pods) - on.length };
    fit += sumCpu ? Math.max(0, free.cpu) : Math.max(0, Math.min(Math.floor(free.cpu / req.cpu), Math.floor(free.mem / req.mem), free.pods));
  }
  return fit;
}

/** Per zone of the schedulable nodes: free CPU and CPU development pods hold (millicores). */
export async function zoneRoom(kube: Kube, dev: string): Promise<Map<string, { free: number; dev: number }>> {
  const nodes = (await kube.list('/api/v1/nodes')).items.filter((n) => !n.spec.unschedulable);
  const pods = (await kube.list('/api/v1/pods')).items.filter((p) => p.spec.nodeName && !['Succeeded', 'Failed'].includes(p.status?.phase));
  const out = new Map<string, { free: number; dev: number }>();
  for (const n of nodes) {
    const zone = (n.metadata.labels?.['topology.kubernetes.io/zone'] as string) ?? '(no zone)';
    const on = pods.filter((p) => p.spec.nodeName === n.metadata.name);
    const used = on.reduce((a, p) => a + podRequests(p.spec).cpu, 0);
    const held = on.filter((p) => p.metadata.namespace === dev && !p.metadata.deletionTimestamp).reduce((a, p) => a + podRequests(p.spec).cpu, 0);
    const z = out.get(zone) ?? { free: 0, dev: 0 };
    out.set(zone, { free: z.free + Math.max(0, cpuMilli(n.status.allocatable.cpu) - used), dev: z.dev + held });
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** Scheduled pods of production workload `name` per zone (every zone listed, 0 where none). */
export async function podsPerZone(kube: Kube, prod: string, name: string, zones: string[]): Promise<Map<string, number>> {
  const zoneOf = new Map((await kube.list('/api/v1/nodes')).items.map((n) => [n.metadata.name as string, n.metadata.labels?.['topology.kubernetes.io/zone'] as string]));
  const out = new Map(zones.map((z) => [z, 0]));
  for (const p of (await kube.list(`/api/v1/namespaces/${prod}/pods`)).items) {
    if (p.metadata.labels?.['app.kubernetes.io/name'] !== name || !p.spec.nodeName || p.metadata.deletionTimestamp) continue;
    const z = zoneOf.get(p.spec.nodeName);
    if (z && out.has(z)) out.set(z, out.get(z)! + 1);
  }
  return out;
}

/**
 * Where the room is, node by node (zone, free CPU, CPU development holds) and how each scaled
 * production workload is spread over the zones (running, and pending with their nominated node):
 * what a failed preemption needs to be read.
 */
export async function placement(kube: Kube, ns: { dev: string; prod: string }, names: string[]): Promise<string> {
  const nodes = (await kube.list('/api/v1/nodes')).items;
  const pods = (await kube.list('/api/v1/pods')).items.filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase) && !p.metadata.deletionTimestamp);
  const zoneOf = new Map(nodes.map((n) => [n.metadata.name as string, (n.metadata.labels?.['topology.kubernetes.io/zone'] as string) ?? '(no zone)']));
  const lines = nodes.map((n) => {
    const on = pods.filter((p) => p.spec.nodeName === n.metadata.name);
    const used = on.reduce((a, p) => a + podRequests(p.spec).cpu, 0);
    const devCpu = on.filter((p) => p.metadata.namespace === ns.dev).reduce((a, p) => a + podRequests(p.spec).cpu, 0);
    const taints = (n.spec.taints ?? []).map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`).join(',') || 'none';
    return `  ${n.metadata.name} (${zoneOf.get(n.metadata.name)}${n.spec.unschedulable ? ', cordoned' : ''}, taints ${taints}): ${((cpuMilli(n.status.allocatable.cpu) - used) / 1000).toFixed(2)} CPU free, development holds ${(devCpu / 1000).toFixed(2)}`;
  });
  for (const name of names) {
    const mine = pods.filter((p) => p.metadata.namespace === ns.prod && p.metadata.labels?.['app.kubernetes.io/name'] === name);
    const byZone = new Map<string, number>();
    for (const p of mine.filter((x) => x.spec.nodeName)) byZone.set(zoneOf.get(p.spec.nodeName)!, (byZone.get(zoneOf.get(p.spec.nodeName)!) ?? 0) + 1);
    const pending = mine.filter((p) => !p.spec.nodeName).map((p) => `${p.metadata.name} → ${p.status?.nominatedNodeName ?? '(not nominated)'}`);
    lines.push(`  ${name}: ${[...byZone].sort().map(([z, n]) => `${z} ${n}`).join(', ')}${pending.length ? `; pending ${pending.join(', ')}` : ''}`);
  }
  return `placement:\n${lines.join('\n')}`;
}

