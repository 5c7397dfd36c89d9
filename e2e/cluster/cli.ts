/**
 * Runs the e2e cluster by hand, for debugging a scenario or poking around:
 *
 *   npx tsx e2e/cluster/cli.ts [--components etcd,kube-apiserver,...] [--no-nodes] [--apply]
 *
 * Prints one JSON line {kubeconfig, pids, dir} when ready, then runs until Ctrl-C / SIGTERM,
 * which stop every process it started. (e2e/cluster/harness.test.ts uses it to prove that.)
 */
import { loadConfig } from '../../config/index.ts';
import { ALL_COMPONENTS, startCluster, type Component } from './control-plane.ts';
import { planNodes } from './nodes.ts';
import { applyRendered } from './apply.ts';
import { registerNodes } from './platform.ts';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const components = (opt('--components')?.split(',') ?? ALL_COMPONENTS) as Component[];

const plan = planNodes(loadConfig());
const cluster = await startCluster({ components, keep: args.includes('--keep'), kwokZones: plan.zones });
if (components.includes('kwok') && !args.includes('--no-nodes')) await registerNodes(cluster.kube, plan.nodes);
if (args.includes('--apply')) await applyRendered(cluster);
process.stdout.write(`${JSON.stringify({ kubeconfig: cluster.kubeconfig, pids: cluster.pids, dir: cluster.dir })}\n`);
// Runs until a signal: processes.ts stops the cluster and re-raises it.
setInterval(() => {}, 1 << 30);
