import { describe, expect, it } from 'vitest';
import { alertingRules, formatLe, isAlertingRule, promNumber, selector, type RecordingRule } from '../lib/monitoring/rules.ts';
import { errorBudget, errorRatioExpr, sloAlertName, sloRuleGroups, type SloSpec } from '../lib/monitoring/slo-rules.ts';
import { seconds } from '../lib/values/slo-windows.ts';

const availability: SloSpec = {
  name: 'api-availability',
  description: 'Requests without 5xx',
  objective: 99.9,
  indicator: { kind: 'errorRatio', metric: 'http_requests_total', bad: { code: '5..' } },
  selector: { namespace: 'shop-prod', service: 'api' },
};
const latency: SloSpec = {
  name: 'api-latency-p99',
  description: '99 % within 1 s',
  objective: 99,
  indicator: { kind: 'latency', metric: 'http_request_duration_seconds', thresholdSeconds: 1 },
  selector: { namespace: 'shop-prod', service: 'api' },
};
const runbookUrl = (alert: string) => `https://runbooks.example/${alert}.md`;

describe('sloRuleGroups', () => {
  const [group] = sloRuleGroups({ slos: [availability], runbookUrl, labels: { environment: 'prod' } });
  const records = group!.rules.filter((r): r is RecordingRule => !isAlertingRule(r));
  const alerts = alertingRules([group!]);

  it('records the error ratio over every window the burn-rate pairs use, plus objective and budget', () => {
    expect(group!.name).toBe('slo-api-availability');
    expect(records.map((r) => r.record)).toEqual([
      'slo:objective:ratio', 'slo:error_budget:ratio',
      ...['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `slo:sli_error:ratio_rate${w}`),
    ]);
    expect(records[0]!.expr).toBe('vector(0.999)');
    expect(records[1]!.expr).toBe('vector(0.001)');
    expect(records.every((r) => r.labels?.slo === 'api-availability' && r.labels.environment === 'prod')).toBe(true);
  });

  it('divides bad by all events of the selected service', () => {
    expect(errorRatioExpr(availability, '5m')).toBe(
      'sum(rate(http_requests_total{code=~"5..",namespace="shop-prod",service="api"}[5m]))\n/\nsum(rate(http_requests_total{namespace="shop-prod",service="api"}[5m]))',
    );
  });

  it('reads a latency SLI from the threshold bucket in Prometheus 3 notation', () => {
    expect(errorRatioExpr(latency, '1h')).toContain('http_request_duration_seconds_bucket{le="1.0",namespace="shop-prod",service="api"}[1h]');
    expect(errorRatioExpr(latency, '1h')).toContain('http_request_duration_seconds_count{namespace="shop-prod",service="api"}[1h]');
  });

  it('pages on 14.4x over 1h/5m or 6x over 6h/30m and tickets on 3x over 1d/2h or 1x over 3d/6h', () => {
    expect(alerts.map((a) => [a.alert, a.labels.severity, a.for])).toEqual([
      ['ApiAvailabilityErrorBudgetBurn', 'critical', '2m'],
      ['ApiAvailabilityErrorBudgetBurn', 'warning', '15m'],
    ]);
    const sel = '{environment="prod",slo="api-availability"}';
    expect(alerts[0]!.expr).toBe(
      `(\n  slo:sli_error:ratio_rate1h${sel} > (14.4 * 0.001)\nand\n  slo:sli_error:ratio_rate5m${sel} > (14.4 * 0.001)\n)\nor\n` +
      `(\n  slo:sli_error:ratio_rate6h${sel} > (6 * 0.001)\nand\n  slo:sli_error:ratio_rate30m${sel} > (6 * 0.001)\n)`,
    );
    expect(alerts[1]!.expr).toContain('slo:sli_error:ratio_rate3d{environment="prod",slo="api-availability"} > (1 * 0.001)');
  });

  it('gives each alert a summary, a description with the budget and a runbook link', () => {
    expect(alerts[0]!.annotations).toEqual({
      summary: 'SLO api-availability is burning its error budget (fast)',
      description: 'Requests without 5xx (objective 99.9 % over 30 days). The error ratio is {{ $value | humanizePercentage }} against a budget of 0.1 % (burn rate 14.4x over 1h and 5m, or 6x over 6h and 30m); at 14.4x the 30-day budget is gone in 2.1 days.',
      runbook_url: 'https://runbooks.example/ApiAvailabilityErrorBudgetBurn.md',
    });
  });

  it('gives a ticket-only SLO no paging windows', () => {
    const [ticket] = sloRuleGroups({ slos: [{ ...latency, alerting: 'ticket' }], runbookUrl });
    expect(alertingRules([ticket!]).map((a) => a.labels.severity)).toEqual(['warning']);
    expect(ticket!.rules.map((r) => ('record' in r ? r.record : r.alert))).not.toContain('slo:sli_error:ratio_rate5m');
  });

  it('changes only thresholds when the objective changes', () => {
    const [tighter] = sloRuleGroups({ slos: [{ ...availability, objective: 99.95 }], runbookUrl, labels: { environment: 'prod' } });
    expect(alertingRules([tighter!])[0]!.expr).toContain('> (14.4 * 0.0005)');
    expect(tighter!.rules.filter((r) => !isAlertingRule(r)).slice(2)).toEqual(records.slice(2));
  });

  it('rejects an objective of 100 %, which leaves no budget', () => {
    expect(() => sloRuleGroups({ slos: [{ ...availability, objective: 100 }], runbookUrl }))
      .toThrow("'objective' (100) of SLO 'api-availability' must be > 0 and < 100 (per cent)");
  });

  it('rejects two SLOs with the same name', () => {
    expect(() => sloRuleGroups({ slos: [availability, availability], runbookUrl }))
      .toThrow("SLO name 'api-availability' is used twice; the 'slo' label must be unique");
  });

  it('rejects an empty window list', () => {
    expect(() => sloRuleGroups({ slos: [availability], runbookUrl, windows: [] }))
      .toThrow("'windows' must name at least one burn-rate window pair");
  });
});

describe('rule helpers', () => {
  it('name alerts after the SLO in PascalCase', () => {
    expect(sloAlertName({ name: 'schedule-generation-time' })).toBe('ScheduleGenerationTimeErrorBudgetBurn');
  });
  it('compute budgets without float noise', () => {
    expect(errorBudget(99.9)).toBe(0.001);
    expect(promNumber(14.4 * 0.001)).toBe('0.0144');
  });
  it('format bucket bounds like Prometheus 3 stores them', () => {
    expect([formatLe(1), formatLe(0.5), formatLe(300)]).toEqual(['1.0', '0.5', '300.0']);
  });
  it('sort and escape selector matchers', () => {
    expect(selector({ b: 'x"y', a: '1' }, { c: '5..' })).toBe('{a="1",b="x\\"y",c=~"5.."}');
  });
  it('parse durations', () => {
    expect([seconds('5m'), seconds('1h'), seconds('3d')]).toEqual([300, 3600, 259200]);
    expect(() => seconds('5 minutes')).toThrow(`'5 minutes' is not a Prometheus duration such as "5m" or "1h"`);
  });
});
