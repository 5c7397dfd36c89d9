/**
 * Every Prometheus metric FlexTime's rules and dashboards may read, with who produces it.
 *
 * This is a contract: the app teams (api-svc, scheduler-svc, the backup job) promise to expose
 * the `flextime`-owned metrics with these names, types, labels and buckets; the exporter rows
 * are what the pinned exporters publish. `test/dashboards.test.ts` parses every panel's PromQL
 * and fails on a metric that is not listed here (or produced by one of our recording rules), and
 * the config schema checks that SLOs only read listed metrics of the right type.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Who produces the metric; the docs table groups by this. */
export type MetricSource =
  | 'api-svc'
  | 'scheduler-svc'
  | 'backup-job'
  | 'redis_exporter'
  | 'pgbouncer_exporter'
  | 'postgres_exporter'
  | 'kube-state-metrics'
  | 'kubelet'
  | 'cadvisor'
  | 'prometheus'
  | 'cert-manager'
  | 'gatekeeper'
  | 'trivy-operator'
  | 'falcosidekick'
  | 'otel-collector'
  | 'log-collector';

export interface KnownMetric {
  /** Name as written in PromQL; for histograms the base name (`_bucket`, `_sum`, `_count` follow). */
  readonly name: string;
  readonly type: MetricType;
  readonly source: MetricSource;
  /** Labels the producer sets (target labels such as namespace, pod, service come from scraping). */
  readonly labels: readonly string[];
  readonly help: string;
  /** Histogram bucket upper bounds in seconds: a latency SLO threshold must be one of them. */
  readonly buckets?: readonly number[];
}

/** Bucket boundaries the app teams agreed to expose (seconds). */
const HTTP_BUCKETS = [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10] as const;
const SOLVE_BUCKETS = [1, 5, 15, 30, 60, 120, 180, 240, 300, 450, 600, 900] as const;

