/**
 * dist/<env>/chaos: the environment's Chaos Mesh experiments (`environments[].chaos`), each a
 * Schedule with its expected outcome as an annotation. Only environments that configure chaos
 * get the folder; config refuses chaos in production and Gatekeeper denies chaos objects there
 * (charts/security-rules/gatekeeper-policies.ts, policy `chaos-containment`).
 *
 * Chaos Mesh runs with `controllerManager.enableFilterNamespace` (config/addons.ts): it only
 * touches namespaces annotated `chaos-mesh.org/inject=enabled`, which charts/namespaces.ts sets
 * exactly where experiments are configured.
 */
import type { App } from 'cdk8s';
import type { ChaosExperiment as ExperimentConfig } from '../config/schema.ts';
import { ChaosExperiment, ChaosSchedule, type ChaosPodSelector } from '../lib/chaos-schedule.ts';
import { envChart, type EnvContext } from './context.ts';

const SOURCE = 'charts/chaos.ts';
/** The namespace annotation Chaos Mesh's namespace filter looks for. */
export const CHAOS_INJECT_ANNOTATION = { 'chaos-mesh.org/inject': 'enabled' } as const;

export function chaosChart(app: App, ctx: EnvContext): void {
  const chaos = ctx.env.chaos;
  if (!chaos) return;
  const chart = envChart(app, ctx, 'chaos', SOURCE);
  for (const x of chaos.experiments) {
    new ChaosSchedule(chart, x.name, {
      name: x.name,
      namespace: ctx.namespace,
      labels: ctx.labels(x.name, 'chaos'),
      schedule: x.schedule,
      timeZone: chaos.timeZone,
      experiment: experimentOf(ctx, x),
      expectedOutcome: x.expect,
    });
  }
}

/** Pods of a workload of the environment, selected like its own selector (name + instance). */
function pods(ctx: EnvContext, workload: string): ChaosPodSelector {
  const id = ctx.identity(workload, 'chaos');
  return { namespaces: [ctx.namespace], labelSelectors: { 'app.kubernetes.io/name': id.name, 'app.kubernetes.io/instance': id.instance } };
}

function experimentOf(ctx: EnvContext, x: ExperimentConfig): ChaosExperiment {
  const share = (percent: number) => ({ mode: 'fixed-percent' as const, value: String(percent) });
  switch (x.kind) {
    case 'pod-kill':
      return ChaosExperiment.podChaos({ action: 'pod-kill', ...share(x.percent), selector: pods(ctx, x.target) });
    case 'pod-failure':
      return ChaosExperiment.podChaos({ action: 'pod-failure', ...share(x.percent), selector: pods(ctx, x.target), duration: x.duration });
    case 'network-delay':
      return ChaosExperiment.networkChaos({
        action: 'delay',
        mode: 'all',
        selector: pods(ctx, x.target),
        direction: 'to',
        target: { mode: 'all', selector: pods(ctx, x.to) },
        delay: { latency: x.latency, jitter: x.jitter, correlation: '25' },
        duration: x.duration,
      });
  }
}
