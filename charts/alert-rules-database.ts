/**
 * Alerts on PostgreSQL itself (postgres_exporter, charts/database-exporter.ts) and the weekly
 * right-sizing ticket (requests vs VPA recommendations, lib/monitoring/right-sizing.ts). All are
 * `warning`: a ticket in Slack/Teams, never a page (charts/alerting.ts). Thresholds come from
 * `observability.alerts`; every selector is the environment's namespace.
 */
import { promNumber, type RuleGroup } from '../lib/monitoring/rules.ts';
import { requestsByWorkload, vpaByWorkload, type Resource } from '../lib/monitoring/right-sizing.ts';
import { alertBuilder, envSelector, type AlertRuleContext } from './alert-rules.ts';

/** The role of the nightly pg_dump (config/database.ts backup.user): its snapshot is one long transaction by design. */
export interface DatabaseAlertContext extends AlertRuleContext {
  readonly backupUser: string;
}

export function databaseAlertGroup(ctx: DatabaseAlertContext): RuleGroup {
  const t = ctx.thresholds;
  const ns = envSelector(ctx);
  const alert = alertBuilder(ctx);
  return {
    name: 'flextime-database',
    rules: [
      alert(
        'FlextimePostgresExporterDown', 'warning',
        `max by (namespace) (pg_up${ns()}) == 0`,
        '5m',
        'postgres_exporter cannot query PostgreSQL in ' + ctx.namespace,
        `postgres_exporter in ${ctx.namespace} has not reached the database for 5 minutes: every other database alert is blind until it does.`,
      ),
      alert(
        'FlextimeDatabaseConnectionsNearLimit', 'warning',
        // Client sessions only: background workers do not count against max_connections.
        `sum by (namespace) (pg_stat_activity_count${ns({ backend_type: 'client backend' })})\n/ on (namespace)\nmax by (namespace) (pg_settings_max_connections${ns()})\n> ${promNumber(t.dbConnectionsPercent / 100)}`,
        t.dbConnectionsFor,
        `PostgreSQL connections are above ${t.dbConnectionsPercent} % of max_connections`,
        `{{ $value | humanizePercentage }} of max_connections are in use in ${ctx.namespace} (threshold ${t.dbConnectionsPercent} %); at 100 % new sessions, including PgBouncer's, are refused.`,
      ),
      alert(
        'FlextimeDatabaseDeadlocks', 'warning',
        `sum by (namespace, datname) (increase(pg_stat_database_deadlocks${ns()}[15m])) > 0`,
        undefined,
        'Deadlocks in database {{ $labels.datname }}',
        `PostgreSQL aborted {{ $value | humanize }} transactions of {{ $labels.datname }} in ${ctx.namespace} as deadlock victims in the last 15 minutes: two code paths take the same locks in different orders.`,
      ),
      alert(
        'FlextimeDatabaseLongTransaction', 'warning',
        `max by (namespace, datname, usename, state) (pg_stat_activity_max_tx_duration{namespace="${ctx.namespace}",usename!="${ctx.backupUser}"}) > ${t.dbLongTransactionSeconds}`,
        '2m',
        'A transaction of {{ $labels.usename }} has been open for over ' + t.dbLongTransactionSeconds + ' s',
        `A {{ $labels.state }} session of {{ $labels.usename }} on {{ $labels.datname }} in ${ctx.namespace} has had a transaction open for {{ $value | humanizeDuration }} (bound ${t.dbLongTransactionSeconds} s): it holds its locks and keeps vacuum from removing dead rows.`,
      ),
    ],
  };
}

/** Requests vs VPA over the last week, per resource: far above the highest target, or below the lowest lower bound. */
export function rightSizingAlertGroup(ctx: AlertRuleContext): RuleGroup {
  const ratio = ctx.thresholds.rightSizingMaxRatio;
  const ns = `namespace="${ctx.namespace}"`;
  const alert = alertBuilder(ctx);
  const check = (resource: Resource) =>
    `(\n  ${requestsByWorkload(ns, resource)}\n/\n  ${vpaByWorkload('target', ns, resource, { fn: 'max_over_time', range: '7d' })}\n) > ${promNumber(ratio)}\nor\n(\n  ${requestsByWorkload(ns, resource)}\n/\n  ${vpaByWorkload('lowerbound', ns, resource, { fn: 'min_over_time', range: '7d' })}\n) < 1`;
  return {
    name: 'flextime-right-sizing',
    // The question is weekly: once an hour is enough.
    interval: '1h',
    rules: (['cpu', 'memory'] as const).map((resource) => alert(
      resource === 'cpu' ? 'FlextimeCpuRequestNotRightSized' : 'FlextimeMemoryRequestNotRightSized', 'warning',
      check(resource),
      '1h',
      `The ${resource} request of {{ $labels.workload }}/{{ $labels.container }} does not match its VPA recommendation`,
      `Over the last 7 days the ${resource} request of container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.workload }} was {{ printf "%.2f" $value }}× the VPA's recommendation (above ${ratio}× its highest target: over-provisioned; below 1× its lowest lower bound: under-provisioned). Adjust the request in config.`,
    )),
  };
}
