/**
 * HardenedCronJob: a CronJob whose pods come from the hardened pod template (lib/pod.ts), with
 * the guards a batch job needs spelled out instead of left to API defaults: no overlapping runs,
 * a starting deadline, a run deadline, a retry budget and bounded history.
 *
 * Core kinds come from cdk8s' generated `k8s` bindings, so the output carries only the caller's
 * names and labels.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { hardenedPodTemplate } from './pod.ts';
import { type HardenedPodProps } from './pod-props.ts';

export type ConcurrencyPolicy = 'Forbid' | 'Replace' | 'Allow';

export interface HardenedCronJobProps {
  /** Name of the CronJob (and of the ServiceAccount it creates). */
  readonly name: string;
  readonly namespace: string;
  /** Labels of the CronJob, its Jobs and their pods. */
  readonly labels: Readonly<Record<string, string>>;
  /** Five-field cron schedule, read in `timeZone`. */
  readonly schedule: string;
  /**
   * IANA time zone of `schedule` (`spec.timeZone`).
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
  /**
   * What happens when a run is due while the previous one still runs.
   * @default 'Forbid'
   */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
  /**
   * A run that cannot start within this many seconds of its time is skipped. At least 10: the
   * controller checks every 10 seconds.
   */
  readonly startingDeadlineSeconds: number;
  /** Seconds after which the Job, retries included, is stopped and failed. */
  readonly activeDeadlineSeconds: number;
  /**
   * Pod retries before the Job fails.
   * @default 0
   */
  readonly backoffLimit?: number;
  /** @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /**
   * An existing ServiceAccount for the pods (e.g. one an IAM role trusts by name).
   * @default - a ServiceAccount named like the CronJob is created
   */
  readonly serviceAccountName?: string;
  /**
   * IAM role of the ServiceAccount this construct creates (IRSA, `eks.amazonaws.com/role-arn`).
   * @default - no AWS role
   */
  readonly roleArn?: string;
  /**
   * The pod: containers, volumes, UID, priority, exceptions. Probes are not required (a Job
   * runs to completion); the pod records that as the exception `withoutProbes`.
   */
  readonly pod: Omit<HardenedPodProps, 'labels' | 'serviceAccountName' | 'spread' | 'restartPolicy'>;
}

export class HardenedCronJob extends Construct {
  public readonly name: string;
  public readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: HardenedCronJobProps) {
    super(scope, id);
    const { name, namespace } = props;
    this.name = name;
    const fields = props.schedule.trim().split(/\s+/);
    if (fields.length !== 5 || /TZ=/.test(props.schedule)) {
      throw new Error(`'schedule' (${props.schedule}) must have five cron fields and no CRON_TZ/TZ prefix; set 'timeZone' instead`);
    }
    if (!Number.isInteger(props.startingDeadlineSeconds) || props.startingDeadlineSeconds < 10) {
      throw new Error(`'startingDeadlineSeconds' (${props.startingDeadlineSeconds}) must be >= 10, or runs may never start`);
    }
    if (!Number.isInteger(props.activeDeadlineSeconds) || props.activeDeadlineSeconds < 1) {
      throw new Error(`'activeDeadlineSeconds' (${props.activeDeadlineSeconds}) must be a whole number >= 1`);
    }
    const backoffLimit = props.backoffLimit ?? 0;
    if (!Number.isInteger(backoffLimit) || backoffLimit < 0) throw new Error(`'backoffLimit' (${backoffLimit}) must be a whole number >= 0`);
    if (props.serviceAccountName && props.roleArn) {
      throw new Error(`'roleArn' applies only to a ServiceAccount this construct creates; annotate '${props.serviceAccountName}' where it is defined`);
    }
    const metadata = { name, namespace, labels: { ...props.labels } };

    this.serviceAccountName = props.serviceAccountName ?? name;
    if (!props.serviceAccountName) {
      new k8s.KubeServiceAccount(this, 'ServiceAccount', {
        metadata: { ...metadata, ...(props.roleArn ? { annotations: { 'eks.amazonaws.com/role-arn': props.roleArn } } : {}) },
        automountServiceAccountToken: false,
      });
    }

    const template = hardenedPodTemplate({
      ...props.pod,
      // Nothing drains traffic from a Job pod: no preStop pause unless asked for.
      preStopSleepSeconds: props.pod.preStopSleepSeconds ?? 0,
      exceptions: { withoutProbes: 'run-to-completion Job: success is its exit code', ...props.pod.exceptions },
      labels: props.labels,
      serviceAccountName: this.serviceAccountName,
      restartPolicy: 'Never',
    });

    new k8s.KubeCronJob(this, 'CronJob', {
      metadata,
      spec: {
        schedule: fields.join(' '),
        timeZone: props.timeZone ?? 'Etc/UTC',
        concurrencyPolicy: props.concurrencyPolicy ?? 'Forbid',
        startingDeadlineSeconds: props.startingDeadlineSeconds,
        successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
        failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 3,
        jobTemplate: {
          metadata: { labels: { ...props.labels } },
          spec: {
            activeDeadlineSeconds: props.activeDeadlineSeconds,
            backoffLimit,
            template,
          },
        },
      },
    });
  }
}
