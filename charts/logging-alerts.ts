/**
 * The log collector's alert (dist/cluster/logging): records that the collector could not hand to
 * CloudWatch Logs, read from the collector's own metrics (its Prometheus endpoint, port
 * `metrics`). Names are those the collector of tools/otelcol exposes: test/logging-collector.test.ts
 * scrapes the real binary, test/metric-contract.test.ts checks every matcher against config/metrics.ts.
 *
 *   send_failed     a batch CloudWatch Logs refused, or that failed until the retry window ended
 *   enqueue_failed  a batch that found the sending queue full (CloudWatch unreachable for long)
 */
import type { Platform } from '../config/index.ts';
import { selector, type RuleGroup } from '../lib/monitoring/rules.ts';

export const LOG_SHIPPING_ALERT = 'FlextimeLogShippingFailing';

export function logCollectorAlertGroups(platform: Platform): RuleGroup[] {
  const ns = selector({ namespace: platform.observability.logs.namespace });
  const failed = (metric: string) => `sum by (exporter) (rate(${metric}${ns}[5m])) > 0`;
  return [{
    name: 'flextime-log-collector',
    rules: [{
      alert: LOG_SHIPPING_ALERT,
      expr: `${failed('otelcol_exporter_send_failed_log_records_total')} or ${failed('otelcol_exporter_enqueue_failed_log_records_total')}`,
      for: '10m',
      // No environment label: the collector is the cluster's, so this routes like a cluster alert.
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Container logs are not reaching CloudWatch Logs',
        description: '{{ $value | humanize }} log records per second of {{ $labels.exporter }} failed to ship or found the sending queue full for 10 minutes; they are lost for search and archive.',
        runbook_url: `${platform.observability.alerting.runbookBaseUrl}/${LOG_SHIPPING_ALERT}.md`,
      },
    }],
  }];
}
