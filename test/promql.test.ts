import { describe, expect, it } from 'vitest';
import { metricNames } from '../lib/monitoring/promql.ts';

describe('metricNames', () => {
  it('finds the metric of a selector and ignores its label matchers', () => {
    expect(metricNames('rate(http_requests_total{code=~"5..", route="/teams"}[5m])')).toEqual(['http_requests_total']);
  });
  it('ignores functions, aggregations and their grouping labels', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, route) (rate(x_bucket[5m])))')).toEqual(['x_bucket']);
    expect(metricNames('sum(rate(a[1m])) by (pod) / on (pod) group_left(node) b')).toEqual(['a', 'b']);
    expect(metricNames('topk(10, sum without (instance) (c))')).toEqual(['c']);
  });
  it('ignores keywords, numbers, durations and offsets', () => {
    expect(metricNames('a > bool 1e3 and b offset 5m unless c or vector(1) + Inf')).toEqual(['a', 'b', 'c']);
  });
  it('understands recording-rule names with colons', () => {
    expect(metricNames('slo:sli_error:ratio_rate1h{slo="x"} / on (slo) slo:error_budget:ratio')).toEqual(['slo:error_budget:ratio', 'slo:sli_error:ratio_rate1h']);
  });
  it('skips Grafana template variables in ranges and label values', () => {
    expect(metricNames('increase(a{namespace="ns-$environment"}[$__range]) * ${factor} + [[legacy]]')).toEqual(['a']);
  });
  it('reads a bare __name__ selector', () => {
    expect(metricNames('{__name__="up", job="x"}')).toEqual(['up']);
  });
  it('reports an unbalanced selector instead of guessing', () => {
    expect(() => metricNames('rate(a{b="c"[5m])')).toThrow(/unbalanced '\{' at offset 6/);
  });
});
