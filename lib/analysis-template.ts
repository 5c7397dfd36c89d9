/**
 * An Argo Rollouts AnalysisTemplate of Prometheus metrics, each an upper bound on one query
 * result (an error ratio, a share of slow requests). Each measurement is one of three phases
 * (Argo Rollouts: a success and a failure condition, neither true = Inconclusive):
 * - a number at or below the bound: Successful;
 * - a number above it: Failed (more than `failureLimit` failures fail the run: the rollout aborts;
 *   Argo ends a run that reached `count` with at most `failureLimit` failures Successful);
 * - no number (an empty result: no traffic in the window; or NaN): Inconclusive. Quiet windows
 *   neither abort a healthy release nor pass an unseen one: the run succeeds on the measurements
 *   that saw traffic, and only when none did (all `count` inconclusive, `inconclusiveLimit` =
 *   count - 1) is the run Inconclusive, which pauses the rollout for a person to judge.
 * Queries should therefore return a number whenever there was traffic (no bad series = 0) and
 * nothing when there was none (see gateErrorRatioExpr in lib/monitoring/slo-rules.ts).
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
 * @see https://argo-rollouts.readthedocs.io/en/stable/analysis/prometheus/
 */
import { Construct } from 'constructs';
import { AnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate';
import { modelObject } from './model-object.ts';

/** `{{args.<name>}}`: where a metric query takes the value of an argument the Rollout passes. */
export function argRef(name: string): string {
  return `{{args.${name}}}`;
}

export interface PrometheusBoundMetric {
  /** Metric name in the AnalysisRun (DNS-label style). */
  readonly name: string;
  /** PromQL returning one series (an instant vector of one element or a scalar); may use `argRef(arg)`. */
  readonly query: string;
  /** Highest passing value (inclusive). */
  readonly max: number;
}

export interface PrometheusAnalysisTemplateProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Prometheus HTTP API base URL, e.g. `http://prometheus.monitoring.svc:9090`. */
  readonly address: string;
  readonly metrics: readonly PrometheusBoundMetric[];
  /**
   * Arguments the queries use (`argRef(name)`), values supplied by the Rollout's analysis step
   * (e.g. the pod-template hash of the new version); every one must be used and every used one declared.
   * @default []
   */
  readonly args?: readonly string[];
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
   * @default 0 (the first failed measurement fails the run)
   */
  readonly failureLimit?: number;
  /**
   * Inconclusive measurements (no number: no traffic) tolerated; one more makes the run
   * Inconclusive, which pauses the rollout.
   * @default count - 1 (the run needs one measurement that saw traffic)
   */
  readonly inconclusiveLimit?: number;
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
    const failureLimit = props.failureLimit ?? 0;
    const interval = props.interval ?? '1m';
    const args = props.args ?? [];
    if (props.metrics.length === 0) throw new Error(`'metrics' must hold at least one metric`);
    if (!Number.isInteger(count) || count < 1) throw new Error(`'count' (${count}) must be a whole number >= 1`);
    if (!Number.isInteger(failureLimit) || failureLimit < 0 || failureLimit >= count) {
      throw new Error(`'failureLimit' (${failureLimit}) must be >= 0 and < 'count' (${count}), or no run can fail`);
    }
    const inconclusiveLimit = props.inconclusiveLimit ?? count - 1;
    if (!Number.isInteger(inconclusiveLimit) || inconclusiveLimit < 0 || inconclusiveLimit >= count) {
      throw new Error(`'inconclusiveLimit' (${inconclusiveLimit}) must be >= 0 and < 'count' (${count})`);
    }
    if (!/^[1-9][0-9]*(s|m|h)$/.test(interval)) throw new Error(`'interval' (${interval}) must be a duration such as '30s' or '1m'`);
    const names = new Set<string>();
    for (const m of props.metrics) {
      if (names.has(m.name)) throw new Error(`metric name '${m.name}' is used twice`);
      names.add(m.name);
      if (!(Number.isFinite(m.max) && m.max >= 0)) throw new Error(`metric '${m.name}': 'max' (${m.max}) must be a finite number >= 0`);
      for (const [, used] of m.query.matchAll(/\{\{\s*args\.([^}\s]+)\s*\}\}/g)) {
        if (!args.includes(used!)) throw new Error(`metric '${m.name}': query uses argument '${used}' that 'args' does not declare (declared: ${args.join(', ') || 'none'})`);
      }
    }
    for (const a of args) {
      if (!props.metrics.some((m) => m.query.includes(argRef(a)))) throw new Error(`argument '${a}' in 'args' is used by no metric query`);
    }

    modelObject(this, 'Resource', new AnalysisTemplate({
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels }, ...(props.annotations ? { annotations: { ...props.annotations } } : {}) },
      spec: {
        ...(args.length > 0 ? { args: args.map((name) => ({ name })) } : {}),
        metrics: props.metrics.map((m) => ({
          name: m.name,
          interval,
          count,
          failureLimit,
          inconclusiveLimit,
          // `&&` short-circuits in expr, so result[0] is read only when the vector has an element.
          // NaN satisfies neither (every comparison with NaN is false): Inconclusive.
          successCondition: `len(result) > 0 && result[0] <= ${m.max}`,
          failureCondition: `len(result) > 0 && result[0] > ${m.max}`,
          provider: { prometheus: { address: props.address, query: m.query, timeout: props.timeoutSeconds ?? 30 } },
        })),
      },
    }));
  }
}
