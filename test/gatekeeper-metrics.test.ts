/**
 * The security dashboard's gatekeeper_* queries against what Gatekeeper v3.23.0 exports, without
 * a cluster: the reading of the rendered dashboard and the export check that e2e scenario 9 runs
 * against the live manager (e2e/controllers/gatekeeper-metrics.ts), here on a scrape recorded
 * from that manager (test/fixtures/gatekeeper-v3.23.0-metrics.txt).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardGatekeeperReads, exportProblems, gatekeeperReads } from '../e2e/controllers/gatekeeper-metrics.ts';
import { parseMetrics } from './metrics-text.ts';
import { ROOT } from './tools.ts';

const exported = parseMetrics(readFileSync(join(ROOT, 'test/fixtures/gatekeeper-v3.23.0-metrics.txt'), 'utf8'));
const reads = dashboardGatekeeperReads(ROOT);

describe('the security dashboard reads what Gatekeeper v3.23.0 exports', () => {
  it('reads three gatekeeper_* metrics from the rendered dashboard, with their labels', () => {
    expect(reads.map((r) => [r.metric, r.labels])).toEqual([
      ['gatekeeper_violations', ['enforcement_action']],
      ['gatekeeper_validation_request_count_total', ['admission_status']],
      ['gatekeeper_audit_last_run_time', []],
    ]);
  });

  it('every metric and label it reads is in the recorded scrape', () => {
    expect(exportProblems(reads, exported)).toEqual([]);
  });

  it('finds planted defects: a metric name Gatekeeper does not export, the counter without _total, a label it does not set, a value no series has', () => {
    const planted = gatekeeperReads([
      'sum by (enforcement_action) (gatekeeper_violation)',
      'sum(rate(gatekeeper_validation_request_count{admission_status="deny"}[$__rate_interval]))',
      'sum by (constraint) (gatekeeper_violations)',
      'sum(rate(gatekeeper_validation_request_count_total{admission_status="denied"}[$__rate_interval]))',
    ]);
    const problems = exportProblems(planted, exported);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^gatekeeper_violation \(dashboard query sum by \(enforcement_action\) \(gatekeeper_violation\)\) is not exported; Gatekeeper exports .*gatekeeper_validation_request_count_total, .*gatekeeper_violations\b/);
    expect(problems[1]).toMatch(/^gatekeeper_validation_request_count \(dashboard query .*\) is not exported/);
    expect(problems[2]).toBe('gatekeeper_violations (dashboard query sum by (constraint) (gatekeeper_violations)) has no series with label(s) constraint; its series carry enforcement_action');
    expect(problems[3]).toBe('gatekeeper_validation_request_count_total{admission_status="denied"} (dashboard query sum(rate(gatekeeper_validation_request_count_total{admission_status="denied"}[$__rate_interval]))) selects no exported series');
  });
});
