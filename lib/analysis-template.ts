/**
 * An Argo Rollouts AnalysisTemplate of Prometheus metrics, each an upper bound on one query
 * result (an error ratio, a share of slow requests). A measurement passes when the query
 * returns a number at or below the bound; NaN (no requests in the window) and an empty result
 * (no series: the metrics pipeline is broken) fail, so a rollout is never promoted blind.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
 * @see https://argo-rollouts.readthedocs.io/en/stable/analysis/prometheus/
 */
import { Construct } from 'constructs';
import { AnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate';
import { modelObject } from './model-object.ts';

export interface PrometheusBoundMetric {
  /** Metric name in the AnalysisRun (DNS-label style). */
  readonly name: string;
  /** PromQL returning one series (an instant vector of one element or a scalar). */
  readonly query: string;
  /** Highest passing value (inclusive). */
  readonly max: number;
}

export interface PrometheusAnalysisTemplateProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Prometheus HTTP API base URL, e.g. `http://prometheus.monitoring.svc:9090`. */
  readonly address: string;
  readonly metrics: readonly PrometheusBoundMetric[];
  /**
   * Time between measurements (Argo duration: "30s", "1m").
   * @default '1m'
   */
  readonly interval?: string;
  /**
   * Measurements per metric; the run completes after the last one.
   * @default 5
   */
  readonly count?: number;
  /**
   * Failed measurements tolerated; one more fails the run (and aborts the rollout).
   * @default 1
   */
  readonly failureLimit?: number;
  /**
   * Query timeout in seconds.
   * @default 30
   */
  readonly timeoutSeconds?: number;
}

export class PrometheusAnalysisTemplate extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: PrometheusAnalysisTemplateProps) {
    super(scope, id);
    this.name = props.name;
    const count = props.count ?? 5;
    const failureLimit = props.failureLimit ?? 1;
    const interval = props.interval ?? '1m';
    if (props.metrics.length === 0) throw new Error(`'metrics' must hold at least one metric`);
    if (!Number.isInteger(count) || count < 1) throw new Error(`'count' (${count}) must be a whole number >= 1`);
    if (!Number.isInteger(failureLimit) || failureLimit < 0 || failureLimit >= count) {
      throw new Error(`'failureLimit' (${failureLimit}) must be >= 0 and < 'count' (${count}), or no run can fail`);
    }
    if (!/^[1-9][0-9]*(s|m|h)$/.test(interval)) throw new Error(`'interval' (${interval}) must be a duration such as '30s' or '1m'`);
    const names = new Set<string>();
    for (const m of props.metrics) {
      if (names.has(m.name)) throw new Error(`metric name '${m.name}' is used twice`);
      names.add(m.name);
      if (!(Number.isFinite(m.max) && m.max >= 0)) throw new Error(`metric '${m.name}': 'max' (${m.max}) must be a finite number >= 0`);
    }

    modelObject(this, 'Resource', new AnalysisTemplate({
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        metrics: props.metrics.map((m) => ({
          name: m.name,
          interval,
          count,
          failureLimit,
          successCondition: `len(result) > 0 && !isNaN(result[0]) && result[0] <= ${m.max}`,
          provider: { prometheus: { address: props.address, query: m.query, timeout: props.timeoutSeconds ?? 30 } },
        })),
      },
    }));
  }
}
