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
import { emptyDirBytes, ephemeralStorageResources } from './ephemeral-storage.ts';
import { EXCEPTION_ANNOTATION_PREFIX, KUBE_LINTER_IGNORE_PREFIX, ProbeCheck, type ProbeTiming, type HardenedContainerProps, type PodExceptions, type PodSpread, type HardenedPodProps } from './pod-props.ts';

/** kube-linter check that each exception deliberately relaxes, silenced with the same reason. */
const LINTER_CHECKS: Record<keyof PodExceptions, string[]> = {
  writableRootFilesystem: ['no-read-only-root-fs'],
  serviceAccountToken: [],
  withoutProbes: ['no-liveness-probe', 'no-readiness-probe'],
  sameLivenessAndReadiness: [],
  runAsRoot: ['run-as-non-root'],
  hostPath: [],
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
  const root = exceptions.runAsRoot !== undefined;
  const runAsUser = root ? 0 : props.runAsUser ?? DEFAULT_RUN_AS_USER;
  if (!root && runAsUser < 1) throw new Error(`'runAsUser' (${runAsUser}) must be a non-root UID (>= 1), or name the exception 'runAsRoot' with a reason`);
  const hostPaths = (props.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
  if (hostPaths.length && !exceptions.hostPath) {
    throw new Error(`volumes ${hostPaths.map((v) => `'${v}'`).join(', ')} mount the node's filesystem (hostPath); name the exception 'hostPath' with a reason`);
  }
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
    hardenedContainer(c, { exceptions, root, preStopSleepSeconds: main ? preStop : 0, requireProbes: !exceptions.withoutProbes, emptyDirBytes: main ? scratch : 0 });

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
        runAsNonRoot: !root,
        runAsUser,
        runAsGroup: runAsUser,
        ...(root ? {} : { fsGroup: props.fsGroup ?? runAsUser, fsGroupChangePolicy: 'OnRootMismatch' }),
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
  /** The pod runs as UID 0 (exception runAsRoot). */
  readonly root: boolean;
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
      runAsNonRoot: !options.root,
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

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
