/**
 * FlexTime's alerts that are not SLO burn rates: business (scheduler jobs and queue), platform
 * (HPA, crash loops, volumes, certificates) and data (backups, restore checks, PgBouncer,
 * Redis); PostgreSQL itself and right-sizing in charts/alert-rules-database.ts. Thresholds come from `observability.alerts`; every expression is scoped to the
 * environment's namespace because all environments share one Prometheus.
 */
import type { Observability } from '../config/schema.ts';
import { promNumber, selector, type AlertingRule, type RuleGroup } from '../lib/monitoring/rules.ts';

export interface AlertRuleContext {
  /** Namespace of the environment; every selector includes it. */
  readonly namespace: string;
  /** Static labels on every alert (environment). */
  readonly labels: Readonly<Record<string, string>>;
  readonly thresholds: Observability['alerts'];
  readonly runbookUrl: (alert: string) => string;
  /** Redis runs in the environment's namespace (its exporter is scraped there); else no Redis alert can fire. */
  readonly redisInCluster: boolean;
}

/** One alerting rule of the environment: its labels (environment, severity) and runbook link. */
export type AlertBuilder = (
  name: string,
  severity: 'critical' | 'warning',
  expr: string,
  forDuration: string | undefined,
  summary: string,
  description: string,
) => AlertingRule;

export function alertBuilder(ctx: AlertRuleContext): AlertBuilder {
  return (name, severity, expr, forDuration, summary, description) => ({
    alert: name,
    expr,
    ...(forDuration ? { for: forDuration } : {}),
    labels: { ...ctx.labels, severity },
    annotations: { summary, description, runbook_url: ctx.runbookUrl(name) },
  });
}

/** `{namespace="<env ns>", …}` of the environment. */
export function envSelector(ctx: AlertRuleContext): (extra?: Record<string, string>, regex?: Record<string, string>) => string {
  return (extra = {}, regex = {}) => selector({ namespace: ctx.namespace, ...extra }, regex);
}

