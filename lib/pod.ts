/**
 * The hardened pod template every workload shares: Deployments and StatefulSets (through
 * HardenedWorkload), and anything else that runs pods from a template (CronJobs, KEDA
 * ScaledJobs, Argo Rollouts) by calling `hardenedPodTemplate` directly.
 *
 * Secure by default, opt out loudly: a pod that leaves a default (writable root filesystem,
 * mounted service-account token, a container without probes) must name the exception with a
 * reason, and the reason is written as an annotation on the pod template for reviewers.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
import { k8s } from 'cdk8s-plus-28';
import { emptyDirBytes, ephemeralStorageResources, type EphemeralStorage } from './ephemeral-storage.ts';

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

/** kube-linter check that each exception deliberately relaxes, silenced with the same reason. */
const LINTER_CHECKS: Record<keyof PodExceptions, string[]> = {
  writableRootFilesystem: ['no-read-only-root-fs'],
  serviceAccountToken: [],
  withoutProbes: ['no-liveness-probe', 'no-readiness-probe'],
  sameLivenessAndReadiness: [],
};

export const DEFAULT_RUN_AS_USER = 10001;
const TMP_VOLUME = 'tmp';

/**
 * A PSS-restricted pod template: runAsNonRoot with a fixed UID, seccomp RuntimeDefault, all
 * capabilities dropped, no privilege escalation, read-only root filesystem with a writable
 * /tmp, requests and limits, probes, preStop drain, IfNotPresent pulls, no token mount.
 */
export function hardenedPodTemplate(props: HardenedPodProps): k8s.PodTemplateSpec {
  const exceptions = props.exceptions ?? {};
  for (const [name, reason] of Object.entries(exceptions)) {
    if (reason !== undefined && reason.trim() === '') {
      throw new Error(`exception '${name}' needs a reason; an empty reason hides the exception from reviewers`);
    }
  }
  if (props.containers.length === 0) throw new Error(`'containers' must hold at least one container`);
  const runAsUser = props.runAsUser ?? DEFAULT_RUN_AS_USER;
  if (runAsUser < 1) throw new Error(`'runAsUser' (${runAsUser}) must be a non-root UID (>= 1)`);
  const grace = props.terminationGracePeriodSeconds ?? 30;
  const preStop = props.preStopSleepSeconds ?? 5;
  if (preStop >= grace) {
    throw new Error(`'preStopSleepSeconds' (${preStop}) must be less than 'terminationGracePeriodSeconds' (${grace})`);
  }

  const annotations: Record<string, string> = { ...props.annotations };
  for (const [name, reason] of Object.entries(exceptions) as [keyof PodExceptions, string | undefined][]) {
    if (!reason) continue;
    annotations[`${EXCEPTION_ANNOTATION_PREFIX}${kebab(name)}`] = reason;
    for (const check of LINTER_CHECKS[name]) annotations[`${KUBE_LINTER_IGNORE_PREFIX}${check}`] = reason;
  }

  const volumes: k8s.Volume[] = [
    { name: TMP_VOLUME, emptyDir: { sizeLimit: k8s.Quantity.fromString(props.tmpSizeLimit ?? '64Mi') } },
    ...(props.volumes ?? []),
  ];
  const scratch = emptyDirBytes(volumes);
  const build = (c: HardenedContainerProps, main: boolean) =>
    hardenedContainer(c, { exceptions, preStopSleepSeconds: main ? preStop : 0, requireProbes: !exceptions.withoutProbes, emptyDirBytes: main ? scratch : 0 });

  return {
    metadata: {
      labels: { ...props.labels },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: {
      serviceAccountName: props.serviceAccountName,
      automountServiceAccountToken: exceptions.serviceAccountToken !== undefined,
      enableServiceLinks: false,
      ...(props.priorityClassName ? { priorityClassName: props.priorityClassName } : {}),
      terminationGracePeriodSeconds: grace,
      ...(props.restartPolicy ? { restartPolicy: props.restartPolicy } : {}),
      securityContext: {
        runAsNonRoot: true,
        runAsUser,
        runAsGroup: runAsUser,
        fsGroup: props.fsGroup ?? runAsUser,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      },
      ...(props.spread ? spreading(props.spread) : {}),
      ...(props.initContainers?.length ? { initContainers: props.initContainers.map((c) => build(c, false)) } : {}),
      containers: props.containers.map((c, i) => build(c, i === 0)),
      volumes,
    },
  };
}

interface ContainerOptions {
  readonly exceptions: PodExceptions;
  readonly preStopSleepSeconds: number;
  readonly requireProbes: boolean;
  /** The pod's emptyDir bytes this container's ephemeral storage carries (the main one). */
  readonly emptyDirBytes: number;
}

function hardenedContainer(c: HardenedContainerProps, options: ContainerOptions): k8s.Container {
  const where = `container '${c.name}'`;
  const reference = c.image.replace(/^[^/]*:[0-9]+\//, ''); // a registry port is not a tag
  if (!/[:@]/.test(reference) || /:latest(@|$)/.test(c.image)) {
    throw new Error(`${where}: 'image' (${c.image}) must name a tag or digest other than 'latest'`);
  }
  for (const key of ['cpu', 'memory'] as const) {
    if (!c.resources.requests[key]) throw new Error(`${where}: 'resources.requests.${key}' is required`);
    if (!c.resources.limits[key]) throw new Error(`${where}: 'resources.limits.${key}' is required`);
  }
  for (const port of c.ports ?? []) {
    if (port.containerPort < 1024) {
      throw new Error(`${where}: port '${port.name}' (${port.containerPort}) must be >= 1024; a non-root process cannot bind privileged ports`);
    }
    if (port.name.length > 15) throw new Error(`${where}: port name '${port.name}' must be at most 15 characters`);
  }
  const probes = c.probes ?? {};
  if (options.requireProbes && (!probes.liveness || !probes.readiness)) {
    const missing = [!probes.liveness && 'liveness', !probes.readiness && 'readiness'].filter(Boolean).join(' and ');
    throw new Error(`${where} has no ${missing} probe; set 'probes' or name the exception 'withoutProbes' with a reason`);
  }

  if (probes.liveness && probes.readiness && !options.exceptions.sameLivenessAndReadiness && JSON.stringify(probes.liveness.handler) === JSON.stringify(probes.readiness.handler)) {
    // Readiness takes a pod out of the Service while a dependency is down; liveness restarts it.
    // The same check for both restarts pods that only had to wait.
    throw new Error(`${where}: liveness and readiness probes check the same thing (${JSON.stringify(probes.liveness.handler)}); liveness should ask "is the process alive", readiness "can it serve" (or name the exception 'sameLivenessAndReadiness')`);
  }
  const ephemeral = ephemeralStorageResources(where, c.resources.ephemeralStorage, options.emptyDirBytes);
  const startup = probes.startup ?? probes.liveness;
  return {
    name: c.name,
    image: c.image,
    imagePullPolicy: 'IfNotPresent',
    ...(c.command ? { command: [...c.command] } : {}),
    ...(c.args ? { args: [...c.args] } : {}),
    ...(c.ports?.length ? { ports: c.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })) } : {}),
    ...(c.envFrom?.length ? { envFrom: [...c.envFrom] } : {}),
    ...(c.env?.length ? { env: [...c.env] } : {}),
    resources: {
      requests: { 'cpu': k8s.Quantity.fromString(c.resources.requests.cpu), 'memory': k8s.Quantity.fromString(c.resources.requests.memory), 'ephemeral-storage': ephemeral.request },
      limits: { 'cpu': k8s.Quantity.fromString(c.resources.limits.cpu), 'memory': k8s.Quantity.fromString(c.resources.limits.memory), 'ephemeral-storage': ephemeral.limit },
    },
    ...(startup ? { startupProbe: probe(startup, { periodSeconds: 2, failureThreshold: 30, ...probes.startupTiming }) } : {}),
    ...(probes.liveness ? { livenessProbe: probe(probes.liveness, { periodSeconds: 10, failureThreshold: 3, ...probes.livenessTiming }) } : {}),
    ...(probes.readiness ? { readinessProbe: probe(probes.readiness, { periodSeconds: 5, failureThreshold: 3, ...probes.readinessTiming }) } : {}),
    ...(options.preStopSleepSeconds > 0
      ? { lifecycle: { preStop: { exec: { command: ['sleep', String(options.preStopSleepSeconds)] } } } }
      : {}),
    securityContext: {
      runAsNonRoot: true,
      ...(c.runAsUser !== undefined ? { runAsUser: c.runAsUser, runAsGroup: c.runAsUser } : {}),
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: options.exceptions.writableRootFilesystem === undefined,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [{ name: TMP_VOLUME, mountPath: '/tmp' }, ...(c.volumeMounts ?? [])],
  };
}

