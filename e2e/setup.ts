/**
 * globalSetup of `npm run e2e`: starts the one cluster of the run (e2e/cluster), registers the
 * simulated nodes generated from config's node groups, waits until kwok reports them Ready, and
 * hands the connection to the test files. The returned teardown stops every process; so do
 * Ctrl-C, SIGTERM and an error (e2e/cluster/processes.ts).
 *
 * Then the ArgoCD side (e2e/controllers/gitops.ts: git and chart servers, add-on CRDs, volume
 * provisioner stand-in, ArgoCD) when its tools are installed; its scenarios (1, 2, 3, 6, 8) get
 * the `gitops` handle. Without it they fail saying so, and the node scenarios (4, 5, 7) apply
 * dist/ themselves (e2e/cluster/apply.ts).
 *
 * E2E_KEEP=1 keeps the work dir (logs, kubeconfig) for debugging; E2E_ARGOCD=0 skips ArgoCD.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../config/index.ts';
import { ROOT, toolPath } from '../test/tools.ts';
import { startGitOps, type GitOps } from './controllers/gitops.ts';
import { startCluster } from './cluster/control-plane.ts';
import { planNodes } from './cluster/nodes.ts';
import { registerNodes } from './cluster/platform.ts';
import './cluster/context.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const platform = loadConfig();
  const plan = planNodes(platform);
  const cluster = await startCluster({ keep: process.env.E2E_KEEP === '1', kwokZones: plan.zones });
  try {
    await registerNodes(cluster.kube, plan.nodes);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  const zones: Record<string, string[]> = {};
  for (const n of plan.nodes) (zones[n.metadata.labels!['topology.kubernetes.io/zone']] ??= []).push(n.metadata.name);
  process.stderr.write(`[e2e] cluster '${plan.cluster}' (${plan.tier} tier): ${plan.nodes.length} simulated nodes in ${plan.zones.join(', ')} ` +
    `(${[...new Set(plan.nodes.map((n) => `${n.metadata.labels!['eks.amazonaws.com/capacityType']} ${n.metadata.labels!['node.kubernetes.io/instance-type']}`))].join(', ')}); ` +
    `ready in ${((Date.now() - t0) / 1000).toFixed(1)} s — ${Object.entries(cluster.startup).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}\n`);
  project.provide('e2e', { kubeconfig: cluster.kubeconfig, connection: cluster.connection, dir: cluster.dir, pids: cluster.pids, zones, timings: cluster.timings });

  let gitops: GitOps | undefined;
  if (process.env.E2E_ARGOCD === '0') {
    process.stderr.write('[e2e] E2E_ARGOCD=0: no ArgoCD; the ArgoCD scenarios will fail, the node scenarios apply dist/ themselves\n');
  } else if (!existsSync(toolPath('argocd'))) {
    process.stderr.write(`[e2e] ${toolPath('argocd')} missing (scripts/install-tools argo-cd): no ArgoCD this run\n`);
  } else {
    try {
      gitops = await startGitOps({ kubeconfig: cluster.kubeconfig, server: cluster.connection.server }, { root: ROOT, workDir: join(cluster.dir, 'gitops') });
      project.provide('gitops', gitops.handle);
    } catch (e) {
      process.stderr.write(`[e2e] starting ArgoCD failed; its scenarios will fail: ${(e as Error).stack}\n`);
    }
  }
  return async () => {
    await gitops?.stop().catch((e) => process.stderr.write(`[e2e] stopping ArgoCD: ${(e as Error).message}\n`));
    await cluster.stop();
  };
}