export function platformAlertGroups(ctx: AlertRuleContext): RuleGroup[] {
  const t = ctx.thresholds;
  const ns = envSelector(ctx);
  const alert = alertBuilder(ctx);

  return [
    {
      name: 'flextime-business',
      rules: [
        alert(
          'FlextimeScheduleJobFailures', 'warning',
          `sum(increase(flextime_schedule_jobs_total${ns({}, { status: 'failed|timeout' })}[1h])) >= ${t.jobFailuresPerHour}`,
          undefined,
          'Schedule-generation jobs are failing',
          `{{ $value | humanize }} schedule jobs failed or timed out in ${ctx.namespace} within the last hour (threshold ${t.jobFailuresPerHour}).`,
        ),
        alert(
          'FlextimeScheduleQueueBacklog', 'warning',
          `max(flextime_schedule_queue_length${ns()}) > ${t.queueBacklogJobs}`,
          t.queueBacklogFor,
          'Schedule jobs are piling up in the queue',
          `{{ $value }} jobs have waited in the ${ctx.namespace} scheduler queue for ${t.queueBacklogFor} (threshold ${t.queueBacklogJobs}); workers are not keeping up.`,
        ),
      ],
    },
    {
      name: 'flextime-platform',
      rules: [
        alert(
          'FlextimeHPAAtMaxReplicas', 'warning',
          `kube_horizontalpodautoscaler_status_current_replicas${ns()}\n>= on (namespace, horizontalpodautoscaler)\nkube_horizontalpodautoscaler_spec_max_replicas${ns()}`,
          t.hpaAtMaxFor,
          'HPA {{ $labels.horizontalpodautoscaler }} has been at its maximum for ' + t.hpaAtMaxFor,
          `HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} runs {{ $value }} replicas, its maximum, and cannot absorb more load.`,
        ),
        alert(
          'FlextimePodCrashLooping', 'warning',
          `max_over_time(kube_pod_container_status_waiting_reason${ns({ reason: 'CrashLoopBackOff' })}[5m]) >= 1`,
          '15m',
          'Pod {{ $labels.pod }} is crash-looping',
          'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} has been in CrashLoopBackOff for 15 minutes.',
        ),
        alert(
          'FlextimePersistentVolumeFillingUp', 'warning',
          `kubelet_volume_stats_used_bytes${ns()}\n/ on (namespace, persistentvolumeclaim)\nkubelet_volume_stats_capacity_bytes${ns()}\n> ${promNumber(t.pvcUsedPercent / 100)}`,
          '5m',
          'Volume {{ $labels.persistentvolumeclaim }} is over ' + t.pvcUsedPercent + ' % full',
          `PersistentVolumeClaim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full (threshold ${t.pvcUsedPercent} %).`,
        ),
        alert(
          'FlextimeCertificateExpiringSoon', 'warning',
          // cert-manager's own `namespace` label arrives as `exported_namespace`: its ServiceMonitor
          // (honorLabels false) sets `namespace` to cert-manager's, where the metric is scraped.
          `certmanager_certificate_expiration_timestamp_seconds${selector({ exported_namespace: ctx.namespace })} - time() < ${t.certExpiryDays * 86_400}`,
          '1h',
          'Certificate {{ $labels.name }} expires in less than ' + t.certExpiryDays + ' days',
          `cert-manager Certificate {{ $labels.exported_namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }} and has not been renewed (renewal normally happens 30 days ahead).`,
        ),
      ],
    },
    {
      name: 'flextime-data',
      rules: [
        alert(
          'FlextimeBackupMissing', 'critical',
          `time() - max by (namespace, database) (flextime_backup_last_success_timestamp_seconds${ns()}) > ${t.backupMaxAgeHours * 3600}`,
          '10m',
          'No successful backup of {{ $labels.database }} for ' + t.backupMaxAgeHours + ' hours',
          `The last successful backup of {{ $labels.database }} in ${ctx.namespace} finished {{ $value | humanizeDuration }} ago (limit ${t.backupMaxAgeHours} h).`,
        ),
        alert(
          'FlextimeBackupMissing', 'warning',
          `absent(flextime_backup_last_success_timestamp_seconds${ns()})`,
          '1h',
          'The backup job reports no metric in ' + ctx.namespace,
          `flextime_backup_last_success_timestamp_seconds has not been seen in ${ctx.namespace} for an hour: the backup job is not running or cannot reach the Pushgateway, so missed backups would go unnoticed.`,
        ),
        alert(
          'FlextimeRestoreVerificationFailed', 'critical',
          `min by (namespace, database) (flextime_restore_verify_success${ns()}) == 0`,
          undefined,
          'Restore verification of {{ $labels.database }} failed',
          `The last restore test of {{ $labels.database }} in ${ctx.namespace} failed: backups may not be restorable.`,
        ),
        alert(
          'FlextimePgBouncerSaturated', 'warning',
          `sum by (namespace, database) (pgbouncer_pools_client_waiting_connections${ns()}) > 0`,
          t.pgbouncerWaitingFor,
          'PgBouncer clients are waiting for database connections',
          `{{ $value }} clients of database {{ $labels.database }} in ${ctx.namespace} have waited for a server connection for ${t.pgbouncerWaitingFor}: the pool is too small or queries are slow.`,
        ),
        ...(ctx.redisInCluster ? [alert(
          'FlextimeRedisMemoryHigh', 'warning',
          `(\n  redis_memory_used_bytes${ns()}\n/ on (namespace, pod)\n  redis_memory_max_bytes${ns()}\n> ${promNumber(t.redisMemoryPercent / 100)}\n)\nand on (namespace, pod)\n  redis_memory_max_bytes${ns()} > 0`,
          '10m',
          'Redis is using over ' + t.redisMemoryPercent + ' % of maxmemory',
          `Redis {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of maxmemory; at 100 % it evicts keys or rejects writes, and the job queue lives there.`,
        )] : []),
      ],
    },
  ];
}

/** Every alert name the groups can raise, for runbook checks. */
export function alertNames(groups: readonly RuleGroup[]): string[] {
  return [...new Set(groups.flatMap((g) => g.rules.flatMap((r) => ('alert' in r ? [r.alert] : []))))].sort();
}
