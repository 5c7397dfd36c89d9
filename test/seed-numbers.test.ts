/**
 * The seeds' numbers (the FlexTime implementation plan and the infrastructure enhancement
 * summary), pinned as literals against what production renders (issue 19, "tests that don't grade
 * themselves"). Nothing here is read from config: moving the HPA CPU target from 70 to 95, or an
 * SLO threshold, must fail this file.
 *
 *   HPA CPU 70 % / memory 80 %, 3–20 replicas, 300 s scale-down stabilization
 *   p95 < 500 ms, p99 < 1 s, errors < 0.1 %, 99.9 % availability, schedule generation < 5 min
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { find, renderPlatform } from './helpers.ts';

const files = renderPlatform();
const PRODUCTION = 'dist/production/';

type Rule = { record?: string; expr: string; labels?: Record<string, string> };
const sloRules = (find('PrometheusRule', 'flextime-slos', PRODUCTION, files).spec as { groups: Array<{ name: string; rules: Rule[] }> }).groups;
const group = (slo: string) => sloRules.find((g) => g.name === `slo-${slo}`)!.rules;
const objective = (slo: string) => group(slo).find((r) => r.record === 'slo:objective:ratio')!.expr;
const exprs = (slo: string) => group(slo).map((r) => r.expr).join('\n');

describe('the seeds\' numbers, as production renders them', () => {
  it('api-svc scales on CPU 70 % and memory 80 %, between 3 and 20 replicas, scaling down after 300 s', () => {
    const hpa = find('HorizontalPodAutoscaler', 'api-svc', PRODUCTION, files).spec as {
      minReplicas: number; maxReplicas: number;
      metrics: Array<{ resource: { name: string; target: { averageUtilization: number } } }>;
      behavior: { scaleDown: { stabilizationWindowSeconds: number } };
    };
    expect(Object.fromEntries(hpa.metrics.map((m) => [m.resource.name, m.resource.target.averageUtilization]))).toEqual({ cpu: 70, memory: 80 });
    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([3, 20]);
    expect(hpa.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
  });

  it('API latency objectives are p95 < 500 ms and p99 < 1 s (the histogram buckets the SLOs count)', () => {
    expect(objective('api-latency-p95')).toBe('vector(0.95)');
    expect(exprs('api-latency-p95')).toContain('http_request_duration_seconds_bucket{le="0.5"');
    expect(objective('api-latency-p99')).toBe('vector(0.99)');
    expect(exprs('api-latency-p99')).toContain('http_request_duration_seconds_bucket{le="1.0"');
  });

  it('availability is 99.9 % (errors < 0.1 %) for the API and for schedule jobs', () => {
    expect(objective('api-availability')).toBe('vector(0.999)');
    expect(objective('schedule-job-errors')).toBe('vector(0.999)');
  });

  it('schedule generation finishes within 5 minutes', () => {
    expect(exprs('schedule-generation-time')).toContain('flextime_schedule_generation_duration_seconds_bucket{le="300.0"');
  });

  it('the load tests fail on the same numbers', () => {
    const k6 = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'loadtest', 'thresholds.json'), 'utf8')) as { thresholds: Record<string, string[]> };
    expect(k6.thresholds).toEqual({
      http_req_duration: ['p(95)<=500', 'p(99)<=1000'],
      http_req_failed: ['rate<=0.001'],
      schedule_job_duration: ['p(99)<=300000'],
      schedule_job_failed: ['rate<=0.001'],
    });
  });
});
