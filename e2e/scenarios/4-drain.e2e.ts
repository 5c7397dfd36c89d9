/**
 * Scenario 4 — Drain. Node maintenance (an AMI update of the node group): `kubectl drain` one
 * node in each zone, one after the other, with the pinned kubectl. Every drain must finish, and
 * no PodDisruptionBudget may ever have fewer healthy pods than it requires while it runs (every
 * PDB's status is watched). After each drain the node is uncordoned — it stands for the new
 * node EKS launches in its place — and every workload is back at full strength before the next.
 *
 * Premise, checked before each drain: every PDB covering a pod on the node allows a disruption;
 * otherwise the drain could only hang, and the test fails naming the PDB (shown by the last test,
 * which plants a PDB with minAvailable equal to the replicas).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toolPath } from '../../test/tools.ts';
import { useCluster } from '../cluster/context.ts';
import { podReady } from '../cluster/kube.ts';
import { assertDrainable, waitDrainable, watchPdbs } from '../cluster/pdb.ts';
import { ensurePlatform, environmentNamespace, findWorkload, readySnapshot, waitPlatformSettled, waitWorkloadsReady } from '../cluster/platform.ts';

const run = promisify(execFile);
const c = useCluster();
const prod = environmentNamespace('production');
const appNamespaces = (['development', 'staging', 'production'] as const).map(environmentNamespace);

async function kubectl(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(toolPath('kubectl'), [`--kubeconfig=${c.kubeconfig}`, ...args], { maxBuffer: 16 << 20 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('4 Drain: kubectl drain one node per zone never violates a PDB', () => {
  let before = new Map<string, number>();
  beforeAll(async () => {
    const how = await ensurePlatform(c);
    const notes = await waitPlatformSettled(c.kube, appNamespaces, 120_000);
    console.log(`platform: ${how}${notes.length ? `\nnot running before the drains (not caused by them): ${notes.join('; ')}` : ''}`);
    before = await readySnapshot(c.kube, appNamespaces);
  });
  afterAll(() => c.kube.close());

  test('premise check: a PDB with minAvailable equal to its replicas blocks the drain, named in the failure', async () => {
    // A planted PDB over production api-svc requiring all its pods: no pod of it may ever be evicted.
    // Its desired replicas, and all of them Ready. Checked before the drains, on the settled
    // platform: after them the descheduler moves pods back into the drained zone, and one eviction
    // just before the planted PDB existed left it at 2 healthy a moment after its status read 3
    // (a full e2e with the real Argo Rollouts controller).
    const replicas = (await findWorkload(c.kube, prod, 'api-svc')).obj.spec.replicas as number; // a Rollout with the real controller
    expect(replicas, 'production api-svc replicas').toBeGreaterThan(0);
    const items = await c.kube.waitFor(`/api/v1/namespaces/${prod}/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/name=api-svc')}`, {
      what: 'production api-svc', expected: `${replicas} pods Ready and none terminating, within 60 s`, timeoutMs: 60_000,
      check: (pods) => pods.length === replicas && pods.every((p) => podReady(p) && !p.metadata.deletionTimestamp),
      describe: (pods) => pods.map((p) => `${p.metadata.name} ${p.metadata.deletionTimestamp ? 'terminating' : podReady(p) ? 'Ready' : p.status?.phase}`).join(', '),
    });
    const selector = items[0].metadata.labels!;
    const planted = {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
      metadata: { name: 'e2e-planted-min-equals-replicas', namespace: prod },
      spec: { minAvailable: replicas, selector: { matchLabels: { 'app.kubernetes.io/name': selector['app.kubernetes.io/name'], 'app.kubernetes.io/instance': selector['app.kubernetes.io/instance'] } } },
    };
    await c.kube.create(`/apis/policy/v1/namespaces/${prod}/poddisruptionbudgets`, planted);
    try {
      await c.kube.waitFor(`/apis/policy/v1/namespaces/${prod}/poddisruptionbudgets`, {
        what: 'planted PDB', expected: 'its status computed', timeoutMs: 30_000,
        check: (objs) => objs.some((p) => p.metadata.name === planted.metadata.name && p.status?.expectedPods === replicas && p.status?.currentHealthy === replicas),
        describe: (objs) => JSON.stringify(objs.find((p) => p.metadata.name === planted.metadata.name)?.status ?? null),
      });
      const node = items[0].spec.nodeName as string;
      const failure = await assertDrainable(c.kube, node).then(() => undefined, (e: Error) => e);
      console.log(`premise failure as an operator sees it:\n${failure?.message}`);
      await expect(assertDrainable(c.kube, node)).rejects.toThrow(
        new RegExp(`PDB ${prod}/e2e-planted-min-equals-replicas \\(minAvailable ${replicas}\\): ${replicas} healthy, ${replicas} desired, ${replicas} expected, 0 disruptions allowed`),
      );
    } finally {
      await c.kube.delete(`/apis/policy/v1/namespaces/${prod}/poddisruptionbudgets/${planted.metadata.name}`);
    }
  });

  for (const zone of Object.keys(c.zones).sort()) {
    test(`drain ${c.zones[zone][0]} (${zone})`, async () => {
      const node = c.zones[zone][0];
      // As kubectl drain retries refused evictions: a PDB may sit at its minimum for a moment
      // while the descheduler moves a pod back into its zone after the previous drain.
      await waitDrainable(c.kube, node, 60_000);
      const watch = await watchPdbs(c.kube);
      try {
        // What an operator types; --delete-emptydir-data because every pod has writable emptyDirs.
        const r = await kubectl('drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s');
        expect(r.code, `kubectl drain ${node} failed:\n${r.out}`).toBe(0);
        const left = (await c.kube.list(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`)).items
          .filter((p) => !p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet'));
        expect(left.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), `pods still on ${node} after the drain`).toEqual([]);
        expect(watch.violations, 'PodDisruptionBudgets below their minimum during the drain').toEqual([]);
      } finally {
        // The replacement node joins (the drained one, uncordoned).
        await kubectl('uncordon', node);
        watch.stop();
      }
      // Every workload back at its ready count before the next zone: pods bound to a zonal
      // volume (single-replica StatefulSets on EBS) can only come back on a node of their zone.
      await waitWorkloadsReady(c.kube, appNamespaces, 90_000, (k) => before.get(k) ?? 0);
    });
  }
});
