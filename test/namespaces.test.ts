/** dist/<env>/namespaces and dist/cluster/namespaces: guarded namespaces, settings, priorities. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { find, objects } from './helpers.ts';

const config = loadConfig();

describe.each(config.environments.map((e) => e.name))('namespace of %s', (env) => {
  const ns = `flextime-${env}`;
  const prefix = `dist/${env}/namespaces/`;
  const values = config.environments.find((e) => e.name === env)!;

  it('enforces, audits and warns Pod Security restricted at a pinned version', () => {
    const labels = find('Namespace', ns, prefix).metadata.labels!;
    for (const mode of ['enforce', 'audit', 'warn']) {
      expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
      expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe(config.podSecurityVersion);
    }
  });

  it('carries the recommended labels and the environment label', () => {
    expect(find('Namespace', ns, prefix).metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'flextime',
      'app.kubernetes.io/instance': ns,
      'app.kubernetes.io/part-of': 'flextime',
      'app.kubernetes.io/managed-by': 'cdk8s',
      'flextime.io/environment': env,
    });
  });

  it('has a ResourceQuota from config that forbids LoadBalancer and NodePort services', () => {
    const hard = (find('ResourceQuota', ns, prefix).spec as { hard: Record<string, unknown> }).hard;
    expect(hard).toEqual({
      'requests.cpu': values.quota.requestsCpu,
      'requests.memory': values.quota.requestsMemory,
      'limits.cpu': values.quota.limitsCpu,
      'limits.memory': values.quota.limitsMemory,
      pods: values.quota.pods,
      services: values.quota.services,
      persistentvolumeclaims: values.quota.persistentVolumeClaims,
      'services.loadbalancers': 0,
      'services.nodeports': 0,
    });
  });

  it('has a LimitRange with container defaults and a ceiling', () => {
    const [limit] = (find('LimitRange', ns, prefix).spec as { limits: Array<Record<string, unknown>> }).limits;
    const rename = (v: { cpu: string; memory: string; ephemeralStorage: string }) => ({ 'cpu': v.cpu, 'memory': v.memory, 'ephemeral-storage': v.ephemeralStorage });
    const { defaultRequest, default: byDefault, max } = values.containerLimits;
    expect(limit).toEqual({ type: 'Container', defaultRequest: rename(defaultRequest), default: rename(byDefault), max: rename(max) });
  });

  it('publishes non-secret settings in the flextime-settings ConfigMap', () => {
    const data = find('ConfigMap', 'flextime-settings', prefix).data as Record<string, string>;
    expect(data).toMatchObject({
      FLEXTIME_ENVIRONMENT: env,
      LOG_LEVEL: values.logLevel,
      PUBLIC_API_URL: `https://api.${values.domain}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: config.otelEndpoint,
      PGBOUNCER_HOST: `pgbouncer.${ns}.svc.cluster.local`,
    });
    for (const [flag, on] of Object.entries(values.features)) {
      const key = `FEATURE_${flag.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
      expect(data[key], key).toBe(String(on));
    }
    expect(Object.keys(data).join(' ')).not.toMatch(/PASSWORD|SECRET|TOKEN|KEY/);
  });
});

describe('priority classes', () => {
  const classes = objects('dist/cluster/namespaces/').filter((o) => o.kind === 'PriorityClass');

  it('renders every configured class once, cluster-wide', () => {
    expect(classes.map((c) => c.metadata.name)).toEqual(['flextime-batch', 'flextime-critical', 'flextime-development', 'flextime-platform', 'flextime-staging', 'flextime-standard']);
  });

  it('makes none of them the global default', () => {
    expect(classes.every((c) => c.globalDefault === false)).toBe(true);
  });

  it('lets batch work wait instead of preempting', () => {
    expect(classes.find((c) => c.metadata.name === 'flextime-batch')!.preemptionPolicy).toBe('Never');
  });
});
