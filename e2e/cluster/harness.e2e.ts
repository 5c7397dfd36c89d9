/**
 * The harness itself: a cluster started by e2e/cluster/cli.ts (etcd + kube-apiserver, the
 * cheapest start) leaves no process and no work dir behind after Ctrl-C (SIGINT) or SIGTERM;
 * and the run's shared cluster runs every component (one kwok per zone) with the configured nodes.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../../test/tools.ts';
import { useCluster } from './context.ts';
import { condition } from './kube.ts';
import { isGroupAlive } from './processes.ts';

function startCli(): Promise<{ child: ReturnType<typeof spawn>; info: { pids: Record<string, number>; dir: string } }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'e2e/cluster/cli.ts'), '--components', 'etcd,kube-apiserver'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cli.ts: expected a ready line within 90 s, saw:\n${out}${err}`)), 90_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) { clearTimeout(timer); resolve({ child, info: JSON.parse(line) }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`cli.ts exited ${code} before it was ready:\n${err}`)); });
  });
}

describe('0 Harness: start/stop leaves nothing behind', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test.concurrent(`${signal} stops every process of a cluster and removes its work dir`, async () => {
      const { child, info } = await startCli();
      const pids = Object.entries(info.pids);
      expect(pids.map(([n]) => n)).toEqual(['etcd', 'kube-apiserver']);
      expect(pids.filter(([, pid]) => !isGroupAlive(pid)), 'components not running before the signal').toEqual([]);
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      child.kill(signal);
      await exited;
      expect(pids.filter(([, pid]) => isGroupAlive(pid)).map(([n, pid]) => `${n} (pid ${pid})`), `processes left after ${signal}`).toEqual([]);
      expect(existsSync(info.dir), `work dir ${info.dir} left after ${signal}`).toBe(false);
    });
  }

  test('the shared cluster runs all five components and the nodes from config', async () => {
    const c = useCluster();
    expect(Object.keys(c.pids).sort()).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', ...Object.keys(c.zones).map((z) => `kwok-${z}`)].sort());
    const nodes = (await c.kube.list('/api/v1/nodes')).items;
    const expected = Object.values(c.zones).flat().sort();
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(expected);
    expect(nodes.filter((n) => condition(n, 'Ready') !== 'True').map((n) => n.metadata.name), 'nodes not Ready').toEqual([]);
    c.kube.close();
  });
});
