/**
 * Daily compliance reports and Gatekeeper's audit results (issue 20), as rendered: the Trivy
 * Operator Application asks for the EKS CIS and Pod Security restricted reports on a daily
 * schedule with their per-control metrics; Gatekeeper's audit metrics are scraped by a PodMonitor
 * that selects the chart's pods (their labels written below by hand from the gatekeeper 3.23.0
 * chart templates); the security dashboard shows both; docs/compliance.md gives every control a
 * live result and every panel it names exists on the rendered dashboard.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { objects, renderPlatform } from './helpers.ts';
import { ROOT } from './tools.ts';

const files = renderPlatform();
const all = objects('', files);

/** Pod template labels of the gatekeeper 3.23.0 chart (templates/gatekeeper-{audit,controller-manager}-deployment.yaml). */
const GATEKEEPER_PODS = {
  audit: { app: 'gatekeeper', 'control-plane': 'audit-controller', 'gatekeeper.sh/operation': 'audit', 'gatekeeper.sh/system': 'yes', release: 'gatekeeper' },
  'controller-manager': { app: 'gatekeeper', 'control-plane': 'controller-manager', 'gatekeeper.sh/operation': 'webhook', 'gatekeeper.sh/system': 'yes', release: 'gatekeeper' },
};

function trivyValues(all: readonly KubeObject[]): Record<string, Record<string, unknown>> {
  const app = all.find((o) => o.kind === 'Application' && o.metadata.name === 'addon-flextime-trivy-operator')!;
  return (app.spec as { source: { helm: { valuesObject: Record<string, Record<string, unknown>> } } }).source.helm.valuesObject;
}

/** What is wrong with the rendered reports and audit scrape, as sentences. */
export function complianceProblems(all: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  const v = trivyValues(all);
  const compliance = v.compliance as { cron?: string; specs?: string[]; reportType?: string } | undefined;
  for (const spec of ['eks-cis-1.4', 'k8s-pss-restricted-0.1']) {
    if (!compliance?.specs?.includes(spec)) problems.push(`trivy-operator: compliance.specs lacks ${spec}`);
  }
  // Daily: a fixed minute and hour, every day of every month.
  if (!/^[0-9]{1,2} [0-9]{1,2} \* \* \*$/.test(compliance?.cron ?? '')) problems.push(`trivy-operator: compliance.cron (${compliance?.cron}) is not daily`);
  if (v.operator?.clusterComplianceEnabled !== true) problems.push('trivy-operator: operator.clusterComplianceEnabled is not true');
  if (v.operator?.metricsClusterComplianceInfo !== true) problems.push('trivy-operator: operator.metricsClusterComplianceInfo is not true (no per-control metric)');

  const monitors = all.filter((o) => o.kind === 'PodMonitor' && o.metadata.namespace === 'gatekeeper-system');
  for (const [pod, labels] of Object.entries(GATEKEEPER_PODS)) {
    const scraped = monitors.some((m) => {
      const spec = m.spec as { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: Array<{ port: string }> };
      return Object.entries(spec.selector.matchLabels).every(([k, val]) => (labels as Record<string, string>)[k] === val)
        && spec.podMetricsEndpoints.some((e) => e.port === 'metrics');
    });
    if (!scraped) problems.push(`gatekeeper ${pod} pods: no PodMonitor selects them on port metrics`);
  }

  const dashboard = all.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'grafana-dashboard-security')!;
  const exprs = (JSON.parse(Object.values((dashboard as unknown as { data: Record<string, string> }).data)[0]!) as { panels: Array<{ targets?: Array<{ expr: string }> }> })
    .panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
  for (const metric of ['trivy_compliance_info', 'trivy_cluster_compliance', 'gatekeeper_violations', 'gatekeeper_audit_last_run_time']) {
    if (!new RegExp(`\\b${metric}\\b`).test(exprs)) problems.push(`security dashboard: no panel reads ${metric}`);
  }
  return problems;
}

describe('daily compliance reports and Gatekeeper audit results', () => {
  it('are asked of Trivy Operator and scraped from Gatekeeper, and the security dashboard shows both', () => {
    expect(complianceProblems(all)).toEqual([]);
  });

  it('finds planted defects: a weekly cron, no PSS report, a PodMonitor for the audit pod only, no compliance panel', () => {
    const planted = structuredClone(all);
    const v = trivyValues(planted);
    (v.compliance as { cron: string; specs: string[] }).cron = '0 5 * * 0';
    (v.compliance as { specs: string[] }).specs = ['eks-cis-1.4'];
    const monitor = planted.find((o) => o.kind === 'PodMonitor' && o.metadata.name === 'gatekeeper')!;
    (monitor.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels = { 'gatekeeper.sh/operation': 'audit' };
    const dashboard = planted.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'grafana-dashboard-security')! as unknown as { data: Record<string, string> };
    const key = Object.keys(dashboard.data)[0]!;
    dashboard.data[key] = dashboard.data[key]!.replaceAll('trivy_compliance_info', 'trivy_compliance_infos');
    expect(complianceProblems(planted)).toEqual([
      'trivy-operator: compliance.specs lacks k8s-pss-restricted-0.1',
      'trivy-operator: compliance.cron (0 5 * * 0) is not daily',
      'gatekeeper controller-manager pods: no PodMonitor selects them on port metrics',
      'security dashboard: no panel reads trivy_compliance_info',
    ]);
  });
});

describe('docs/compliance.md live results', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'compliance.md'), 'utf8');
  const rows = doc.split('\n').filter((l) => /^\| (CIS|NIST|SOC2)-/.test(l)).map((l) => l.split(' | '));
  const dashboard = all.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'grafana-dashboard-security')!;
  const json = JSON.parse(Object.values((dashboard as unknown as { data: Record<string, string> }).data)[0]!) as { title: string; panels: Array<{ title: string }> };

  it('give every control a live result, and the EKS CIS controls the daily report control of the same id', () => {
    expect(rows.length).toBeGreaterThan(40);
    for (const row of rows) expect(row[4]!.replace(/ \|$/, ''), row[0]).not.toBe('—');
    // Hand-checked against trivy-operator 0.32.1 templates/specs (eks-cis-1.4.yaml, k8s-pss-restricted-0.1.yaml).
    const live = (id: string) => rows.find((r) => r[0] === `| ${id}`)![4]!;
    expect(live('CIS-EKS-4.2.1')).toContain('daily report `eks-cis-1.4` control 4.2.1 →');
    expect(live('CIS-EKS-4.2.1')).toContain('daily report `k8s-pss-restricted-0.1` control 3 (Privileged Containers) →');
    expect(live('CIS-EKS-4.2.5')).toContain('daily report `k8s-pss-restricted-0.1` control 13 (Privilege Escalation) →');
    expect(live('CIS-K8S-5.2.12')).toContain('daily report `k8s-pss-restricted-0.1` control 5 (HostPath Volumes) →');
    expect(live('NIST-SI-4')).toContain('*Top Falco rules (period)*');
  });

  it('name only panels that exist on the rendered FlexTime Security dashboard', () => {
    const named = [...doc.matchAll(/([A-Za-z ]+) → \*([^*]+)\*/g)].map((m) => [m[1]!.trim(), m[2]!] as const);
    expect(named.length).toBeGreaterThan(40);
    const titles = new Set(json.panels.map((p) => p.title));
    const missing = [...new Set(named.filter(([board, panel]) => board !== json.title || !titles.has(panel)).map(([b, p]) => `${b} → ${p}`))];
    expect(missing).toEqual([]);
  });
});
