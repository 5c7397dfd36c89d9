/**
 * The "FlexTime Database" dashboard: PostgreSQL's own health from postgres_exporter
 * (charts/database-exporter.ts) — connections against max_connections, locks, deadlocks, the
 * oldest transaction, cache hit ratio, replication lag — and the query-optimisation view: the
 * statements of pg_stat_statements ranked by total time, with what to look at for each
 * (time per call, rows per call, time spent reading blocks). A queryid is looked up in
 * `pg_stat_statements` (docs/runbooks/database-query-review.md).
 */
import type { Platform } from '../config/index.ts';
import type { DashboardSpec } from '../lib/monitoring/grafana.ts';

export function databaseDashboard(platform: Platform, common: Pick<DashboardSpec, 'tags' | 'variables'>): DashboardSpec {
  const ns = `namespace="${platform.partOf}-$environment"`;
  const db = `${ns}, datname="${platform.database.name}"`;
  const rate = (metric: string, selector = ns) => `rate(${metric}{${selector}}[$__rate_interval])`;
  const alerts = platform.observability.alerts;
  // Statements of the app's database, ranked by total time over the dashboard's range.
  const statements = (metric: string) => `sum by (queryid) (increase(${metric}{${db}}[$__range]))`;
  const top = (expr: string) => `topk(10, ${expr})`;
  return {
    ...common,
    uid: 'flextime-database',
    title: 'FlexTime Database',
    description: 'PostgreSQL health (connections, locks, deadlocks, transactions, cache, replication) and the statements that cost the most time.',
    rows: [
      {
        title: 'Health',
        panels: [
          {
            title: 'Connections vs max_connections',
            unit: 'percentunit',
            min: 0,
            max: 1,
            queries: [{ expr: `sum(pg_stat_activity_count{${ns}, backend_type="client backend"}) / max(pg_settings_max_connections{${ns}})`, legend: 'in use' }],
            thresholds: [{ value: alerts.dbConnectionsPercent / 100, color: 'red' }],
          },
          {
            title: 'Connections by state',
            queries: [
              { expr: `sum by (state) (pg_stat_activity_count{${ns}, backend_type="client backend"})`, legend: '{{state}}' },
              { expr: `max(pg_settings_max_connections{${ns}})`, legend: 'max_connections' },
            ],
          },
          { title: 'Exporter reaches PostgreSQL', kind: 'stat', queries: [{ expr: `min(pg_up{${ns}})` }], baseColor: 'red', thresholds: [{ value: 1, color: 'green' }] },
          { title: 'Locks by mode', queries: [{ expr: `sum by (mode) (pg_locks_count{${db}})`, legend: '{{mode}}' }] },
          { title: 'Deadlocks', queries: [{ expr: `sum(increase(pg_stat_database_deadlocks{${db}}[$__rate_interval]))`, legend: 'deadlocks' }], thresholds: [{ value: 1, color: 'red' }] },
          {
            title: 'Oldest open transaction',
            unit: 's',
            queries: [{ expr: `max by (usename, state) (pg_stat_activity_max_tx_duration{${db}})`, legend: '{{usename}} ({{state}})' }],
            thresholds: [{ value: alerts.dbLongTransactionSeconds, color: 'red' }],
          },
          {
            title: 'Cache hit ratio',
            unit: 'percentunit',
            max: 1,
            queries: [{ expr: `sum(${rate('pg_stat_database_blks_hit', db)}) / (sum(${rate('pg_stat_database_blks_hit', db)}) + sum(${rate('pg_stat_database_blks_read', db)}))`, legend: 'hit ratio' }],
            baseColor: 'red',
            thresholds: [{ value: 0.99, color: 'green' }],
          },
          { title: 'Replication lag', unit: 's', queries: [{ expr: `max(pg_replication_lag_seconds{${ns}})`, legend: 'replay lag' }, { expr: `max(pg_replication_is_replica{${ns}})`, legend: 'is replica' }] },
          { title: 'Backends on the database', queries: [{ expr: `sum(pg_stat_database_numbackends{${db}})`, legend: 'backends' }] },
        ],
      },
      {
        title: 'Query optimisation (pg_stat_statements)',
        panels: [
          {
            title: 'Top statements by total time (period)',
            description: 'Where the database spends its time: look these queryids up in pg_stat_statements first.',
            unit: 's',
            width: 12,
            queries: [{ expr: top(statements('pg_stat_statements_seconds_total')), legend: '{{queryid}}' }],
          },
          {
            title: 'Mean time per call of the top statements',
            description: 'High: a missing index or a plan that scans; compare with rows per call.',
            unit: 's',
            width: 12,
            queries: [{ expr: `${top(statements('pg_stat_statements_seconds_total'))} / ${statements('pg_stat_statements_calls_total')}`, legend: '{{queryid}}' }],
          },
          {
            title: 'Calls of the top statements',
            description: 'Many cheap calls: an N+1 pattern in the app, or a cache candidate.',
            width: 8,
            queries: [{ expr: top(statements('pg_stat_statements_calls_total')), legend: '{{queryid}}' }],
          },
          {
            title: 'Rows per call',
            description: 'Many rows per call: missing LIMIT or a filter done in the app.',
            width: 8,
            queries: [{ expr: `${top(statements('pg_stat_statements_rows_total'))} / ${statements('pg_stat_statements_calls_total')}`, legend: '{{queryid}}' }],
          },
          {
            title: 'Time reading blocks (period)',
            description: 'I/O-bound statements: the working set does not fit shared buffers, or an index is missing.',
            unit: 's',
            width: 8,
            queries: [{ expr: top(statements('pg_stat_statements_block_read_seconds_total')), legend: '{{queryid}}' }],
          },
        ],
      },
    ],
  };
}
