/**
 * The log collector's configuration (OpenTelemetry Collector, tools/otelcol's components):
 *
 *   /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log
 *     --filelog (container: CRI/docker lines, partial lines joined, k8s.* from the path;
 *                json_parser: an app's JSON line becomes the body map, anything else stays the raw line)
 *     --memory_limiter --transform (environment, node, service.name, severity, log.format)
 *     --routing (by flextime.environment; anything unmatched goes to the platform group)
 *     --> awscloudwatchlogs/<group>  (persistent sending queue in the node's state directory)
 *
 * Nothing is dropped on purpose: a line that is not JSON, or JSON that does not parse, is shipped
 * raw with `log.format` saying so; failed statements are ignored (error_mode), not the record; a
 * refused batch is retried by the receiver. What still fails (CloudWatch unreachable past the
 * retry window, a full queue) is counted in the collector's own metrics, which the
 * FlextimeLogShippingFailing alert reads (charts/logging.ts).
 *
 * Node-specific values come from the pod's environment (the DaemonSet sets them), so the rendered
 * file is the same on every node and the collector-config test can run it unchanged on sample
 * files (test/logging-collector.test.ts swaps only the exporters).
 */
import type { Platform } from '../config/index.ts';
import type { LogGroupKey } from '../config/schema-logs.ts';
import { namespaceOf } from './context.ts';

export const LOG_COLLECTOR = 'log-collector';
export const LOG_HEALTH_PORT = 13133;
export const LOG_TELEMETRY_PORT = 8888;

/** Environment variables the configuration reads; the DaemonSet sets each one. */
export const COLLECTOR_ENV = {
  /** Directory of the node's pod logs (/var/log/pods, mounted read-only). */
  podLogs: 'POD_LOG_DIRECTORY',
  /** Writable state: read offsets and the sending queues. */
  state: 'STATE_DIRECTORY',
  /** spec.nodeName: the CloudWatch log stream of this node. */
  node: 'K8S_NODE_NAME',
  /** status.podIP: the listeners (health, own metrics) bind the pod's address only. */
  podIp: 'POD_IP',
} as const;

const env = (name: string) => `\${env:${name}}`;

/** The CloudWatch Logs group of a key: `<prefix>/<environment>` or `<prefix>/platform`. */
export function logGroupName(platform: Platform, key: LogGroupKey): string {
  return `${platform.observability.logs.logGroupPrefix}/${key}`;
}

/** Severity text (upper-cased `level` of the app's JSON line) -> OTLP severity number. */
const SEVERITIES: ReadonlyArray<[string, string]> = [
  ['DEBUG', 'SEVERITY_NUMBER_DEBUG'], ['INFO', 'SEVERITY_NUMBER_INFO'], ['WARN', 'SEVERITY_NUMBER_WARN'],
  ['WARNING', 'SEVERITY_NUMBER_WARN'], ['ERROR', 'SEVERITY_NUMBER_ERROR'], ['FATAL', 'SEVERITY_NUMBER_FATAL'], ['CRITICAL', 'SEVERITY_NUMBER_FATAL'],
];

export function logCollectorConfig(platform: Platform): Record<string, unknown> {
  const { logs } = platform.observability;
  const environments = platform.environments.map((e) => ({ key: e.name as LogGroupKey, namespace: namespaceOf(platform, e) }));
  const groups: LogGroupKey[] = [...environments.map((e) => e.key), 'platform'];
  const exporter = (key: LogGroupKey) => `awscloudwatchlogs/${key}`;
  const pipeline = (key: LogGroupKey) => `logs/${key}`;
  const telemetry = { metrics: { level: 'normal', readers: [{ pull: { exporter: { prometheus: { host: env(COLLECTOR_ENV.podIp), port: LOG_TELEMETRY_PORT } } } }] } };

  return {
    extensions: {
      health_check: { endpoint: `${env(COLLECTOR_ENV.podIp)}:${LOG_HEALTH_PORT}` },
      // Read offsets survive restarts (no line read twice or skipped), and so do queued batches.
      file_storage: { directory: env(COLLECTOR_ENV.state), create_directory: false },
    },
    receivers: {
      filelog: {
        include: [`${env(COLLECTOR_ENV.podLogs)}/*/*/*.log`],
        // A node's first collector starts at the end (no backlog of days); afterwards the stored offsets decide.
        start_at: 'end',
        include_file_path: true,
        include_file_name: false,
        storage: 'file_storage',
        // The memory limiter's refusal is retried here instead of dropping the lines.
        retry_on_failure: { enabled: true },
        operators: [
          { type: 'container', id: 'container' },
          // The apps log one JSON object per line (docs/observability.md "Log contract").
          { type: 'json_parser', id: 'app-json', if: 'body matches "^\\\\s*\\\\{"', parse_from: 'body', parse_to: 'body', on_error: 'send_quiet' },
        ],
      },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_percentage: logs.collector.memoryLimitPercent, spike_limit_percentage: 15 },
      'transform/metadata': {
        // A statement that fails leaves the record as it was; it is never dropped.
        error_mode: 'ignore',
        log_statements: [
          {
            context: 'resource',
            statements: [
              'set(resource.attributes["flextime.environment"], "platform")',
              ...environments.map((e) => `set(resource.attributes["flextime.environment"], "${e.key}") where resource.attributes["k8s.namespace.name"] == "${e.namespace}"`),
              `set(resource.attributes["k8s.node.name"], "${env(COLLECTOR_ENV.node)}")`,
              'set(resource.attributes["service.name"], resource.attributes["k8s.container.name"])',
            ],
          },
          {
            context: 'log',
            statements: [
              'set(log.attributes["log.format"], "json") where IsMap(log.body)',
              'set(log.attributes["log.format"], "text") where not IsMap(log.body)',
              // Looked like JSON but did not parse: shipped raw, and findable.
              'set(log.attributes["log.format"], "unparsed-json") where IsString(log.body) and IsMatch(log.body, "^[ ]*[{]")',
              'set(log.severity_text, ToUpperCase(log.body["level"])) where IsMap(log.body) and IsString(log.body["level"])',
              ...SEVERITIES.map(([text, number]) => `set(log.severity_number, ${number}) where log.severity_text == "${text}"`),
            ],
          },
        ],
      },
    },
    connectors: {
      routing: {
        // A condition that errors sends the record to the default pipeline, never to nowhere.
        error_mode: 'ignore',
        default_pipelines: [pipeline('platform')],
        table: environments.map((e) => ({ context: 'resource', condition: `resource.attributes["flextime.environment"] == "${e.key}"`, pipelines: [pipeline(e.key)] })),
      },
    },
    exporters: Object.fromEntries(groups.map((key) => [exporter(key), {
      // The IRSA webhook sets AWS_REGION; the groups exist (Terraform), the role cannot create others.
      region: env('AWS_REGION'),
      log_group_name: logGroupName(platform, key),
      log_stream_name: '{NodeName}',
      sending_queue: { enabled: true, queue_size: logs.collector.queueSize, storage: 'file_storage' },
      retry_on_failure: { enabled: true, max_elapsed_time: '10m' },
    }])),
    service: {
      extensions: ['health_check', 'file_storage'],
      telemetry,
      pipelines: {
        'logs/in': { receivers: ['filelog'], processors: ['memory_limiter', 'transform/metadata'], exporters: ['routing'] },
        ...Object.fromEntries(groups.map((key) => [pipeline(key), { receivers: ['routing'], exporters: [exporter(key)] }])),
      },
    },
  };
}
