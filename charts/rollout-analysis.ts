/**
 * Progressive delivery of a config service (`environments[].services[].delivery`): the Argo
 * Rollouts strategy, and the AnalysisTemplate that gates each step on the service's SLOs.
 *
 * The analysis computes each SLO's error ratio from the same indicator the burn-rate rules use
 * (charts/monitoring.ts), but only over the pods of the version being rolled out: the Rollout
 * passes the `Latest` pod-template hash, and the ServiceMonitor copies the pods' hash label onto
 * the series. (The recorded SLO ratios mix old and new pods, and are empty without 5xx series and
 * NaN without traffic.) Its bounds come from the SLO objectives: one change of an objective moves
 * the alerts, the rollout gate and the k6 thresholds together.
 */
import type { Construct } from 'constructs';
import type { Delivery, Service } from '../config/schema.ts';
import { argRef, PrometheusAnalysisTemplate } from '../lib/analysis-template.ts';
import { SYNC_WAVE_ANNOTATION } from '../lib/argocd-application.ts';
import { seriesLabel } from '../lib/monitoring/service-monitor.ts';
import { errorBudget, gateErrorRatioExpr } from '../lib/monitoring/slo-rules.ts';
import { ROLLOUT_POD_HASH_LABEL, RolloutStrategy, type PodTemplateHashArg } from '../lib/rollout.ts';
import type { EnvContext } from './context.ts';
import { monitoringNamespace, PROMETHEUS_ADDON, sloSpecs } from './monitoring.ts';

/** The analysis argument holding the pod-template hash of the version under analysis. */
export const LATEST_HASH_ARG = 'latest-hash';
const ANALYSIS_ARGS: readonly PodTemplateHashArg[] = [{ name: LATEST_HASH_ARG, podTemplateHash: 'Latest' }];

/** The Prometheus of the kube-prometheus-stack add-on (its chart names the Service `<release>-prometheus`). */
export function prometheusUrl(ctx: EnvContext): string {
  return `http://${PROMETHEUS_ADDON}-prometheus.${monitoringNamespace(ctx.platform)}.svc.cluster.local:9090`;
}

/** `<service>-slo`: the AnalysisTemplate of a service's rollout. */
export function analysisTemplateName(service: Pick<Service, 'name'>): string {
  return `${service.name}-slo`;
}

/** The PromQL an analysis of `slo` runs: its error ratio over `window` on the pods of the version rolled out. */
export function sloAnalysisQuery(ctx: EnvContext, slo: string, window: string): string {
  const spec = sloSpecs(ctx).find((s) => s.name === slo);
  if (!spec) throw new Error(`unknown SLO '${slo}' (observability.slos)`);
  return gateErrorRatioExpr({ ...spec, selector: { ...spec.selector, [seriesLabel(ROLLOUT_POD_HASH_LABEL)]: argRef(LATEST_HASH_ARG) } }, window);
}

/**
 * The AnalysisTemplate `<service>-slo`: one metric per gating SLO, passing while the error ratio
 * is at most `maxBurnRate` × the SLO's error budget. Nothing for `delivery.kind: deployment`.
 *
 * Sync wave -1: ArgoCD applies the objects of one wave together, and a Rollout whose template does
 * not exist yet is InvalidSpec (Degraded) until the controller retries — a Degraded resource fails
 * the sync operation, and the bootstrap's root waits for a retry (found by e2e scenario 1 with the
 * real controller). A template changed with the Rollout is also in place before the new steps run.
 */
export function sloAnalysisTemplate(scope: Construct, ctx: EnvContext, service: Service, delivery: Delivery): PrometheusAnalysisTemplate | undefined {
  if (delivery.kind === 'deployment') return undefined;
  const { analysis } = delivery;
  const name = analysisTemplateName(service);
  return new PrometheusAnalysisTemplate(scope, 'Analysis', {
    name,
    namespace: ctx.namespace,
    labels: ctx.labels(name, service.component),
    annotations: { [SYNC_WAVE_ANNOTATION]: '-1' },
    address: prometheusUrl(ctx),
    interval: analysis.interval,
    count: analysis.count,
    failureLimit: analysis.failureLimit,
    args: [LATEST_HASH_ARG],
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
        analysisArgs: ANALYSIS_ARGS,
        maxSurge: `${ctx.platform.maxSurgePercent}%`,
      });
    case 'blue-green':
      // The new pods get traffic only once they are behind the active Service: judge after the switch.
      return RolloutStrategy.blueGreen({
        postPromotionAnalysisTemplate: template,
        analysisArgs: ANALYSIS_ARGS,
        scaleDownDelaySeconds: delivery.scaleDownDelaySeconds,
      });
  }
}
