/**
 * dist/cluster/logging: the node-level log collector (issue 23). One OpenTelemetry Collector pod
 * per node reads /var/log/pods and ships to CloudWatch Logs (configuration: charts/logging-config.ts;
 * groups, retention, archive: terraform-bootstrap/cluster/logs.tf).
 *
 * Its namespace is the one place host access is allowed, and only what the collector needs:
 *   Pod Security `privileged`   the only level that admits hostPath volumes (baseline forbids them);
 *                               the pod itself still drops every capability, no escalation, no
 *                               host network/PID/IPC, read-only root filesystem
 *   Gatekeeper host-isolation   an exception for this namespace's hostPath mounts of /var/log/pods
 *                               (read-only) and the collector's state directory, nothing else
 *                               (charts/security-rules/gatekeeper-policies.ts)
 * Both reasons are annotations on the Namespace; the pod's exceptions (runAsRoot, hostPath) are
 * annotations on its template.
 *
 *   default-deny     every pod, both directions
 *   log-collector    in: Prometheus (own metrics); out: DNS, the VPC endpoints (CloudWatch Logs, STS) on 443
 */
import type { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Platform } from '../config/index.ts';
import { recommendedLabels, selectorLabels } from '../lib/labels.ts';
import { ephemeralStorageDefaults, podSecurityLabels } from '../lib/namespace.ts';
import { MetricsScrape } from '../lib/monitoring/service-monitor.ts';
import { RuleSet } from '../lib/monitoring/prometheus-rule.ts';
import { logCollectorAlertGroups } from './logging-alerts.ts';
import { NodeAgent } from '../lib/node-agent.ts';
import { ProbeCheck } from '../lib/pod-props.ts';
import { BuildError } from '../lib/values/build-error.ts';
import { stringify } from 'yaml';
import { clusterChart } from './context.ts';
import { COLLECTOR_ENV, LOG_COLLECTOR, LOG_HEALTH_PORT, LOG_TELEMETRY_PORT, logCollectorConfig } from './logging-config.ts';
import { PROMETHEUS_SELECTOR_LABELS } from './monitoring.ts';

const SOURCE = 'charts/logging.ts';
export const POD_LOG_DIRECTORY = '/var/log/pods';
const NAME = 'app.kubernetes.io/name';
/** Annotations on the Namespace that say why it is not `restricted` and what Gatekeeper lets through. */
export const POD_SECURITY_REASON_ANNOTATION = 'flextime.io/pod-security-reason';
export const GATEKEEPER_EXCEPTION_ANNOTATION = 'flextime.io/gatekeeper-exception';

/** The host directories the collector mounts: the Gatekeeper exception lists exactly these. */
export function logCollectorHostPaths(platform: Platform): Array<{ path: string; readOnly: boolean }> {
  return [
    { path: POD_LOG_DIRECTORY, readOnly: true },
    { path: platform.observability.logs.collector.stateDirectory, readOnly: false },
  ];
}

