/**
 * The rendered workloads of every environment: PSS restricted, probes and limits, autoscalers
 * that match config, Redis in-cluster or external as config says, secrets by reference only,
 * and a quota that holds every workload at max replicas.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { parseImage } from '../config/schema.ts';
import { parseCpu, parseMemory } from '../lib/values/quantity.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { find, objects, renderPlatform } from './helpers.ts';
import { podTemplate, violations, workloadKind } from './pod-model.ts';

const platform = loadConfig();
const files = renderPlatform(platform);
const ENVS = platform.environments.map((e) => e.name);

const workloads = (env: string) => objects(`dist/${env}/`, files).filter((o) => podTemplate(o));

describe.each(ENVS)('workloads in %s', (envName) => {
  const env = platform.environments.find((e) => e.name === envName)!;
  const prefix = `dist/${envName}/`;

  it('renders api-svc and scheduler-svc, each with ServiceAccount, Service, PDB, VPA and ExternalSecret', () => {
    for (const name of ['api-svc', 'scheduler-svc']) {
      for (const kind of [workloadKind(envName, name), 'ServiceAccount', 'Service', 'PodDisruptionBudget', 'VerticalPodAutoscaler']) {
        expect(find(kind, name, `${prefix}${name}/`, files).metadata.namespace).toBe(`flextime-${envName}`);
      }
      expect(find('ExternalSecret', `${name}-secrets`, `${prefix}${name}/`, files)).toBeDefined();
    }
  });

  it('meets PSS restricted, with probes, requests and limits in every container of every workload', () => {
    const all = workloads(envName);
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const o of all) expect({ [o.metadata.name!]: violations(podTemplate(o)!) }).toEqual({ [o.metadata.name!]: [] });
  });

  it('labels pods with name=<service> and instance=<service>-<env>, and selects on exactly those', () => {
    for (const o of workloads(envName)) {
      const name = o.metadata.name!;
      const labels = podTemplate(o)!.metadata.labels;
      expect(labels['app.kubernetes.io/name']).toBe(name);
      expect(labels['app.kubernetes.io/instance']).toBe(`${name}-${envName}`);
      expect((o.spec as { selector: unknown }).selector).toEqual({
        matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': `${name}-${envName}` },
      });
    }
  });

  it('gives every Service a `metrics` port whose target is a named port of the selected pods', () => {
    for (const name of ['api-svc', 'scheduler-svc', ...(env.redis.mode === 'in-cluster' ? ['redis'] : [])]) {
      const svc = find('Service', name, prefix, files);
      const ports = (svc.spec as { ports: Array<{ name: string; targetPort: string }> }).ports;
      const metrics = ports.find((p) => p.name === 'metrics');
      expect(metrics, name).toBeDefined();
      const pod = podTemplate(objects(prefix, files).find((o) => podTemplate(o) && o.metadata.name === name)!)!;
      const named = pod.spec.containers.flatMap((c) => c.ports ?? []).map((p) => p.name);
      for (const p of ports) expect(named).toContain(p.targetPort);
    }
  });

  it('leaves replicas of autoscaled Deployments and Rollouts to their autoscaler', () => {
    for (const name of ['api-svc', 'scheduler-svc']) {
      expect((find(workloadKind(envName, name), name, prefix, files).spec as { replicas?: number }).replicas).toBeUndefined();
    }
  });

  it('rolls out with maxUnavailable 0 and maxSurge from config', () => {
    const strategy = (find(workloadKind(envName, 'api-svc'), 'api-svc', prefix, files).spec as { strategy: { canary?: object; blueGreen?: object } }).strategy;
    const surge = { maxUnavailable: 0, maxSurge: `${platform.maxSurgePercent}%` };
    if (workloadKind(envName, 'api-svc') === 'Deployment') expect(strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: surge });
    else if (strategy.canary) expect(strategy.canary).toMatchObject(surge);
    else expect(strategy.blueGreen).toMatchObject({ activeService: 'api-svc', previewService: 'api-svc-preview' });
  });

  it('scales api-svc with an HPA whose bounds and targets match config', () => {
    const hpa = find('HorizontalPodAutoscaler', 'api-svc', prefix, files).spec as {
      minReplicas: number; maxReplicas: number; scaleTargetRef: { kind: string; name: string };
      metrics: Array<{ resource: { name: string; target: { averageUtilization: number } } }>;
      behavior: { scaleDown: { stabilizationWindowSeconds: number }; scaleUp: { policies: Array<{ type: string; value: number; periodSeconds: number }> } };
    };
    const scaling = platform.services.find((s) => s.name === 'api-svc')!.autoscaling;
    if (scaling.kind !== 'hpa') throw new Error('api-svc scales with an HPA');
    expect(hpa.minReplicas).toBe(env.services['api-svc']!.replicas.min);
    expect(hpa.maxReplicas).toBe(env.services['api-svc']!.replicas.max);
    expect(hpa.scaleTargetRef).toMatchObject({ kind: workloadKind(envName, 'api-svc'), name: 'api-svc' });
    expect(Object.fromEntries(hpa.metrics.map((m) => [m.resource.name, m.resource.target.averageUtilization])))
      .toEqual({ cpu: scaling.cpuUtilization, memory: scaling.memoryUtilization });
    expect(hpa.behavior.scaleDown.stabilizationWindowSeconds).toBe(scaling.scaleDownStabilizationSeconds);
    expect(hpa.behavior.scaleUp.policies).toContainEqual({ type: 'Percent', value: scaling.scaleUpPercent, periodSeconds: scaling.scaleUpPeriodSeconds });
  });

  it('scales scheduler-svc with a KEDA ScaledObject on the Redis list from config, authenticated from a Secret', () => {
    const so = find('ScaledObject', 'scheduler-svc', prefix, files).spec as {
      minReplicaCount: number; maxReplicaCount: number; cooldownPeriod: number; pollingInterval: number;
      fallback: { failureThreshold: number; replicas: number };
      triggers: Array<{ type: string; metadata: Record<string, string>; authenticationRef: { name: string } }>;
    };
    const scaling = platform.services.find((s) => s.name === 'scheduler-svc')!.autoscaling;
    if (scaling.kind !== 'redis-queue') throw new Error('scheduler-svc scales on the queue');
    expect(so.minReplicaCount).toBe(env.services['scheduler-svc']!.replicas.min);
    expect(so.maxReplicaCount).toBe(env.services['scheduler-svc']!.replicas.max);
    expect(so.cooldownPeriod).toBe(scaling.cooldownPeriodSeconds);
    expect(so.pollingInterval).toBe(scaling.pollingIntervalSeconds);
    expect(so.fallback).toEqual(scaling.fallback);
    expect(so.triggers[0]!.type).toBe('redis');
    expect(so.triggers[0]!.metadata).toMatchObject({ listName: scaling.listName, listLength: String(scaling.listLength) });
    expect(JSON.stringify(so.triggers[0]!.metadata)).not.toMatch(/password/i);
    const auth = find('TriggerAuthentication', so.triggers[0]!.authenticationRef.name, prefix, files);
    expect(auth.spec).toEqual({ secretTargetRef: [{ parameter: 'password', name: 'scheduler-svc-secrets', key: 'REDIS_PASSWORD' }] });
  });

  it('applies each KEDA scaler in a later sync wave than its TriggerAuthentication, the ExternalSecret of its password and its target', () => {
    // KEDA reconciling a ScaledObject before these exist marks it Ready=False (Degraded to ArgoCD).
    const wave = (o: KubeObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    const all = objects(prefix, files);
    const scalers = all.filter((o) => o.kind === 'ScaledObject' || o.kind === 'ScaledJob');
    expect(scalers.length).toBeGreaterThan(0);
    for (const s of scalers) {
      const spec = s.spec as { scaleTargetRef?: { kind?: string; name: string }; triggers: Array<{ authenticationRef: { name: string } }> };
      const auth = find('TriggerAuthentication', spec.triggers[0]!.authenticationRef.name, prefix, files);
      const secretName = (auth.spec as { secretTargetRef: Array<{ name: string }> }).secretTargetRef[0]!.name;
      const external = all.find((o) => o.kind === 'ExternalSecret' && ((o.spec as { target?: { name?: string } }).target?.name ?? o.metadata.name) === secretName);
      if (!external) throw new Error(`${s.kind} ${s.metadata.name}: no ExternalSecret writes Secret ${secretName}`);
      const before = [auth, external, ...(spec.scaleTargetRef ? [find(spec.scaleTargetRef.kind ?? 'Deployment', spec.scaleTargetRef.name, prefix, files)] : [])];
      for (const o of before) expect(wave(s), `${s.kind} ${s.metadata.name} after ${o.kind} ${o.metadata.name}`).toBeGreaterThan(wave(o));
    }
  });

  it('gives scheduler-svc a grace period that outlasts a 5-minute solve', () => {
    const pod = podTemplate(find('Deployment', 'scheduler-svc', prefix, files))!;
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(300);
  });

  it('keeps at least minAvailable api-svc pods up only where the minimum leaves room for a drain', () => {
    const pdb = find('PodDisruptionBudget', 'api-svc', prefix, files).spec as { minAvailable?: number; maxUnavailable?: number };
    const min = env.services['api-svc']!.replicas.min;
    if (min > 2) expect(pdb).toMatchObject({ minAvailable: 2 });
    else expect(pdb).toMatchObject({ maxUnavailable: 1 });
    if (pdb.minAvailable !== undefined) expect(pdb.minAvailable).toBeLessThan(min);
  });

  it('pins every image by digest where the environment requires it', () => {
    for (const o of workloads(envName)) {
      for (const c of podTemplate(o)!.spec.containers) {
        if (env.security.requireImageDigest) expect(parseImage(c.image).digest, c.image).toMatch(/^sha256:/);
        expect(c.image).not.toMatch(/:latest(@|$)/);
      }
    }
  });

  it('reads secrets only through ExternalSecrets of the environment store; no Secret object is rendered', () => {
    expect(objects(prefix, files).filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const es of objects(prefix, files).filter((o) => o.kind === 'ExternalSecret')) {
      expect((es.spec as { secretStoreRef: unknown }).secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: `aws-secrets-manager-${envName}` });
    }
  });

  it('fits the namespace ResourceQuota with every workload at max replicas plus rolling-update surge', () => {
    const quota = find('ResourceQuota', `flextime-${envName}`, prefix, files).spec as { hard: Record<string, string | number> };
    const maxPods = (o: KubeObject): number => {
      const name = o.metadata.name!;
      const hpa = objects(prefix, files).find((x) => x.kind === 'HorizontalPodAutoscaler' && (x.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name);
      const so = objects(prefix, files).find((x) => x.kind === 'ScaledObject' && (x.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name);
      const spec = o.spec as { replicas?: number; maxReplicaCount?: number };
      const max = (hpa?.spec as { maxReplicas?: number } | undefined)?.maxReplicas
        ?? (so?.spec as { maxReplicaCount?: number } | undefined)?.maxReplicaCount
        ?? spec.maxReplicaCount
        ?? spec.replicas;
      if (max === undefined) throw new Error(`${o.kind} ${name}: no replica bound`);
      const strategy = (o.spec as { strategy?: { blueGreen?: unknown } }).strategy;
      if (o.kind === 'Rollout' && strategy?.blueGreen) return 2 * max; // both colours run until the old one scales down
      return o.kind === 'Deployment' || o.kind === 'Rollout' ? max + Math.ceil((max * platform.maxSurgePercent) / 100) : max;
    };
    const sum = { 'requests.cpu': 0, 'requests.memory': 0, 'limits.cpu': 0, 'limits.memory': 0 } as Record<string, number>;
    let pods = 0;
    for (const o of workloads(envName)) {
      const n = maxPods(o);
      pods += n;
      for (const c of podTemplate(o)!.spec.containers) {
        sum['requests.cpu']! += n * parseCpu(String(c.resources!.requests!.cpu))!;
        sum['requests.memory']! += n * parseMemory(String(c.resources!.requests!.memory))!;
        sum['limits.cpu']! += n * parseCpu(String(c.resources!.limits!.cpu))!;
        sum['limits.memory']! += n * parseMemory(String(c.resources!.limits!.memory))!;
      }
    }
    for (const key of Object.keys(sum)) {
      const parse = key.endsWith('cpu') ? parseCpu : parseMemory;
      expect(sum[key], `${key} in ${envName}`).toBeLessThanOrEqual(parse(String(quota.hard[key]))!);
    }
    expect(pods).toBeLessThanOrEqual(Number(quota.hard.pods));
  });
});
