/**
 * A Chaos Mesh Schedule (chaos-mesh.org/v1alpha1) that creates one PodChaos or NetworkChaos
 * experiment per cron tick, with the outcome that must hold written next to it as an
 * annotation, so a reviewer and the on-call read the hypothesis where the fault is defined.
 * No typed model package exists for Chaos Mesh: the shapes below follow its Go API types
 * (api/v1alpha1: schedule_types.go, podchaos_types.go, networkchaos_types.go).
 * @see https://chaos-mesh.org/docs/define-scheduling-rules/
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Annotation holding what must hold while the experiment runs. */
export const EXPECTED_OUTCOME_ANNOTATION = 'chaos.flextime.io/expected-outcome';

/** Pods an experiment acts on: label selector in listed namespaces. */
export interface ChaosPodSelector {
  readonly namespaces: readonly string[];
  readonly labelSelectors: Readonly<Record<string, string>>;
}

/** Chaos Mesh `mode` + `value`: how many of the selected pods. */
export interface ChaosMode {
  readonly mode: 'one' | 'all' | 'fixed' | 'fixed-percent' | 'random-max-percent';
  readonly value?: string;
}

export interface PodChaosSpec extends ChaosMode {
  readonly action: 'pod-kill' | 'pod-failure' | 'container-kill';
  readonly selector: ChaosPodSelector;
  readonly duration?: string;
  readonly gracePeriod?: number;
}

export interface NetworkChaosSpec extends ChaosMode {
  readonly action: 'delay' | 'loss' | 'duplicate' | 'corrupt' | 'partition' | 'bandwidth';
  readonly selector: ChaosPodSelector;
  readonly direction: 'to' | 'from' | 'both';
  readonly target?: ChaosMode & { readonly selector: ChaosPodSelector };
  readonly externalTargets?: readonly string[];
  readonly delay?: { readonly latency: string; readonly jitter?: string; readonly correlation?: string };
  readonly duration?: string;
}

/** The experiment a Schedule creates. Build one with `ChaosExperiment.podChaos` or `.networkChaos`. */
export class ChaosExperiment {
  public static podChaos(spec: PodChaosSpec): ChaosExperiment {
    if (spec.action === 'pod-failure' && !spec.duration) throw new Error(`'duration' is required for action 'pod-failure': the pods stay broken until it ends`);
    return new ChaosExperiment('PodChaos', 'podChaos', spec);
  }
  public static networkChaos(spec: NetworkChaosSpec): ChaosExperiment {
    if (!spec.duration) throw new Error(`'duration' is required for NetworkChaos: the fault stays until it ends`);
    if (!spec.target && !spec.externalTargets?.length) throw new Error(`NetworkChaos needs a 'target' selector or 'externalTargets'`);
    return new ChaosExperiment('NetworkChaos', 'networkChaos', spec);
  }
  private constructor(
    public readonly type: 'PodChaos' | 'NetworkChaos',
    public readonly field: 'podChaos' | 'networkChaos',
    public readonly spec: PodChaosSpec | NetworkChaosSpec,
  ) {}
}

export interface ChaosScheduleProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** 5-field cron schedule. */
  readonly schedule: string;
  /**
   * IANA time zone of `schedule` (written as a `CRON_TZ=` prefix).
   * @default - the controller's (UTC)
   */
  readonly timeZone?: string;
  readonly experiment: ChaosExperiment;
  /** What must hold while it runs; an empty text is an error. */
  readonly expectedOutcome: string;
  /**
   * Finished experiments kept for reading.
   * @default 5
   */
  readonly historyLimit?: number;
}

export class ChaosSchedule extends Construct {
  constructor(scope: Construct, id: string, props: ChaosScheduleProps) {
    super(scope, id);
    if (!props.expectedOutcome.trim()) throw new Error(`'expectedOutcome' of '${props.name}' must say what must hold while the experiment runs`);
    if (!/^\S+( \S+){4}$/.test(props.schedule)) throw new Error(`'schedule' (${props.schedule}) must be a 5-field cron schedule`);
    const { experiment } = props;
    new ApiObject(this, 'Resource', {
      apiVersion: 'chaos-mesh.org/v1alpha1',
      kind: 'Schedule',
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { ...props.labels },
        annotations: { [EXPECTED_OUTCOME_ANNOTATION]: props.expectedOutcome },
      },
      spec: {
        schedule: props.timeZone ? `CRON_TZ=${props.timeZone} ${props.schedule}` : props.schedule,
        // A tick while the previous experiment still runs is skipped, never stacked.
        concurrencyPolicy: 'Forbid',
        historyLimit: props.historyLimit ?? 5,
        type: experiment.type,
        [experiment.field]: experiment.spec,
      },
    });
  }
}