export const KNOWN_METRICS: readonly KnownMetric[] = [
  // --- api-svc (prom-client, /metrics on the `metrics` port)
  { name: 'http_requests_total', type: 'counter', source: 'api-svc', labels: ['service', 'code', 'route', 'method'], help: 'HTTP requests answered, by status code and route template' },
  { name: 'http_request_duration_seconds', type: 'histogram', source: 'api-svc', labels: ['service', 'code', 'route', 'method'], help: 'HTTP request latency', buckets: HTTP_BUCKETS },
  { name: 'flextime_auth_failures_total', type: 'counter', source: 'api-svc', labels: ['reason'], help: 'Rejected logins and tokens (expired, invalid signature, unknown user)' },
  { name: 'flextime_active_users', type: 'gauge', source: 'api-svc', labels: ['sport'], help: 'Users with a session active in the last 5 minutes' },
  // --- scheduler-svc (prometheus_client, /metrics on the `metrics` port)
  { name: 'flextime_schedule_jobs_total', type: 'counter', source: 'scheduler-svc', labels: ['status', 'sport'], help: 'Schedule-generation jobs finished, status = succeeded | failed | timeout' },
  { name: 'flextime_schedule_generation_duration_seconds', type: 'histogram', source: 'scheduler-svc', labels: ['sport'], help: 'Wall time from job dequeue to schedule written', buckets: SOLVE_BUCKETS },
  { name: 'flextime_schedule_queue_length', type: 'gauge', source: 'scheduler-svc', labels: [], help: 'Jobs waiting in the Redis list' },
  { name: 'flextime_schedules_generated_total', type: 'counter', source: 'scheduler-svc', labels: ['sport'], help: 'Schedules generated and saved' },
  { name: 'flextime_conflicts_resolved_total', type: 'counter', source: 'scheduler-svc', labels: ['sport'], help: 'Scheduling conflicts (venue, travel, broadcast) resolved by the solver' },
  // --- backup CronJob (pushes to the Pushgateway or exposes while running)
  { name: 'flextime_backup_last_success_timestamp_seconds', type: 'gauge', source: 'backup-job', labels: ['database'], help: 'Unix time of the last backup that completed and uploaded' },
  { name: 'flextime_restore_verify_success', type: 'gauge', source: 'backup-job', labels: ['database'], help: '1 when the last restore verification passed, 0 when it failed' },
  // --- redis_exporter (oliver006/redis_exporter)
  { name: 'redis_up', type: 'gauge', source: 'redis_exporter', labels: [], help: 'Redis reachable by the exporter' },
  { name: 'redis_memory_used_bytes', type: 'gauge', source: 'redis_exporter', labels: [], help: 'Memory used by Redis' },
  { name: 'redis_memory_max_bytes', type: 'gauge', source: 'redis_exporter', labels: [], help: 'maxmemory setting (0 = unlimited)' },
  { name: 'redis_connected_clients', type: 'gauge', source: 'redis_exporter', labels: [], help: 'Connected clients' },
  { name: 'redis_evicted_keys_total', type: 'counter', source: 'redis_exporter', labels: [], help: 'Keys evicted because of maxmemory' },
  // --- pgbouncer_exporter (prometheus-community/pgbouncer_exporter)
  { name: 'pgbouncer_up', type: 'gauge', source: 'pgbouncer_exporter', labels: [], help: 'PgBouncer reachable by the exporter' },
  { name: 'pgbouncer_pools_client_waiting_connections', type: 'gauge', source: 'pgbouncer_exporter', labels: ['database', 'user'], help: 'Clients waiting for a server connection' },
  { name: 'pgbouncer_pools_client_active_connections', type: 'gauge', source: 'pgbouncer_exporter', labels: ['database', 'user'], help: 'Clients linked to a server connection' },
  { name: 'pgbouncer_pools_server_active_connections', type: 'gauge', source: 'pgbouncer_exporter', labels: ['database', 'user'], help: 'Server connections in use' },
  { name: 'pgbouncer_pools_server_idle_connections', type: 'gauge', source: 'pgbouncer_exporter', labels: ['database', 'user'], help: 'Server connections idle' },
  { name: 'pgbouncer_databases_pool_size', type: 'gauge', source: 'pgbouncer_exporter', labels: ['name'], help: 'Configured pool size per database' },
  { name: 'pgbouncer_pools_client_maxwait_seconds', type: 'gauge', source: 'pgbouncer_exporter', labels: ['database', 'user'], help: 'Age of the oldest waiting client' },
  // --- postgres_exporter (prometheus-community/postgres_exporter v0.17.1, charts/database-exporter.ts:
  //     default collectors + stat_statements + long_running_transactions; pg_settings_* from pg_settings)
  { name: 'pg_up', type: 'gauge', source: 'postgres_exporter', labels: [], help: 'PostgreSQL reachable by the exporter (last scrape\'s query succeeded)' },
  { name: 'pg_settings_max_connections', type: 'gauge', source: 'postgres_exporter', labels: [], help: 'max_connections of the server' },
  { name: 'pg_stat_activity_count', type: 'gauge', source: 'postgres_exporter', labels: ['datname', 'state', 'usename', 'application_name', 'backend_type', 'wait_event_type', 'wait_event'], help: 'Connections by database, state and user' },
  { name: 'pg_stat_activity_max_tx_duration', type: 'gauge', source: 'postgres_exporter', labels: ['datname', 'state', 'usename', 'application_name', 'backend_type', 'wait_event_type', 'wait_event'], help: 'Age of the oldest transaction per connection group (seconds)' },
  { name: 'pg_long_running_transactions_oldest_timestamp_seconds', type: 'gauge', source: 'postgres_exporter', labels: [], help: 'Age of the oldest open transaction of any non-idle session (seconds)' },
  { name: 'pg_locks_count', type: 'gauge', source: 'postgres_exporter', labels: ['datname', 'mode'], help: 'Locks held or awaited, by database and lock mode' },
  { name: 'pg_stat_database_deadlocks', type: 'counter', source: 'postgres_exporter', labels: ['datid', 'datname'], help: 'Deadlocks detected (pg_stat_database)' },
  { name: 'pg_stat_database_blks_hit', type: 'counter', source: 'postgres_exporter', labels: ['datid', 'datname'], help: 'Blocks found in shared buffers' },
  { name: 'pg_stat_database_blks_read', type: 'counter', source: 'postgres_exporter', labels: ['datid', 'datname'], help: 'Blocks read from disk (or the OS cache)' },
  { name: 'pg_stat_database_numbackends', type: 'gauge', source: 'postgres_exporter', labels: ['datid', 'datname'], help: 'Backends connected to the database' },
  { name: 'pg_replication_lag_seconds', type: 'gauge', source: 'postgres_exporter', labels: [], help: 'Replay lag of this server behind its primary (0 on a primary)' },
  { name: 'pg_replication_is_replica', type: 'gauge', source: 'postgres_exporter', labels: [], help: '1 when the server is a replica' },
  { name: 'pg_stat_statements_calls_total', type: 'counter', source: 'postgres_exporter', labels: ['user', 'datname', 'queryid'], help: 'Executions per statement (top 100 by total time)' },
  { name: 'pg_stat_statements_seconds_total', type: 'counter', source: 'postgres_exporter', labels: ['user', 'datname', 'queryid'], help: 'Execution time per statement' },
  { name: 'pg_stat_statements_rows_total', type: 'counter', source: 'postgres_exporter', labels: ['user', 'datname', 'queryid'], help: 'Rows returned or affected per statement' },
  { name: 'pg_stat_statements_block_read_seconds_total', type: 'counter', source: 'postgres_exporter', labels: ['user', 'datname', 'queryid'], help: 'Time per statement spent reading blocks (needs track_io_timing)' },
  // --- kube-state-metrics
  { name: 'kube_horizontalpodautoscaler_status_current_replicas', type: 'gauge', source: 'kube-state-metrics', labels: ['horizontalpodautoscaler'], help: 'HPA current replicas' },
  { name: 'kube_horizontalpodautoscaler_spec_max_replicas', type: 'gauge', source: 'kube-state-metrics', labels: ['horizontalpodautoscaler'], help: 'HPA max replicas' },
  { name: 'kube_pod_container_status_waiting_reason', type: 'gauge', source: 'kube-state-metrics', labels: ['pod', 'container', 'reason'], help: 'Container waiting, by reason' },
  { name: 'kube_pod_container_status_restarts_total', type: 'counter', source: 'kube-state-metrics', labels: ['pod', 'container'], help: 'Container restarts' },
  { name: 'kube_deployment_status_replicas_available', type: 'gauge', source: 'kube-state-metrics', labels: ['deployment'], help: 'Available replicas per Deployment' },
  { name: 'kube_deployment_spec_replicas', type: 'gauge', source: 'kube-state-metrics', labels: ['deployment'], help: 'Desired replicas per Deployment' },
  { name: 'kube_pod_status_phase', type: 'gauge', source: 'kube-state-metrics', labels: ['pod', 'phase'], help: 'Pod phase' },
  { name: 'kube_pod_container_resource_requests', type: 'gauge', source: 'kube-state-metrics', labels: ['pod', 'container', 'node', 'resource', 'unit'], help: 'Requests of a pod\'s container, per resource (cpu in cores, memory in bytes)' },
  // VPA recommendations: our custom-resource-state config of kube-state-metrics (config/addons-monitoring.ts).
  { name: 'kube_verticalpodautoscaler_status_recommendation_containerrecommendations_target', type: 'gauge', source: 'kube-state-metrics', labels: ['verticalpodautoscaler', 'target_api_version', 'target_kind', 'target_name', 'container', 'resource', 'unit'], help: 'VPA target recommendation per container and resource' },
  { name: 'kube_verticalpodautoscaler_status_recommendation_containerrecommendations_lowerbound', type: 'gauge', source: 'kube-state-metrics', labels: ['verticalpodautoscaler', 'target_api_version', 'target_kind', 'target_name', 'container', 'resource', 'unit'], help: 'VPA lower bound per container and resource' },
  { name: 'kube_verticalpodautoscaler_status_recommendation_containerrecommendations_upperbound', type: 'gauge', source: 'kube-state-metrics', labels: ['verticalpodautoscaler', 'target_api_version', 'target_kind', 'target_name', 'container', 'resource', 'unit'], help: 'VPA upper bound per container and resource' },
  { name: 'kube_persistentvolumeclaim_info', type: 'gauge', source: 'kube-state-metrics', labels: ['persistentvolumeclaim', 'storageclass'], help: 'PVC info' },
  // --- kubelet (volume stats) and cAdvisor (container usage)
  { name: 'kubelet_volume_stats_used_bytes', type: 'gauge', source: 'kubelet', labels: ['persistentvolumeclaim'], help: 'Bytes used on a PVC' },
  { name: 'kubelet_volume_stats_capacity_bytes', type: 'gauge', source: 'kubelet', labels: ['persistentvolumeclaim'], help: 'Capacity of a PVC' },
  { name: 'container_cpu_usage_seconds_total', type: 'counter', source: 'cadvisor', labels: ['pod', 'container'], help: 'CPU time used' },
  { name: 'container_memory_working_set_bytes', type: 'gauge', source: 'cadvisor', labels: ['pod', 'container'], help: 'Working-set memory' },
  // --- Prometheus itself
  { name: 'ALERTS', type: 'gauge', source: 'prometheus', labels: ['alertname', 'alertstate', 'severity'], help: 'One series per pending or firing alert' },
  { name: 'up', type: 'gauge', source: 'prometheus', labels: ['job', 'instance'], help: '1 when the last scrape of a target succeeded' },
  // --- cert-manager
  { name: 'certmanager_certificate_expiration_timestamp_seconds', type: 'gauge', source: 'cert-manager', labels: ['name', 'namespace', 'issuer_name'], help: 'Unix time the certificate expires (its `namespace` is scraped as `exported_namespace`)' },
  { name: 'certmanager_certificate_ready_status', type: 'gauge', source: 'cert-manager', labels: ['name', 'namespace', 'condition'], help: 'Certificate Ready condition' },
  // --- Gatekeeper
  { name: 'gatekeeper_violations', type: 'gauge', source: 'gatekeeper', labels: ['enforcement_action'], help: 'Audit violations found in the last audit run' },
  { name: 'gatekeeper_validation_request_count_total', type: 'counter', source: 'gatekeeper', labels: ['admission_status'], help: 'Admission requests, allowed or denied' },
  { name: 'gatekeeper_audit_last_run_time', type: 'gauge', source: 'gatekeeper', labels: [], help: 'Unix time the last audit run started' },
  // --- Trivy Operator (its chart's ServiceMonitor, honorLabels true: `namespace` is the scanned object's)
  { name: 'trivy_image_vulnerabilities', type: 'gauge', source: 'trivy-operator', labels: ['namespace', 'resource_kind', 'resource_name', 'container_name', 'image_repository', 'image_tag', 'image_digest', 'severity'], help: 'Vulnerabilities found in a workload\'s image, by severity' },
  { name: 'trivy_cluster_compliance', type: 'gauge', source: 'trivy-operator', labels: ['title', 'description', 'status'], help: 'Controls of a ClusterComplianceReport that pass or fail (status = Pass | Fail)' },
  { name: 'trivy_compliance_info', type: 'gauge', source: 'trivy-operator', labels: ['title', 'description', 'compliance_id', 'compliance_name', 'status', 'severity'], help: 'One series per control of a ClusterComplianceReport: its id, result and severity (value: failing resources, or 1)' },
  // --- Falcosidekick
  { name: 'falcosidekick_inputs', type: 'counter', source: 'falcosidekick', labels: ['source', 'priority', 'rule'], help: 'Falco events received by Falcosidekick' },
  // --- OpenTelemetry Collector spanmetrics connector (Prometheus exporter, namespace traces.span.metrics)
  // --- The log collector's own telemetry (tools/otelcol v0.139.0, exporterhelper; test/logging-collector.test.ts scrapes them)
  { name: 'otelcol_exporter_sent_log_records_total', type: 'counter', source: 'log-collector', labels: ['exporter'], help: 'Log records the exporter handed to CloudWatch Logs' },
  { name: 'otelcol_exporter_send_failed_log_records_total', type: 'counter', source: 'log-collector', labels: ['exporter'], help: 'Log records CloudWatch Logs refused or that failed past the retry window' },
  { name: 'otelcol_exporter_enqueue_failed_log_records_total', type: 'counter', source: 'log-collector', labels: ['exporter'], help: 'Log records dropped because the sending queue was full' },
  { name: 'traces_span_metrics_calls_total', type: 'counter', source: 'otel-collector', labels: ['service_name', 'span_name', 'span_kind', 'status_code', 'deployment_environment'], help: 'Spans seen, per service and operation' },
  { name: 'traces_span_metrics_duration_seconds', type: 'histogram', source: 'otel-collector', labels: ['service_name', 'span_name', 'span_kind', 'status_code'], help: 'Span duration' },
];

/** Histograms expose three series per base name. */
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;

/** Every series name a query may use: counters and gauges by name, histograms with their suffixes. */
export function knownSeriesNames(metrics: readonly KnownMetric[] = KNOWN_METRICS): Set<string> {
  const names = new Set<string>();
  for (const m of metrics) {
    if (m.type === 'histogram') HISTOGRAM_SUFFIXES.forEach((s) => names.add(m.name + s));
    else names.add(m.name);
  }
  return names;
}

export function knownMetric(name: string): KnownMetric | undefined {
  return KNOWN_METRICS.find((m) => m.name === name);
}
