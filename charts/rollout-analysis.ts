/**
 * Progressive delivery of a config service (`environments[].services[].delivery`): the Argo
 * Rollouts strategy, and the AnalysisTemplate that gates each step on the service's SLOs.
 *
 * The analysis queries the SLO recording rules charts/monitoring.ts renders (the same series
 * the burn-rate alerts read), and its bounds come from the SLO objectives: one change of an
 * objective moves the alerts, the rollout gate and the k6 thresholds together.
 */
import type { Construct } from 'constructs';
import type { Delivery, Service } from '../config/schema.ts';
import { PrometheusAnalysisTemplate } from '../lib/analysis-template.ts';
import { selector } from '../lib/monitoring/rules.ts';
import { errorBudget, errorRatioRecord } from '../lib/monitoring/slo-rules.ts';
import { RolloutStrategy } from '../lib/rollout.ts';
import type { EnvContext } from './context.ts';
import { monitoringNamespace, PROMETHEUS_ADDON, sloGroups } from './monitoring.ts';

/** The Prometheus of the kube-prometheus-stack add-on (its chart names the Service `<release>-prometheus`). */
export function prometheusUrl(ctx: EnvContext): string {
  return `http://${PROMETHEUS_ADDON}-prometheus.${monitoringNamespace(ctx.platform)}.svc.cluster.local:9090`;
}

/** `<service>-slo`: the AnalysisTemplate of a service's rollout. */
export function analysisTemplateName(service: Pick<Service, 'name'>): string {
  return `${service.name}-slo`;
}

/** The PromQL an analysis of `slo` runs: its recorded error ratio over `window`, as the alerts read it. */
export function sloAnalysisQuery(ctx: EnvContext, slo: string, window: string): string {
  const record = errorRatioRecord(window);
  const rule = sloGroups(ctx)
    .find((g) => g.name === `slo-${slo}`)
    ?.rules.find((r) => 'record' in r && r.record === record);
  if (!rule || !('record' in rule)) throw new Error(`SLO '${slo}' records no ${record} in ${ctx.env.name} (charts/monitoring.ts)`);
  return `${record}${selector(rule.labels ?? {})}`;
}

/**
 * The AnalysisTemplate `<service>-slo`: one metric per gating SLO, passing while the error ratio
 * is at most `maxBurnRate` × the SLO's error budget. Nothing for `delivery.kind: deployment`.
 */
export function sloAnalysisTemplate(scope: Construct, ctx: EnvContext, service: Service, delivery: Delivery): PrometheusAnalysisTemplate | undefined {
  if (delivery.kind === 'deployment') return undefined;
  const { analysis } = delivery;
  const name = analysisTemplateName(service);
  return new PrometheusAnalysisTemplate(scope, 'Analysis', {
    name,
    namespace: ctx.namespace,
    labels: ctx.labels(name, service.component),
    address: prometheusUrl(ctx),
    interval: analysis.interval,
    count: analysis.count,
    failureLimit: analysis.failureLimit,
    metrics: analysis.slos.map((sloName) => {
      const slo = ctx.platform.observability.slos.find((s) => s.name === sloName)!;
      return {
        name: sloName,
        query: sloAnalysisQuery(ctx, sloName, analysis.window),
        max: Number((analysis.maxBurnRate * errorBudget(slo.objective)).toPrecision(12)),
      };
    }),
  });
}

/** The Rollout strategy of `delivery`, gated by `template`; undefined for a plain Deployment. */
export function rolloutStrategy(ctx: EnvContext, delivery: Delivery, template: string | undefined): RolloutStrategy | undefined {
  switch (delivery.kind) {
    case 'deployment':
      return undefined;
    case 'canary':
      return RolloutStrategy.canary({
        steps: delivery.steps,
        pauseSeconds: delivery.pauseSeconds,
        analysisTemplate: template,
        maxSurge: `${ctx.platform.maxSurgePercent}%`,
      });
    case 'blue-green':
      // The SLO series count the pods behind the active Service only: judge after the switch.
      return RolloutStrategy.blueGreen({
        postPromotionAnalysisTemplate: template,
        scaleDownDelaySeconds: delivery.scaleDownDelaySeconds,
      });
  }
}
