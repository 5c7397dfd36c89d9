/**
 * Props of the hardened pod template (lib/pod.ts): containers with required requests and
 * limits, probes, ports, spreading, and the named exceptions that relax a default with a reason.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
import { k8s } from 'cdk8s-plus-28';
import type { EphemeralStorage } from './ephemeral-storage.ts';

/** Annotation prefix of a recorded exception: `exceptions.hardened-workload/<exception>: <reason>`. */
export const EXCEPTION_ANNOTATION_PREFIX = 'exceptions.hardened-workload/';
/** kube-linter reads `ignore-check.kube-linter.io/<check>: <reason>`; exceptions that match a check set it too. */
export const KUBE_LINTER_IGNORE_PREFIX = 'ignore-check.kube-linter.io/';

export interface CpuMemory {
  readonly cpu: string;
  readonly memory: string;
}

/** Requests and limits of one container; both are required, there is no unbounded container. */
export interface ContainerResources {
  readonly requests: CpuMemory;
  readonly limits: CpuMemory;
  /** @default DEFAULT_EPHEMERAL_STORAGE (lib/ephemeral-storage.ts); the pod's emptyDirs are added to the main container's */
  readonly ephemeralStorage?: EphemeralStorage;
}

/** What a probe checks. Build one with `ProbeCheck.http`, `.tcp` or `.exec`. */
export class ProbeCheck {
  /** HTTP GET `path` on a named container port (a name survives port renumbering). */
  public static http(path: string, port: string | number): ProbeCheck {
    return new ProbeCheck({ httpGet: { path, port: intOrString(port) } });
  }
  /** A TCP connect to `port`. */
  public static tcp(port: string | number): ProbeCheck {
    return new ProbeCheck({ tcpSocket: { port: intOrString(port) } });
  }
  /** Run `command` in the container; exit code 0 is healthy. */
  public static exec(command: readonly string[]): ProbeCheck {
    return new ProbeCheck({ exec: { command: [...command] } });
  }
  private constructor(public readonly handler: Pick<k8s.Probe, 'httpGet' | 'tcpSocket' | 'exec'>) {}
}

export interface ProbeTiming {
  /** @default - see ContainerProbes: startup 2, liveness 10, readiness 5 */
  readonly periodSeconds?: number;
  /** @default 2 */
  readonly timeoutSeconds?: number;
  /** @default - startup 30 (a minute to start at the default period), liveness and readiness 3 */
  readonly failureThreshold?: number;
}

/**
 * The three probes of a container. Liveness and readiness are required unless the pod names
 * the exception `withoutProbes`; startup defaults to the liveness check with a generous
 * threshold, so a slow start never trips the liveness probe.
 * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
 */
export interface ContainerProbes {
  /** @default - the liveness check, every 2 s, up to 30 failures */
  readonly startup?: ProbeCheck;
  readonly liveness?: ProbeCheck;
  readonly readiness?: ProbeCheck;
  /** @default {} */
  readonly startupTiming?: ProbeTiming;
  /** @default {} */
  readonly livenessTiming?: ProbeTiming;
  /** @default {} */
  readonly readinessTiming?: ProbeTiming;
}

export interface ContainerPort {
  /** IANA-style name (at most 15 characters); Services and probes refer to it. */
  readonly name: string;
  /** Unprivileged port (>= 1024): the pod runs as non-root without NET_BIND_SERVICE. */
  readonly containerPort: number;
}

export interface HardenedContainerProps {
  /** Container name (DNS label). */
  readonly name: string;
  /** Image reference; must name a tag or digest, never `latest`. */
  readonly image: string;
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** @default - the image's cmd */
  readonly args?: readonly string[];
  /** @default [] */
  readonly ports?: readonly ContainerPort[];
  readonly resources: ContainerResources;
  /** @default - none, which is an error unless the pod names the exception `withoutProbes` */
  readonly probes?: ContainerProbes;
  /** @default [] */
  readonly env?: readonly k8s.EnvVar[];
  /** Whole ConfigMaps/Secrets as environment variables. @default [] */
  readonly envFrom?: readonly k8s.EnvFromSource[];
  /** Mounts besides the writable /tmp every container gets. @default [] */
  readonly volumeMounts?: readonly k8s.VolumeMount[];
  /**
   * UID of this container when it differs from the pod's `runAsUser` (e.g. a sidecar image
   * built for another user).
   * @default - the pod's runAsUser
   */
  readonly runAsUser?: number;
}

