/** The reusable constructs on their own: defaults, exceptions and the exact errors. */
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { HorizontalAutoscaler } from '../lib/horizontal-autoscaler.ts';
import { RedisListScaler } from '../lib/keda.ts';
import { SecretsManagerStore, SyncedSecret } from '../lib/external-secrets.ts';
import { hardenedPodTemplate } from '../lib/pod.ts';
import { ProbeCheck, type HardenedContainerProps, type HardenedPodProps } from '../lib/pod-props.ts';
import { Disruption, HardenedWorkload, Replicas, type HardenedWorkloadProps } from '../lib/workload.ts';

const container = (extra: Partial<HardenedContainerProps> = {}): HardenedContainerProps => ({
  name: 'app',
  image: 'example.org/app:1.0.0',
  ports: [{ name: 'http', containerPort: 8080 }],
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
  probes: { liveness: ProbeCheck.http('/healthz', 'http'), readiness: ProbeCheck.http('/readyz', 'http') },
  ...extra,
});
const pod = (extra: Partial<HardenedPodProps> = {}): HardenedPodProps => ({
  labels: { 'app.kubernetes.io/name': 'app' },
  serviceAccountName: 'app',
  containers: [container()],
  ...extra,
});

const labels = { 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/instance': 'app-test', team: 'x' };
function synthWorkload(extra: Partial<HardenedWorkloadProps> = {}) {
  const chart = new Chart(new App(), 'test');
  new HardenedWorkload(chart, 'w', {
    name: 'app',
    namespace: 'ns',
    labels,
    selectorLabels: { 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/instance': 'app-test' },
    replicas: Replicas.autoscaled(3, 10),
    pod: { containers: [container()] },
    servicePorts: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 'http' }],
    ...extra,
  });
  return chart.toJson() as Array<{ kind: string; metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> }>;
}

