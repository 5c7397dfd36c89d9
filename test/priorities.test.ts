/**
 * Pod priorities across environments that share one cluster. The requirement (issue 17, the
 * e2e's priorities scenario): filling the cluster with development pods never evicts a production
 * pod, and a production pod that doesn't fit preempts development pods. The e2e found the
 * opposite (development api-svc, PgBouncer and Redis at `flextime-critical` outranked production
 * scheduler-svc; production's Pushgateway had no class, priority 0). These checks read the
 * rendered pods and PriorityClasses; the expectation is the relation itself, not config values.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { configError, objects, rawConfig, renderPlatform } from './helpers.ts';

type PodSpec = { priorityClassName?: string };
type PriorityClass = KubeObject & { value: number; preemptionPolicy?: string };

const files = renderPlatform();
const classes = new Map(objects('dist/cluster/', files)
  .filter((o): o is PriorityClass => o.kind === 'PriorityClass')
  .map((o) => [o.metadata.name, o]));

/** `[file, priorityClassName]` of every pod template (Deployment, StatefulSet, CronJob) of one environment. */
function podClasses(env: string): Array<[string, string | undefined]> {
  return files.filter((f) => f.path.startsWith(`dist/${env}/`)).flatMap((f): Array<[string, string | undefined]> => {
    const spec = f.object.spec as { template?: { spec?: PodSpec }; jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } } | undefined;
    const pod = spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
    return pod ? [[f.path, pod.priorityClassName]] : [];
  });
}
const valueOf = (name: string | undefined) => (name === undefined ? 0 : classes.get(name)!.value);

describe('pod priorities of environments sharing a cluster', () => {
  const production = podClasses('production');
  const lowestProduction = Math.min(...production.map(([, c]) => valueOf(c)));

  it('give every production pod a priority class', () => {
    expect(production.length).toBeGreaterThan(5);
    expect(production.filter(([, c]) => c === undefined).map(([path]) => path)).toEqual([]);
  });

  for (const env of ['development', 'staging']) {
    it(`run every ${env} pod below every production pod, never preempting`, () => {
      const pods = podClasses(env);
      expect(pods.length).toBeGreaterThan(5);
      const outranking = pods.filter(([, c]) => valueOf(c) >= lowestProduction).map(([path, c]) => `${path} (${c})`);
      expect(outranking).toEqual([]);
      const preempting = pods.filter(([, c]) => classes.get(c!)?.preemptionPolicy !== 'Never').map(([path, c]) => `${path} (${c})`);
      expect(preempting).toEqual([]);
    });
  }

  it('refuses a Redis priority class that does not exist, naming the field (no check covered it before)', () => {
    const raw = rawConfig();
    const redis = raw.environments.find((e) => e.name === 'development')!.redis;
    if (redis.mode !== 'in-cluster') throw new Error('development runs Redis in the cluster');
    redis.priorityClass = 'flextime-nope';
    expect(configError(raw)).toMatch(/environments\[development\]\.redis\.priorityClass.*unknown priority class 'flextime-nope'/);
  });

  it('refuses an environment priority class that does not exist, naming the field', () => {
    const raw = rawConfig();
    raw.environments.find((e) => e.name === 'staging')!.priorityClass = 'flextime-nope';
    expect(configError(raw)).toMatch(/environments\[staging\]\.priorityClass.*unknown priority class 'flextime-nope'/);
  });
});
