/**
 * dist/cluster/tracing: the OpenTelemetry Collector every app sends OTLP to (the Service
 * `otel-collector` that `otelEndpoint` and the flextime-settings ConfigMap name) and Jaeger v2
 * storing the sampled traces in Badger for `tracing.retention`.
 *
 *   apps --OTLP--> otel-collector --(all spans)--> spanmetrics --> :8889 /metrics (Prometheus)
 *                               \--(sampled)----> jaeger (OTLP) --> Badger (PVC, TTL)
 *
 * Span metrics see every span, so request rates and latencies stay exact; only storage samples.
 */
import type { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import type { Platform } from '../config/index.ts';
import { recommendedLabels, selectorLabels } from '../lib/labels.ts';
import { ProbeCheck } from '../lib/pod-props.ts';
import { MetricsScrape } from '../lib/monitoring/service-monitor.ts';
import { HardenedWorkload, Replicas } from '../lib/workload.ts';
import { clusterChart } from './context.ts';
import { PROMETHEUS_SELECTOR_LABELS } from './monitoring.ts';
import { storageClassFor } from './storage.ts';

const SOURCE = 'charts/tracing.ts';
export const COLLECTOR = 'otel-collector';
export const JAEGER = 'jaeger';
const OTLP_GRPC = 4317;
const OTLP_HTTP = 4318;
const HEALTH = 13133;
const SPAN_METRICS = 8889;
const SELF_METRICS = 8888;
const JAEGER_QUERY = 16686;

/** The collector's pipeline configuration (otelcol-contrib). */
export function collectorConfig(platform: Platform): Record<string, unknown> {
  const { tracing } = platform.observability;
  const telemetry = { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: SELF_METRICS } } } }] } };
  return {
    receivers: {
      otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP}` } } },
    },
    processors: {
      // Refuse data before the container limit is hit instead of being OOM-killed.
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 },
      probabilistic_sampler: { sampling_percentage: tracing.samplingPercent },
      batch: {},
    },
    connectors: {
      spanmetrics: {
        namespace: 'traces.span.metrics',
        histogram: { unit: 's', explicit: { buckets: ['5ms', '10ms', '25ms', '50ms', '100ms', '200ms', '500ms', '1s', '2.5s', '5s', '10s', '60s', '300s'] } },
        metrics_flush_interval: '15s',
      },
      forward: {},
    },
    exporters: {
      [`otlp/${JAEGER}`]: {
        endpoint: `${JAEGER}.${tracing.namespace}.svc.cluster.local:${OTLP_GRPC}`,
        // In-cluster hop; NetworkPolicies restrict who can reach Jaeger's OTLP port.
        tls: { insecure: true },
      },
      prometheus: { endpoint: `0.0.0.0:${SPAN_METRICS}`, resource_to_telemetry_conversion: { enabled: true } },
    },
    extensions: { health_check: { endpoint: `0.0.0.0:${HEALTH}` } },
    service: {
      extensions: ['health_check'],
      telemetry,
      pipelines: {
        'traces/in': { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['spanmetrics', 'forward'] },
        'traces/sampled': { receivers: ['forward'], processors: ['probabilistic_sampler', 'batch'], exporters: [`otlp/${JAEGER}`] },
        'metrics/spanmetrics': { receivers: ['spanmetrics'], processors: ['batch'], exporters: ['prometheus'] },
      },
    },
  };
}

/** Jaeger v2's configuration: OTLP in, Badger with a TTL, the query UI. */
export function jaegerConfig(platform: Platform): Record<string, unknown> {
  const { tracing } = platform.observability;
  return {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: {
        resource: { 'service.name': JAEGER },
        metrics: { level: 'basic', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: SELF_METRICS } } } }] },
      },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${HEALTH}` } },
      jaeger_query: { storage: { traces: 'badger_store' }, http: { endpoint: `0.0.0.0:${JAEGER_QUERY}` } },
      jaeger_storage: {
        backends: {
          badger_store: {
            badger: {
              directories: { keys: '/badger/keys', values: '/badger/values' },
              ephemeral: false,
              ttl: { spans: tracing.retention },
            },
          },
        },
      },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC}` } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'badger_store' } },
  };
}

export function tracingChart(app: App, platform: Platform): void {
  const chart = clusterChart(app, 'tracing', SOURCE);
  const { tracing } = platform.observability;
  const namespace = tracing.namespace;
  const identity = (name: string) => ({ name, instance: name, component: 'tracing', partOf: platform.partOf });
  const labels = (name: string) => recommendedLabels(identity(name));
  const configVolume = (name: string) => ({ name: 'config', configMap: { name } });
  const configMount = (path: string) => ({ name: 'config', mountPath: path, readOnly: true });

  new k8s.KubeConfigMap(chart, 'collector-config', {
    metadata: { name: COLLECTOR, namespace, labels: labels(COLLECTOR) },
    data: { 'config.yaml': stringify(collectorConfig(platform), { lineWidth: 0 }) },
  });
  new HardenedWorkload(chart, 'collector', {
    name: COLLECTOR,
    namespace,
    labels: labels(COLLECTOR),
    selectorLabels: selectorLabels(identity(COLLECTOR)),
    replicas: Replicas.fixed(tracing.collector.replicas),
    servicePorts: [
      { name: 'otlp-grpc', port: OTLP_GRPC, targetPort: 'otlp-grpc' },
      { name: 'otlp-http', port: OTLP_HTTP, targetPort: 'otlp-http' },
      { name: 'metrics', port: SPAN_METRICS, targetPort: 'metrics' },
    ],
    pod: {
      // Apps' telemetry and the span metrics SLOs read: above production, like the add-ons.
      priorityClassName: platform.platformPriorityClass,
      containers: [{
        name: 'collector',
        image: tracing.collector.image,
        args: ['--config=/etc/otelcol/config.yaml'],
        ports: [
          { name: 'otlp-grpc', containerPort: OTLP_GRPC },
          { name: 'otlp-http', containerPort: OTLP_HTTP },
          { name: 'metrics', containerPort: SPAN_METRICS },
          { name: 'telemetry', containerPort: SELF_METRICS },
          { name: 'health', containerPort: HEALTH },
        ],
        resources: tracing.collector.resources,
        // Alive: the health listener accepts; ready: the health_check extension reports the pipelines up.
        probes: { liveness: ProbeCheck.tcp('health'), readiness: ProbeCheck.http('/', 'health') },
        volumeMounts: [configMount('/etc/otelcol')],
      }],
      volumes: [configVolume(COLLECTOR)],
    },
  });

  new k8s.KubeConfigMap(chart, 'jaeger-config', {
    metadata: { name: JAEGER, namespace, labels: labels(JAEGER) },
    data: { 'config.yaml': stringify(jaegerConfig(platform), { lineWidth: 0 }) },
  });
  new HardenedWorkload(chart, 'jaeger', {
    name: JAEGER,
    namespace,
    kind: 'StatefulSet',
    labels: labels(JAEGER),
    selectorLabels: selectorLabels(identity(JAEGER)),
    replicas: Replicas.fixed(1),
    servicePorts: [
      { name: 'otlp-grpc', port: OTLP_GRPC, targetPort: 'otlp-grpc' },
      { name: 'http-query', port: JAEGER_QUERY, targetPort: 'http-query' },
      { name: 'metrics', port: SELF_METRICS, targetPort: 'metrics' },
    ],
    volumeClaims: [{ name: 'data', storage: tracing.storage, storageClassName: storageClassFor(platform, undefined) }],
    pod: {
      priorityClassName: platform.platformPriorityClass,
      containers: [{
        name: 'jaeger',
        image: tracing.jaeger.image,
        args: ['--config=/etc/jaeger/config.yaml'],
        ports: [
          { name: 'otlp-grpc', containerPort: OTLP_GRPC },
          { name: 'http-query', containerPort: JAEGER_QUERY },
          { name: 'metrics', containerPort: SELF_METRICS },
          { name: 'health', containerPort: HEALTH },
        ],
        resources: tracing.jaeger.resources,
        probes: { liveness: ProbeCheck.tcp('health'), readiness: ProbeCheck.http('/status', 'health') },
        volumeMounts: [configMount('/etc/jaeger'), { name: 'data', mountPath: '/badger' }],
      }],
      volumes: [configVolume(JAEGER)],
    },
  });

  for (const name of [COLLECTOR, JAEGER]) {
    new MetricsScrape(chart, `scrape-${name}`, {
      name,
      namespace,
      labels: { ...labels(name), ...PROMETHEUS_SELECTOR_LABELS },
      selector: selectorLabels(identity(name)),
    });
  }
}