function probe(check: ProbeCheck, timing: ProbeTiming): k8s.Probe {
  return {
    ...check.handler,
    periodSeconds: timing.periodSeconds,
    timeoutSeconds: timing.timeoutSeconds ?? 2,
    failureThreshold: timing.failureThreshold,
  };
}

/** Zone and node topology spread plus preferred one-per-node anti-affinity. */
function spreading(spread: PodSpread): Pick<k8s.PodSpec, 'topologySpreadConstraints' | 'affinity'> {
  const labelSelector = { matchLabels: { ...spread.selector } };
  const matchLabelKeys = spread.matchLabelKeys?.length ? { matchLabelKeys: [...spread.matchLabelKeys] } : {};
  return {
    topologySpreadConstraints: [
      {
        topologyKey: 'topology.kubernetes.io/zone',
        maxSkew: 1,
        whenUnsatisfiable: spread.whenUnsatisfiable ?? 'ScheduleAnyway',
        labelSelector,
        ...matchLabelKeys,
        // A cordoned (draining) or unreachable node's zone does not count: without this a hard
        // rule leaves the drained pod Pending, since every other zone already holds one more.
        ...(spread.whenUnsatisfiable === 'DoNotSchedule' ? { nodeTaintsPolicy: 'Honor' } : {}),
      },
      { topologyKey: 'kubernetes.io/hostname', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', labelSelector, ...matchLabelKeys },
    ],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector } },
        ],
      },
    },
  };
}

function intOrString(port: string | number): k8s.IntOrString {
  return typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