/**
 * Named exceptions to the hardened defaults. Each value is the reason, written to the pod
 * template as `exceptions.hardened-workload/<name>`; an empty reason is an error.
 */
export interface PodExceptions {
  /** Keep the root filesystem writable (an image that writes outside its volumes). */
  readonly writableRootFilesystem?: string;
  /** Mount the service-account token (the pod talks to the Kubernetes API). */
  readonly serviceAccountToken?: string;
  /** Run containers without liveness/readiness probes (e.g. run-to-completion Jobs). */
  readonly withoutProbes?: string;
  /** Let a container's liveness and readiness probes check the same thing (it has one signal only). */
  readonly sameLivenessAndReadiness?: string;
  /**
   * Run as UID 0, e.g. to read files of the node only root may read (container logs are 0640
   * root). Capabilities stay dropped, escalation off, the root filesystem read-only; the namespace
   * must admit it (Pod Security `privileged` or `baseline`).
   */
  readonly runAsRoot?: string;
  /**
   * Mount directories of the node (hostPath volumes; without this exception one is an error). The
   * namespace must admit it: Pod Security `privileged` and a Gatekeeper host-isolation exception.
   */
  readonly hostPath?: string;
}

/** Spreading of replicas over zones and nodes. */
export interface PodSpread {
  /** Labels that select the pods of this workload (its selector). */
  readonly selector: Readonly<Record<string, string>>;
  /**
   * `DoNotSchedule` makes zone spreading a hard rule; `ScheduleAnyway` prefers it.
   * @default 'ScheduleAnyway'
   */
  readonly whenUnsatisfiable?: 'DoNotSchedule' | 'ScheduleAnyway';
  /**
   * Pod labels whose values split the spread into groups, e.g. `pod-template-hash` so a
   * rollout's new pods are spread on their own.
   * @default []
   */
  readonly matchLabelKeys?: readonly string[];
}

export interface HardenedPodProps {
  /** Pod template labels (must include the workload selector). */
  readonly labels: Readonly<Record<string, string>>;
  /** Extra pod template annotations (e.g. config checksums). @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
  /** ServiceAccount the pod runs as; a dedicated one per workload. */
  readonly serviceAccountName: string;
  /** The first container is the main one; the others are sidecars (e.g. metrics exporters). */
  readonly containers: readonly HardenedContainerProps[];
  /** @default [] */
  readonly initContainers?: readonly HardenedContainerProps[];
  /** Volumes besides the `tmp` emptyDir. @default [] */
  readonly volumes?: readonly k8s.Volume[];
  /**
   * Fixed non-root UID (and GID) of every container.
   * @default 10001
   */
  readonly runAsUser?: number;
  /**
   * Group owning mounted volumes.
   * @default - runAsUser
   */
  readonly fsGroup?: number;
  /**
   * Size limit of the writable `/tmp` emptyDir mounted in every container.
   * @default '64Mi'
   */
  readonly tmpSizeLimit?: string;
  /** @default - no priority class (the cluster default) */
  readonly priorityClassName?: string;
  /**
   * Time from SIGTERM to SIGKILL; must cover preStop plus the app's own drain.
   * @default 30
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Seconds the main container sleeps in preStop before SIGTERM, so endpoints and load
   * balancers stop sending traffic first. 0 disables the hook.
   * @default 5
   */
  readonly preStopSleepSeconds?: number;
  /**
   * Spread replicas over zones and nodes, and prefer one replica per node (anti-affinity).
   * @default - no spreading (single pods such as Jobs)
   */
  readonly spread?: PodSpread;
  /** @default - the API default ('Always'); Jobs set 'Never' or 'OnFailure' */
  readonly restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  /** @default {} */
  readonly exceptions?: PodExceptions;
}

function intOrString(port: string | number): k8s.IntOrString {
  return typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port);
}
