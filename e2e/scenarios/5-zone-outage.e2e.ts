/**
 * Scenario 5 — Zone outage. Every node of one availability zone stops reporting: the zone's kwok
 * (one per zone) is frozen with SIGSTOP, so its nodes' Leases and statuses stop being renewed,
 * as when a zone loses power or network. kube-controller-manager marks
 * them Unknown and taints them unreachable, their pods are evicted, and the ReplicaSets create
 * replacements that the scheduler places in the two other zones.
 *
 * Asserted for every production workload with a PodDisruptionBudget (what an operator checks
 * with `kubectl get pdb,deploy -n flextime-production`):
 *   - it never has fewer healthy pods than its PDB requires (PDB status watched throughout);
 *   - it is back at full strength, on nodes outside the lost zone, within 90 s;
 *   - its replacements were admitted by the namespace ResourceQuota (no ReplicaSet FailedCreate).
 * Then the zone comes back (SIGCONT: the heartbeats resume) and the nodes turn Ready again.
 * Timings are the test cluster's (e2e/cluster/control-plane.ts): lease grace 10 s, toleration 5 s.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useCluster } from '../cluster/context.ts';
import { condition, podReady, type KubeObject } from '../cluster/kube.ts';
import { watchPdbs } from '../cluster/pdb.ts';
import { ensurePlatform, environmentNamespace, pdbLine, readySnapshot, waitPlatformSettled, waitWorkloadsReady } from '../cluster/platform.ts';

const c = useCluster();
const prod = environmentNamespace('production');
const appNamespaces = (['development', 'staging', 'production'] as const).map(environmentNamespace);

describe('5 Zone outage: production keeps its PDB minimum and moves to the other zones', () => {
  let before = new Map<string, number>();
  // The zone with the most production pods: the hardest one to lose.
  let zone = '';
  let lost: string[] = [];

  beforeAll(async () => {
    const how = await ensurePlatform(c);
    const notes = await waitPlatformSettled(c.kube, appNamespaces, 120_000);
    console.log(`platform: ${how}${notes.length ? `\nnot running before the outage (not caused by it): ${notes.join('; ')}` : ''}`);
    before = await readySnapshot(c.kube, appNamespaces);
    const pods = (await c.kube.list(`/api/v1/namespaces/${prod}/pods`)).items.filter(podReady);
    const count = (z: string): number => pods.filter((p) => c.zones[z].includes(p.spec.nodeName)).length;
    zone = Object.keys(c.zones).sort((a, b) => count(b) - count(a) || a.localeCompare(b))[0];
    lost = c.zones[zone];
  });
  const kwokPid = (): number => {
    const pid = c.pids[`kwok-${zone}`];
    if (!pid) throw new Error(`no kwok for ${zone} among ${Object.keys(c.pids).join(', ')}`);
    return pid;
  };
  // Whatever happens, the zone comes back for the scenarios after this one.
  afterAll(() => {
    try { process.kill(-kwokPid(), 'SIGCONT'); } catch { /* not stopped */ }
    c.kube.close();
  });

  test('premise: no zone holds more pods of a production workload than its PDB can lose', async () => {
    // What `kubectl get pods -o wide` + `kubectl get pdb` show. Earlier node maintenance (scenario
    // 4's drains) packs pods into fewer zones; production's hard zone spread lets the descheduler
    // add-on evict the pods that break it, and the scheduler puts them back. Waited for, within
    // BALANCED_WITHIN_MS: the descheduler runs every few seconds in the e2e.
    const BALANCED_WITHIN_MS = 90_000;
    const pdbs = (await c.kube.list(`/apis/policy/v1/namespaces/${prod}/poddisruptionbudgets`)).items;
    const zoneOf = (node: string): string => Object.entries(c.zones).find(([, ns]) => ns.includes(node))?.[0] ?? '?';
    const risky = (pods: KubeObject[]): string[] => {
      const out: string[] = [];
      for (const pdb of pdbs) {
        const sel = pdb.spec.selector.matchLabels as Record<string, string>;
        const mine = pods.filter((p) => podReady(p) && !p.metadata.deletionTimestamp && Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v));
        // What the PDB lets a zone outage take: the pods it expects minus the ones it must keep.
        const canLose = (pdb.status?.expectedPods ?? 0) - (pdb.status?.desiredHealthy ?? 0);
        const perZone = new Map<string, number>();
        for (const p of mine) perZone.set(zoneOf(p.spec.nodeName), (perZone.get(zoneOf(p.spec.nodeName)) ?? 0) + 1);
        const zones = [...perZone].map(([k, v]) => `${k}=${v}`).join(' ');
        if (mine.length < (pdb.status?.expectedPods ?? 0)) out.push(`${pdb.metadata.name}: ${mine.length} of ${pdb.status?.expectedPods} pods Ready (${zones})`);
        for (const [z, n] of perZone) if (n > canLose) out.push(`${pdb.metadata.name}: ${n} of ${mine.length} pods in ${z}, its PDB allows losing ${canLose} (${zones})`);
      }
      return out;
    };
    const t0 = Date.now();
    await c.kube.waitFor(`/api/v1/namespaces/${prod}/pods`, {
      what: 'production workloads spread so that one zone outage stays within every PodDisruptionBudget',
      expected: `no zone holding more pods of a workload than its PDB can lose, within ${BALANCED_WITHIN_MS / 1000} s (descheduler add-on + DoNotSchedule zone spread)`,
      timeoutMs: BALANCED_WITHIN_MS,
      check: (pods) => risky(pods).length === 0,
      describe: (pods) => risky(pods).join('; '),
    });
    console.log(`production spread over the zones ${((Date.now() - t0) / 1000).toFixed(1)} s after the scenario started`);
  });

  test('the nodes of the zone go NotReady and production is rescheduled into the other zones', async () => {
    const pdbs = (await c.kube.list(`/apis/policy/v1/namespaces/${prod}/poddisruptionbudgets`)).items;
    expect(pdbs.length, `PodDisruptionBudgets in ${prod}`).toBeGreaterThan(0);
    const watch = await watchPdbs(c.kube, (p) => p.metadata.namespace === prod);
    try {
      // The outage: the zone's simulated kubelets (its kwok) freeze.
      process.kill(-kwokPid(), 'SIGSTOP');
      const grace = c.timings.nodeMonitorGraceSeconds;
      await c.kube.waitFor('/api/v1/nodes', {
        what: `nodes of ${zone}`, expected: `Ready=Unknown and tainted unreachable within ${grace + 20} s`, timeoutMs: (grace + 20) * 1000,
        check: (objs) => lost.every((n) => {
          const o = objs.find((x) => x.metadata.name === n);
          return !!o && condition(o, 'Ready') !== 'True' && (o.spec.taints ?? []).some((t: { key: string }) => t.key === 'node.kubernetes.io/unreachable');
        }),
        describe: (objs) => lost.map((n) => { const o = objs.find((x) => x.metadata.name === n); return `${n} Ready=${o ? condition(o, 'Ready') : 'gone'} taints=${(o?.spec.taints ?? []).map((t: { key: string }) => t.key).join('|') || 'none'}`; }).join(', '),
      });

      // Every production workload back at full strength outside the zone.
      const podsPath = `/api/v1/namespaces/${prod}/pods`;
      const workloadsWithPdb = pdbs.map((p) => ({ pdb: p, sel: p.spec.selector.matchLabels as Record<string, string> }));
      const wanted = new Map<string, number>();
      // As many healthy pods as before the outage (a workload whose pods never ran stays out).
      for (const { pdb } of workloadsWithPdb) wanted.set(pdb.metadata.name, pdb.status?.currentHealthy ?? 0);
      // Workloads whose pods are bound to a volume in the lost zone (EBS is zonal) cannot move:
      // they must only keep their PDB minimum (checked by the watch) and are reported.
      const pvs = (await c.kube.list('/api/v1/persistentvolumes')).items;
      const pinnedZone = (claimNs: string, claim: string): string | undefined => {
        const pv = pvs.find((v) => v.spec.claimRef?.namespace === claimNs && v.spec.claimRef?.name === claim);
        const terms = pv?.spec.nodeAffinity?.required?.nodeSelectorTerms ?? [];
        return terms.flatMap((t: { matchExpressions?: Array<{ key: string; values: string[] }> }) => t.matchExpressions ?? [])
          .find((e: { key: string }) => e.key === 'topology.kubernetes.io/zone' || e.key === 'topology.ebs.csi.aws.com/zone')?.values?.[0];
      };
      const startPods = (await c.kube.list(podsPath)).items;
      const pinned = workloadsWithPdb.filter(({ sel }) => startPods.some((p) => Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v) &&
        (p.spec.volumes ?? []).some((v: { persistentVolumeClaim?: { claimName: string } }) => v.persistentVolumeClaim && pinnedZone(prod, v.persistentVolumeClaim.claimName) === zone)));
      for (const { pdb } of pinned) wanted.set(pdb.metadata.name, 0);
      if (pinned.length) console.log(`bound to a volume in ${zone}, down until the zone returns (their PDB minimum allows it): ${pinned.map(({ pdb }) => pdb.metadata.name).join(', ')}`);
      const healthyOutside = (pods: KubeObject[], sel: Record<string, string>): number =>
        pods.filter((p) => podReady(p) && !lost.includes(p.spec.nodeName) && Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v)).length;
      await c.kube.waitFor(podsPath, {
        what: `production after losing ${zone}`, expected: 'every workload with a PDB at its full replica count, Ready, outside the lost zone, within 90 s', timeoutMs: 90_000,
        check: (pods) => workloadsWithPdb.every(({ pdb, sel }) => healthyOutside(pods, sel) >= (wanted.get(pdb.metadata.name) ?? 0)),
        describe: (pods) => workloadsWithPdb.map(({ pdb, sel }) => `${pdb.metadata.name} ${healthyOutside(pods, sel)}/${wanted.get(pdb.metadata.name)}`).join(', '),
      });

      // Within its quota: no ReplicaSet failed to create a replacement.
      const rsFailures = (await c.kube.list(`/apis/apps/v1/namespaces/${prod}/replicasets`)).items
        .flatMap((rs) => (rs.status?.conditions ?? []).filter((x: { type: string; status: string }) => x.type === 'ReplicaFailure' && x.status === 'True')
          .map((x: { reason: string; message: string }) => `ReplicaSet ${rs.metadata.name}: ${x.reason}: ${x.message}`));
      expect(rsFailures, 'replacements refused (ResourceQuota?)').toEqual([]);

      // Never below a PDB minimum.
      expect(watch.violations, 'production PodDisruptionBudgets below their minimum during the outage').toEqual([]);
      const lowest = [...watch.lowest.entries()].map(([k, v]) => `${k} lowest ${v.healthy} healthy (needs ${v.desired})`);
      console.log(`lost ${zone} (${lost.join(', ')}); ${lowest.join('; ')}`);
    } finally {
      watch.stop();
    }
  });

  test('the zone comes back: nodes Ready, untainted, the platform as before', async () => {
    process.kill(-kwokPid(), 'SIGCONT');
    await c.kube.waitFor('/api/v1/nodes', {
      what: `nodes of ${zone}`, expected: 'Ready and without unreachable/not-ready taints within 60 s', timeoutMs: 60_000,
      check: (objs) => lost.every((n) => {
        const o = objs.find((x) => x.metadata.name === n);
        return !!o && condition(o, 'Ready') === 'True' && !(o.spec.taints ?? []).some((t: { key: string }) => t.key.startsWith('node.kubernetes.io/'));
      }),
      describe: (objs) => lost.map((n) => { const o = objs.find((x) => x.metadata.name === n); return `${n} Ready=${o ? condition(o, 'Ready') : 'gone'} taints=${(o?.spec.taints ?? []).map((t: { key: string }) => t.key).join('|') || 'none'}`; }).join(', '),
    });
    // Pods evicted from the lost nodes finish terminating once kwok runs the nodes again.
    await c.kube.waitFor('/api/v1/pods', {
      what: `pods on the nodes of ${zone}`, expected: 'none left terminating within 60 s', timeoutMs: 60_000,
      check: (pods) => !pods.some((p) => lost.includes(p.spec.nodeName) && p.metadata.deletionTimestamp),
      describe: (pods) => pods.filter((p) => lost.includes(p.spec.nodeName) && p.metadata.deletionTimestamp).map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', '),
    });
    await waitWorkloadsReady(c.kube, appNamespaces, 90_000, (k) => before.get(k) ?? 0);
    const pdbs = (await c.kube.list(`/apis/policy/v1/namespaces/${prod}/poddisruptionbudgets`)).items;
    console.log(pdbs.map(pdbLine).join('\n'));
  });
});

