/**
 * How an Argo Rollout replaces its pods: a canary that shifts a growing share of pods to the
 * new version and holds each step until an analysis passes, or blue-green that brings the new
 * version up beside the old one and switches the Service when the analysis passes. A failed
 * analysis aborts the rollout, and Argo Rollouts scales the new version down and keeps (or
 * puts back) all traffic on the stable one: the automatic rollback.
 *
 * Used by HardenedWorkload (`kind: 'Rollout'`), so a Rollout gets the same hardened pod template
 * as a Deployment. Without a traffic router (no `trafficRouting`), canary weights are pod ratios:
 * the Service selects stable and canary pods alike.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/canary/
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/bluegreen/
 */
import type { IRolloutStrategy } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/RolloutStrategy';

/** The label Argo Rollouts puts on every pod (and ReplicaSet) of a Rollout: its pod-template hash. */
export const ROLLOUT_POD_HASH_LABEL = 'rollouts-pod-template-hash';

/**
 * An argument an analysis step passes to its AnalysisTemplate: the pod-template hash of the
 * `Latest` (the version being rolled out) or `Stable` ReplicaSet.
 */
export interface PodTemplateHashArg {
  readonly name: string;
  readonly podTemplateHash: 'Latest' | 'Stable';
}

export interface CanaryOptions {
  /**
   * Share of the pods (per cent, 1–99, strictly increasing) the new version gets at each step;
   * after the last step the rollout is promoted to 100 %.
   */
  readonly steps: readonly number[];
  /**
   * AnalysisTemplate run after each step; the step holds until the run completes, and a failed
   * run aborts the rollout (all pods back to the stable version).
   * @default - no analysis (steps advance after `pauseSeconds`)
   */
  readonly analysisTemplate?: string;
  /** Arguments of every analysis step. @default [] */
  readonly analysisArgs?: readonly PodTemplateHashArg[];
  /**
   * Pause after each step, before its analysis.
   * @default 0 (none)
   */
  readonly pauseSeconds?: number;
  /**
   * Extra pods (a percentage of the desired count) the rollout may add; maxUnavailable is always 0.
   * @default '25%'
   */
  readonly maxSurge?: string;
}

export interface BlueGreenOptions {
  /**
   * AnalysisTemplate run against the preview pods before the switch; a failed run aborts and
   * the active Service never moves.
   * @default - none
   */
  readonly prePromotionAnalysisTemplate?: string;
  /**
   * AnalysisTemplate run after the switch; a failed run switches the active Service back
   * (while the old pods are still up, see `scaleDownDelaySeconds`).
   * @default - none
   */
  readonly postPromotionAnalysisTemplate?: string;
  /** Arguments of both analyses. @default [] */
  readonly analysisArgs?: readonly PodTemplateHashArg[];
  /**
   * Seconds the old pods stay up after the switch, so a failed post-promotion analysis can
   * switch back without waiting for pods.
   * @default 600
   */
  readonly scaleDownDelaySeconds?: number;
}

/** A Rollout strategy. Build one with `RolloutStrategy.canary` or `.blueGreen`. */
export class RolloutStrategy {
  /** Canary: `steps` shares of pods, each held until `analysisTemplate` passes. */
  public static canary(options: CanaryOptions): RolloutStrategy {
    const steps = options.steps;
    if (steps.length === 0) throw new Error(`'steps' must name at least one canary weight`);
    steps.forEach((weight, i) => {
      if (!Number.isInteger(weight) || weight < 1 || weight > 99) throw new Error(`'steps[${i}]' (${weight}) must be a whole per cent between 1 and 99`);
      if (i > 0 && weight <= steps[i - 1]!) throw new Error(`'steps[${i}]' (${weight}) must be greater than 'steps[${i - 1}]' (${steps[i - 1]})`);
    });
    const pause = options.pauseSeconds ?? 0;
    if (!Number.isInteger(pause) || pause < 0) throw new Error(`'pauseSeconds' (${pause}) must be a whole number >= 0`);
    const maxSurge = options.maxSurge ?? '25%';
    if (!/^[1-9][0-9]?%$|^100%$/.test(maxSurge)) throw new Error(`'maxSurge' (${maxSurge}) must be a percentage between 1% and 100%`);
    return new RolloutStrategy('canary', Number.parseInt(maxSurge, 10), false, () => ({
      canary: {
        maxSurge,
        maxUnavailable: 0,
        steps: steps.flatMap((setWeight) => [
          { setWeight },
          ...(pause > 0 ? [{ pause: { duration: `${pause}s` } }] : []),
          ...(options.analysisTemplate ? [{ analysis: analysis(options.analysisTemplate, options.analysisArgs) }] : []),
        ]),
      },
    }));
  }

  /** Blue-green: the new version runs beside the old one behind `<name>-preview` until promoted. */
  public static blueGreen(options: BlueGreenOptions = {}): RolloutStrategy {
    const delay = options.scaleDownDelaySeconds ?? 600;
    if (!Number.isInteger(delay) || delay < 30) {
      throw new Error(`'scaleDownDelaySeconds' (${delay}) must be >= 30: endpoints need that long to drop the old pods`);
    }
    return new RolloutStrategy('blueGreen', 100, true, (service) => ({
      blueGreen: {
        activeService: service,
        previewService: `${service}-preview`,
        autoPromotionEnabled: true,
        scaleDownDelaySeconds: delay,
        ...(options.prePromotionAnalysisTemplate ? { prePromotionAnalysis: analysis(options.prePromotionAnalysisTemplate, options.analysisArgs) } : {}),
        ...(options.postPromotionAnalysisTemplate ? { postPromotionAnalysis: analysis(options.postPromotionAnalysisTemplate, options.analysisArgs) } : {}),
      },
    }));
  }

  private constructor(
    /** `canary` or `blueGreen`. */
    public readonly type: 'canary' | 'blueGreen',
    /** Extra pods (per cent of the desired count) the rollout may run at once; blue-green doubles. */
    public readonly surgePercent: number,
    /** Blue-green needs a second Service, `<service>-preview`. */
    public readonly needsPreviewService: boolean,
    private readonly build: (service: string) => IRolloutStrategy,
  ) {}

  /** `spec.strategy` of a Rollout whose main Service is `service`. */
  public render(service: string): IRolloutStrategy {
    return this.build(service);
  }
}

/**
 * An analysis step running one AnalysisTemplate (of the Rollout's namespace).
 *
 * `analysisRunMetadata: {}` is what the Argo Rollouts controller writes there itself: its Go type
 * holds the field as a struct (not a pointer), so `omitempty` never drops it, and every full
 * update of the Rollout (v1.8.3: defaulting spec.replicas of an HPA-scaled Rollout, the revision
 * annotation of each release) stores `{}` in every analysis. Without it in git, ArgoCD's diff
 * shows the Rollout OutOfSync after each release (the steps list is atomic), and outside the
 * production sync window nothing syncs it back (found by e2e scenario 1 with the real controller).
 */
function analysis(templateName: string, args: readonly PodTemplateHashArg[] = []) {
  return {
    templates: [{ templateName }],
    ...(args.length > 0 ? { args: args.map((a) => ({ name: a.name, valueFrom: { podTemplateHashValue: a.podTemplateHash } })) } : {}),
    analysisRunMetadata: {},
  };
}
