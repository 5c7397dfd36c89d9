/**
 * The "FlexTime Security" dashboard: admission policy (Gatekeeper's audit and admission metrics,
 * scraped by the PodMonitor of charts/monitoring.ts), runtime events (Falco), the daily compliance
 * reports (Trivy Operator's ClusterComplianceReports: EKS CIS and Pod Security restricted),
 * critical image vulnerabilities, authentication failures and certificates. docs/compliance.md
 * links each control to the panel its live result appears on: the panel titles are exported.
 */
import type { Platform } from '../config/index.ts';
import type { DashboardSpec } from '../lib/monitoring/grafana.ts';

/** Panels docs/compliance.md points to ("Live result"). */
export const SECURITY_PANELS = {
  gatekeeperViolations: 'Gatekeeper audit violations',
  gatekeeperAuditAge: 'Time since the last Gatekeeper audit',
  falcoRules: 'Top Falco rules (period)',
  complianceFailing: 'Failing controls (daily compliance reports)',
  complianceSummary: 'Controls passing / failing per report',
  imageVulnerabilities: 'Critical image vulnerabilities',
} as const;
export const SECURITY_DASHBOARD_TITLE = 'FlexTime Security';

export function securityDashboard(platform: Platform, common: Pick<DashboardSpec, 'tags' | 'variables'>): DashboardSpec {
  const ns = `namespace="${platform.partOf}-$environment"`;
  const rate = (metric: string, extra = '') => `rate(${metric}{${ns}${extra}}[$__rate_interval])`;
  return {
    ...common,
    uid: 'flextime-security',
    title: SECURITY_DASHBOARD_TITLE,
    description: 'Admission-policy violations (Gatekeeper), runtime events (Falco), daily compliance reports (Trivy), image vulnerabilities, authentication failures and certificates.',
    from: 'now-24h',
    rows: [
      {
        title: 'Policy',
        panels: [
          { title: SECURITY_PANELS.gatekeeperViolations, queries: [{ expr: 'sum by (enforcement_action) (gatekeeper_violations)', legend: '{{enforcement_action}}' }] },
          { title: 'Admission requests denied', queries: [{ expr: 'sum(rate(gatekeeper_validation_request_count_total{admission_status="deny"}[$__rate_interval]))', legend: 'denied/s' }] },
          {
            title: SECURITY_PANELS.gatekeeperAuditAge,
            description: 'Gatekeeper audits every object on its audit interval; an old audit means the violation count is stale.',
            kind: 'stat',
            unit: 's',
            queries: [{ expr: 'time() - max(gatekeeper_audit_last_run_time)' }],
            thresholds: [{ value: 600, color: 'red' }],
          },
          { title: 'Falco events by priority', queries: [{ expr: 'sum by (priority) (rate(falcosidekick_inputs[$__rate_interval]))', legend: '{{priority}}' }] },
          { title: SECURITY_PANELS.falcoRules, width: 16, queries: [{ expr: 'topk(10, sum by (rule) (increase(falcosidekick_inputs[$__range])))', legend: '{{rule}}' }] },
        ],
      },
      {
        title: 'Compliance (daily reports) and vulnerabilities',
        panels: [
          {
            title: SECURITY_PANELS.complianceSummary,
            description: 'Trivy Operator\'s ClusterComplianceReports, regenerated daily: `kubectl get clustercompliancereports`.',
            width: 12,
            queries: [{ expr: 'sum by (title, status) (trivy_cluster_compliance)', legend: '{{title}}: {{status}}' }],
          },
          {
            title: SECURITY_PANELS.imageVulnerabilities,
            description: 'Fixable critical CVEs per workload image (Trivy VulnerabilityReports); the FlextimeCriticalImageVulnerability alert reads the same metric.',
            width: 12,
            queries: [{ expr: `sum by (resource_name, container_name) (trivy_image_vulnerabilities{${ns}, severity="Critical"})`, legend: '{{resource_name}}/{{container_name}}' }],
            thresholds: [{ value: 1, color: 'red' }],
          },
          {
            title: SECURITY_PANELS.complianceFailing,
            description: 'One line per failing control: report, control id and name; the value is the number of failing resources. Details: `kubectl get clustercompliancereport <report> -o yaml`.',
            width: 24,
            height: 10,
            queries: [{ expr: 'sort_desc(trivy_compliance_info{status="Fail"})', legend: '{{title}} {{compliance_id}} {{compliance_name}} ({{severity}})' }],
          },
        ],
      },
      {
        title: 'Authentication and TLS',
        panels: [
          { title: 'Authentication failures by reason', queries: [{ expr: `sum by (reason) (${rate('flextime_auth_failures_total')})`, legend: '{{reason}}' }] },
          { title: 'API 401 / 403 responses', unit: 'reqps', queries: [{ expr: `sum by (code) (${rate('http_requests_total', ', code=~"401|403"')})`, legend: '{{code}}' }] },
          {
            title: 'Certificate time to expiry',
            unit: 's',
            // cert-manager's `namespace` label is scraped as `exported_namespace` (honorLabels false).
            queries: [{ expr: `min by (name) (certmanager_certificate_expiration_timestamp_seconds{exported_${ns}}) - time()`, legend: '{{name}}' }],
            baseColor: 'red',
            thresholds: [{ value: platform.observability.alerts.certExpiryDays * 86_400, color: 'green' }],
          },
        ],
      },
    ],
  };
}
