import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config/index.ts';
import { find, objects, rawConfig, renderPlatform } from './helpers.ts';

const platform = loadConfig();
const files = renderPlatform();
const ns = platform.observability.tracing.namespace;
const configOf = (name: string, from = files) =>
  parse((find('ConfigMap', name, 'dist/cluster/tracing/', from).data as Record<string, string>)['config.yaml']!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('tracing', () => {
  it('serves OTLP at the address the apps are given in flextime-settings', () => {
    const service = find('Service', 'otel-collector', 'dist/cluster/tracing/', files);
    expect(service.metadata.namespace).toBe(ns);
    expect((service.spec as { ports: { name: string; port: number }[] }).ports.map((p) => [p.name, p.port]))
      .toEqual([['otlp-grpc', 4317], ['otlp-http', 4318], ['metrics', 8889]]);
    for (const env of platform.environments) {
      const settings = find('ConfigMap', 'flextime-settings', `dist/${env.name}/namespaces/`, files);
      expect((settings.data as Record<string, string>).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://otel-collector.${ns}.svc.cluster.local:4317`);
    }
  });

  it('exports sampled traces to Jaeger and span metrics of every span to Prometheus', () => {
    const c = configOf('otel-collector');
    expect(c.service.pipelines).toEqual({
      'traces/in': { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['spanmetrics', 'forward'] },
      'traces/sampled': { receivers: ['forward'], processors: ['probabilistic_sampler', 'batch'], exporters: ['otlp/jaeger'] },
      'metrics/spanmetrics': { receivers: ['spanmetrics'], processors: ['batch'], exporters: ['prometheus'] },
    });
    expect(c.exporters['otlp/jaeger'].endpoint).toBe(`jaeger.${ns}.svc.cluster.local:4317`);
    expect(c.processors.probabilistic_sampler.sampling_percentage).toBe(platform.observability.tracing.samplingPercent);
    const monitor = find('ServiceMonitor', 'otel-collector', 'dist/cluster/tracing/', files);
    expect(monitor.spec).toMatchObject({ endpoints: [{ port: 'metrics' }] });
  });

  it('keeps spans in Jaeger for the retention from config', () => {
    expect(configOf('jaeger').extensions.jaeger_storage.backends.badger_store.badger.ttl.spans).toBe('168h');
    const raw = rawConfig();
    raw.observability.tracing.retention = '72h';
    expect(configOf('jaeger', renderPlatform(loadConfig(raw))).extensions.jaeger_storage.backends.badger_store.badger.ttl.spans).toBe('72h');
    const sts = find('StatefulSet', 'jaeger', 'dist/cluster/tracing/', files);
    expect((sts.spec as { volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] }).volumeClaimTemplates[0]!.spec.resources.requests.storage)
      .toBe(platform.observability.tracing.storage);
  });

  it('runs hardened pods (non-root, read-only root, no capabilities)', () => {
    const pods = objects('dist/cluster/tracing/', files).filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(['jaeger', 'otel-collector']);
    for (const p of pods) {
      const spec = (p.spec as { template: { spec: { securityContext: object; containers: { securityContext: object }[] } } }).template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of spec.containers) {
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
    }
  });
});