describe('hardenedPodTemplate', () => {
  it('renders the restricted security context, /tmp emptyDir, IfNotPresent and a startup probe by default', () => {
    const t = hardenedPodTemplate(pod());
    expect(t.spec!.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    const c = t.spec!.containers[0]!;
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(c.startupProbe).toMatchObject({ failureThreshold: 30, periodSeconds: 2 });
    expect(c.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(t.spec!.automountServiceAccountToken).toBe(false);
  });

  it('runs sidecars without a preStop sleep but with the same hardening', () => {
    const t = hardenedPodTemplate(pod({ containers: [container(), container({ name: 'exporter' })] }));
    expect(t.spec!.containers[1]!.lifecycle).toBeUndefined();
    expect(t.spec!.containers[1]!.securityContext).toMatchObject({ readOnlyRootFilesystem: true });
  });

  it('refuses a container without a readiness probe unless the exception is named', () => {
    const noReadiness = container({ probes: { liveness: ProbeCheck.tcp('http') } });
    expect(() => hardenedPodTemplate(pod({ containers: [noReadiness] })))
      .toThrow("container 'app' has no readiness probe; set 'probes' or name the exception 'withoutProbes' with a reason");
    const t = hardenedPodTemplate(pod({ containers: [noReadiness], exceptions: { withoutProbes: 'one-shot job' } }));
    expect(t.metadata!.annotations).toEqual({
      'exceptions.hardened-workload/without-probes': 'one-shot job',
      'ignore-check.kube-linter.io/no-liveness-probe': 'one-shot job',
      'ignore-check.kube-linter.io/no-readiness-probe': 'one-shot job',
    });
  });

  it('refuses a container without a memory limit', () => {
    const c = container();
    const bad = { ...c, resources: { requests: c.resources.requests, limits: { cpu: '1', memory: '' } } };
    expect(() => hardenedPodTemplate(pod({ containers: [bad] }))).toThrow("container 'app': 'resources.limits.memory' is required");
  });

  it('records a writable root filesystem as an exception with its reason', () => {
    const t = hardenedPodTemplate(pod({ exceptions: { writableRootFilesystem: 'legacy image writes /var/cache' } }));
    expect(t.spec!.containers[0]!.securityContext!.readOnlyRootFilesystem).toBe(false);
    expect(t.metadata!.annotations!['exceptions.hardened-workload/writable-root-filesystem']).toBe('legacy image writes /var/cache');
  });

  it('refuses an exception without a reason', () => {
    expect(() => hardenedPodTemplate(pod({ exceptions: { serviceAccountToken: ' ' } })))
      .toThrow("exception 'serviceAccountToken' needs a reason; an empty reason hides the exception from reviewers");
  });

  it('refuses a preStop sleep that does not fit in the grace period', () => {
    expect(() => hardenedPodTemplate(pod({ preStopSleepSeconds: 30, terminationGracePeriodSeconds: 30 })))
      .toThrow("'preStopSleepSeconds' (30) must be less than 'terminationGracePeriodSeconds' (30)");
  });

  it('refuses privileged ports, latest tags and root', () => {
    expect(() => hardenedPodTemplate(pod({ containers: [container({ ports: [{ name: 'http', containerPort: 80 }] })] })))
      .toThrow("container 'app': port 'http' (80) must be >= 1024; a non-root process cannot bind privileged ports");
    expect(() => hardenedPodTemplate(pod({ containers: [container({ image: 'example.org/app:latest' })] })))
      .toThrow("container 'app': 'image' (example.org/app:latest) must name a tag or digest other than 'latest'");
    expect(() => hardenedPodTemplate(pod({ containers: [container({ image: 'localhost:5000/app' })] })))
      .toThrow("'image' (localhost:5000/app) must name a tag or digest other than 'latest'");
    expect(() => hardenedPodTemplate(pod({ runAsUser: 0 }))).toThrow("'runAsUser' (0) must be a non-root UID (>= 1)");
  });
});

describe('HardenedWorkload', () => {
  it('renders Deployment, ServiceAccount, Service and PDB with only the given labels', () => {
    const out = synthWorkload();
    expect(out.map((o) => o.kind).sort()).toEqual(['Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    for (const o of out) expect(o.metadata.labels).toEqual(labels);
    expect(JSON.stringify(out)).not.toContain('cdk8s.io');
  });

  it('adds a VerticalPodAutoscaler in recommendation mode on request', () => {
    const vpa = synthWorkload({ verticalRecommendations: true }).find((o) => o.kind === 'VerticalPodAutoscaler')!;
    expect(vpa.spec).toMatchObject({ updatePolicy: { updateMode: 'Off' }, targetRef: { kind: 'Deployment', name: 'app' } });
  });

  it('renders a StatefulSet with claim templates and a headless Service carrying only the main port', () => {
    const out = synthWorkload({ kind: 'StatefulSet', replicas: Replicas.fixed(1), volumeClaims: [{ name: 'data', storage: '1Gi' }] });
    const sts = out.find((o) => o.kind === 'StatefulSet')!;
    expect(sts.spec).toMatchObject({ replicas: 1, serviceName: 'app-headless' });
    const headless = out.find((o) => o.metadata.name === 'app-headless')!;
    expect(headless.spec).toMatchObject({ clusterIP: 'None', ports: [{ name: 'http' }] });
  });

  it('refuses a minAvailable that blocks every drain', () => {
    expect(() => synthWorkload({ disruption: Disruption.minAvailable(3) }))
      .toThrow("'minAvailable' (3) must be < 'minReplicas' (3), or the PodDisruptionBudget blocks every node drain");
  });

  it('refuses bounds in the wrong order and a zero maxUnavailable', () => {
    expect(() => Replicas.autoscaled(5, 3)).toThrow("'minReplicas' (5) must be <= 'maxReplicas' (3)");
    expect(() => Disruption.maxUnavailable(0)).toThrow("'maxUnavailable' (0) must be >= 1; 0 blocks every node drain");
  });

  it('refuses volume claims on a Deployment', () => {
    expect(() => synthWorkload({ volumeClaims: [{ name: 'data', storage: '1Gi' }] })).toThrow("'volumeClaims' need kind 'StatefulSet' (got 'Deployment')");
  });
});

describe('autoscalers and secrets', () => {
  const scope = () => new Chart(new App(), 'test');
  const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' };

  it('HorizontalAutoscaler refuses a minimum of zero and a utilization over 100', () => {
    const base = { name: 'app', namespace: 'ns', labels: {}, target, minReplicas: 1, maxReplicas: 3, cpuUtilization: 70 };
    expect(() => new HorizontalAutoscaler(scope(), 'h', { ...base, minReplicas: 0 })).toThrow("'minReplicas' (0) must be >= 1; an HPA cannot scale to zero");
    expect(() => new HorizontalAutoscaler(scope(), 'h', { ...base, cpuUtilization: 120 })).toThrow("'cpuUtilization' (120) must be between 1 and 100");
  });

  it('RedisListScaler refuses a target of zero and a fallback above the maximum', () => {
    const trigger = { address: 'redis:6379', listName: 'jobs', listLength: 0, passwordSecret: { name: 's', key: 'k' } };
    const base = { name: 'app', namespace: 'ns', labels: {}, target, maxReplicas: 3, trigger };
    expect(() => new RedisListScaler(scope(), 'k', base)).toThrow("'listLength' (0) must be > 0");
    expect(() => new RedisListScaler(scope(), 'k', { ...base, trigger: { ...trigger, listLength: 5 }, fallback: { failureThreshold: 3, replicas: 4 } }))
      .toThrow("'fallback.replicas' (4) must be <= 'maxReplicas' (3)");
  });

  it('SecretsManagerStore refuses a prefix that does not end in a slash', () => {
    expect(() => new SecretsManagerStore(scope(), 's', { name: 's', labels: {}, region: 'us-east-2', prefix: 'app', serviceAccount: { name: 'a', namespace: 'b' } }))
      .toThrow(`'prefix' (app) must end with "/", or "app" would also match "app-other/…"`);
  });

  it('SyncedSecret refuses a key listed twice', () => {
    const keys = [{ secretKey: 'A', remoteKey: 'x' }, { secretKey: 'A', remoteKey: 'y' }];
    expect(() => new SyncedSecret(scope(), 'e', { name: 'e', namespace: 'ns', labels: {}, storeName: 's', keys }))
      .toThrow("'keys' of ExternalSecret 'e' list 'A' twice");
  });
});