export function loggingChart(app: App, platform: Platform): void {
  const chart = clusterChart(app, 'logging', SOURCE);
  const { logs } = platform.observability;
  const namespace = logs.namespace;
  const identity = (name: string, component = 'logging') => ({ name, instance: name, component, partOf: platform.partOf });
  const labels = (name: string, component?: string) => recommendedLabels(identity(name, component));
  const hostPaths = logCollectorHostPaths(platform);

  new k8s.KubeNamespace(chart, 'namespace', {
    metadata: {
      name: namespace,
      labels: { ...labels(namespace, 'namespace'), ...podSecurityLabels('privileged', platform.podSecurityVersion) },
      annotations: {
        [POD_SECURITY_REASON_ANNOTATION]: `privileged: the log collector mounts ${POD_LOG_DIRECTORY} (read-only) and its state directory from the node (hostPath), which baseline and restricted forbid, and runs as UID 0 because container log files are readable by root only; its containers still drop all capabilities, disallow privilege escalation and use no host namespaces`,
        [GATEKEEPER_EXCEPTION_ANNOTATION]: `host-isolation: hostPath ${hostPaths.map((h) => `${h.path} (${h.readOnly ? 'read-only' : 'read-write'})`).join(', ')} in this namespace only; host network, PID, IPC, ports and every other host path stay denied`,
      },
    },
  });
  ephemeralStorageDefaults(chart, 'ephemeral-storage', {
    namespace,
    labels: recommendedLabels({ name: 'ephemeral-storage', instance: `ephemeral-storage-${namespace}`, component: 'namespace', partOf: platform.partOf }),
    ...platform.addonEphemeralStorage,
  });

  new k8s.KubeConfigMap(chart, 'config', {
    metadata: { name: LOG_COLLECTOR, namespace, labels: labels(LOG_COLLECTOR) },
    data: { 'config.yaml': stringify(logCollectorConfig(platform), { lineWidth: 0 }) },
  });

  const account = platform.aws.serviceAccounts.logCollector;
  if (account.namespace !== namespace || account.name !== LOG_COLLECTOR) {
    throw new BuildError([`aws.serviceAccounts.logCollector = ${account.namespace}/${account.name}: must be ${namespace}/${LOG_COLLECTOR} (observability.logs.namespace and the collector's name), the account its IAM role trusts`]);
  }
  const cluster = platform.environments.find((e) => e.name === 'production')?.cluster ?? platform.clusters[0]!.name;
  const roleArn = platform.aws.outputs.clusters[cluster]?.log_collector_role_arn;
  if (!roleArn) throw new BuildError([`aws.outputs.clusters.${cluster}.log_collector_role_arn is missing: the log collector ships to CloudWatch Logs as this role (terraform-bootstrap/cluster/logs.tf)`]);
  const fieldEnv = (name: string, fieldPath: string): k8s.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  new NodeAgent(chart, 'collector', {
    name: LOG_COLLECTOR,
    namespace,
    labels: labels(LOG_COLLECTOR),
    selectorLabels: selectorLabels(identity(LOG_COLLECTOR)),
    roleArn,
    servicePorts: [{ name: 'metrics', port: LOG_TELEMETRY_PORT, targetPort: 'metrics' }],
    pod: {
      // A node's logs are collected before any environment's pods are scheduled there.
      priorityClassName: platform.platformPriorityClass,
      exceptions: {
        runAsRoot: 'container log files under /var/log/pods are 0640 root:root; the collector reads them as their owner, with every capability dropped',
        hostPath: `reads ${POD_LOG_DIRECTORY} (read-only) and keeps read offsets and the sending queue in ${logs.collector.stateDirectory}, so a restart neither skips nor repeats lines`,
      },
      containers: [{
        name: 'collector',
        image: logs.collector.image,
        args: ['--config=/etc/otelcol/config.yaml'],
        env: [
          fieldEnv(COLLECTOR_ENV.node, 'spec.nodeName'),
          fieldEnv(COLLECTOR_ENV.podIp, 'status.podIP'),
          { name: COLLECTOR_ENV.podLogs, value: POD_LOG_DIRECTORY },
          { name: COLLECTOR_ENV.state, value: logs.collector.stateDirectory },
        ],
        ports: [{ name: 'metrics', containerPort: LOG_TELEMETRY_PORT }, { name: 'health', containerPort: LOG_HEALTH_PORT }],
        resources: logs.collector.resources,
        // Alive: the health listener accepts; ready: the health_check extension reports the pipelines up.
        probes: { liveness: ProbeCheck.tcp('health'), readiness: ProbeCheck.http('/', 'health') },
        volumeMounts: [
          { name: 'config', mountPath: '/etc/otelcol', readOnly: true },
          { name: 'pod-logs', mountPath: POD_LOG_DIRECTORY, readOnly: true },
          { name: 'state', mountPath: logs.collector.stateDirectory },
        ],
      }],
      volumes: [
        { name: 'config', configMap: { name: LOG_COLLECTOR } },
        { name: 'pod-logs', hostPath: { path: POD_LOG_DIRECTORY, type: 'Directory' } },
        { name: 'state', hostPath: { path: logs.collector.stateDirectory, type: 'DirectoryOrCreate' } },
      ],
    },
  });
  new MetricsScrape(chart, 'scrape', {
    name: LOG_COLLECTOR,
    namespace,
    labels: { ...labels(LOG_COLLECTOR), ...PROMETHEUS_SELECTOR_LABELS },
    selector: selectorLabels(identity(LOG_COLLECTOR)),
  });
  new RuleSet(chart, 'alerts', {
    name: `${platform.partOf}-${LOG_COLLECTOR}`,
    namespace,
    labels: { ...labels(`${platform.partOf}-${LOG_COLLECTOR}`, 'monitoring'), ...PROMETHEUS_SELECTOR_LABELS },
    groups: logCollectorAlertGroups(platform),
  });

  const policyLabels = (name: string) => labels(name, 'network-policy');
  const port = (n: number, protocol = 'TCP'): k8s.NetworkPolicyPort => ({ port: k8s.IntOrString.fromNumber(n), protocol });
  new k8s.KubeNetworkPolicy(chart, 'policy-default-deny', {
    metadata: { name: 'default-deny', namespace, labels: policyLabels('default-deny') },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] },
  });
  const endpoints = platform.clusters.flatMap((c) => c.network?.zones.map((z) => z.endpoints) ?? []);
  if (endpoints.length === 0) throw new BuildError(['clusters[].network is needed: the log collector reaches CloudWatch Logs and STS through the VPC endpoint subnets']);
  new k8s.KubeNetworkPolicy(chart, 'policy-collector', {
    metadata: { name: LOG_COLLECTOR, namespace, labels: policyLabels(LOG_COLLECTOR) },
    spec: {
      podSelector: { matchLabels: { [NAME]: LOG_COLLECTOR } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': platform.observability.tracing.namespace } }, podSelector: { matchLabels: { [NAME]: 'prometheus' } } }],
        ports: [port(LOG_TELEMETRY_PORT)],
      }],
      egress: [
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [port(53, 'UDP'), port(53)] },
        // CloudWatch Logs and STS (IRSA) through their interface endpoints; no route to the internet.
        { to: endpoints.map((cidr) => ({ ipBlock: { cidr } })), ports: [port(443)] },
      ],
    },
  });
}
