/**
 * Zone spreading: what a zone outage may cost production (the e2e's zone-outage scenario runs it).
 * Expected values are the rule itself, written out here: production's multi-replica workloads
 * spread over zones as a hard rule that ignores cordoned and unreachable nodes, and the
 * descheduler add-on evicts the pods that break it after maintenance.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { find, objects, rawConfig, renderPlatform } from './helpers.ts';
import { loadConfig } from '../config/index.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Rollout'];
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- pod templates of three kinds
const zoneRule = (o: KubeObject) => ((o.spec as any)?.template?.spec?.topologySpreadConstraints ?? [])
  .find((t: { topologyKey: string }) => t.topologyKey === 'topology.kubernetes.io/zone');

function multiReplicaWorkloads(files = renderPlatform()): KubeObject[] {
  return objects('dist/production/', files).filter((o) => WORKLOAD_KINDS.includes(o.kind) && ((o.spec as { replicas?: number })?.replicas ?? 2) > 1);
}

describe('zone spreading in production', () => {
  it('every multi-replica production workload spreads over zones as a hard rule that skips cordoned/unreachable nodes', () => {
    const workloads = multiReplicaWorkloads();
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual(['Deployment/pgbouncer', 'Deployment/pgbouncer-ro', 'Deployment/scheduler-svc', 'Rollout/api-svc']);
    for (const w of workloads) {
      expect(zoneRule(w), `${w.kind}/${w.metadata.name} zone rule`).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor' });
    }
  });

  it('a production that only prefers spreading fails the check (planted)', () => {
    const raw = rawConfig();
    const production = raw.environments.find((e) => e.name === 'production')!;
    (production as { zoneSpread?: string }).zoneSpread = 'ScheduleAnyway';
    const files = renderPlatform(loadConfig(raw));
    const soft = multiReplicaWorkloads(files).filter((w) => zoneRule(w)?.whenUnsatisfiable !== 'DoNotSchedule');
    expect(soft.length).toBe(4);
  });

  it('staging and development only prefer spreading (spot capacity may not offer every zone)', () => {
    for (const env of ['staging', 'development']) {
      const ws = objects(`dist/${env}/`).filter((o) => WORKLOAD_KINDS.includes(o.kind) && zoneRule(o));
      expect(ws.length, `${env} workloads with a zone rule`).toBeGreaterThan(0);
      for (const w of ws) expect(zoneRule(w).whenUnsatisfiable, `${env} ${w.metadata.name}`).toBe('ScheduleAnyway');
      for (const w of ws) expect(zoneRule(w).nodeTaintsPolicy, `${env} ${w.metadata.name}`).toBeUndefined();
    }
  });
});

describe('descheduler add-on', () => {
  const app = parseYaml(readFileSync('argocd/apps/application-addon-flextime-descheduler.yaml', 'utf8'));
  const values = app.spec.source.helm.valuesObject;

  it('runs the release the e2e builds, as a leader-elected Deployment', () => {
    expect(app.spec.source).toMatchObject({ chart: 'descheduler', targetRevision: '0.35.0', repoURL: 'https://kubernetes-sigs.github.io/descheduler/' });
    expect(values).toMatchObject({ kind: 'Deployment', replicas: 2, leaderElection: { enabled: true }, image: { tag: 'v0.35.1' } });
    const wrapper = readFileSync('tools/client-go-0.35/go.mod', 'utf8');
    expect(wrapper).toMatch(/^\tsigs\.k8s\.io\/descheduler v0\.35\.1$/m);
  });

  it('evicts only pods that break a hard topology spread rule, never pods with a volume', () => {
    const [profile] = values.deschedulerPolicy.profiles;
    expect(profile.plugins).toEqual({ balance: { enabled: ['RemovePodsViolatingTopologySpreadConstraint'] } });
    const args = Object.fromEntries(profile.pluginConfig.map((p: { name: string; args: unknown }) => [p.name, p.args]));
    expect(args.RemovePodsViolatingTopologySpreadConstraint).toEqual({ constraints: ['DoNotSchedule'] });
    expect(args.DefaultEvictor.podProtections.extraEnabled).toContain('PodsWithPVC');
    expect(args.DefaultEvictor.nodeFit).toBe(true);
  });

  it('its namespace runs under restricted Pod Security', () => {
    const ns = find('Namespace', 'descheduler', 'dist/cluster/');
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});
