/**
 * Values types of the add-on charts in ADDON_VALUES (./schema-addons.ts): one small, strict
 * object per chart with only the keys we set, so a typo is a config error and nothing is
 * deep-merged. Add a key here before using it in config/addons*.ts.
 *
 * This module must not import ./schema.ts or ./schema-addons.ts (they import it).
 */
import { z } from 'zod';
import { requestsAndMemoryLimit } from './schema-primitives.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A DNS-1123 label: chart, namespace and release names. */
export const name = z.string().regex(DNS_LABEL, 'must be a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)');

export const enabled = z.object({ enabled: z.boolean() }).strict();
const annotations = z.record(z.string(), z.string());
/** Labels of an object, e.g. the ones Prometheus selects ServiceMonitors by. */
export const labels = z.record(z.string(), z.string());
/** A ServiceMonitor the chart renders; `additionalLabels` must carry Prometheus's selector labels. */
const serviceMonitorWith = z.object({ enabled: z.boolean(), additionalLabels: labels }).strict();
const serviceMonitor = z.object({ enabled: z.boolean(), serviceMonitor: serviceMonitorWith }).strict();
/** A Kubernetes label selector of exact matches. */
export const matchLabels = z.object({ matchLabels: labels.refine((l) => Object.keys(l).length > 0, 'must not be empty (an empty selector selects everything)') }).strict();
/** A PriorityClass the chart's pods run at (test/priorities.test.ts checks every chart's pods are covered). */
export const priorityClassName = name;
export const withPriority = z.object({ priorityClassName }).strict();
/** The name of a ServiceAccount, ConfigMap or Secret. */
export const objectName = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a DNS-1123 subdomain (lower-case letters, digits, "-" and ".")');

export const ingressNginxValues = z.object({
  controller: z.object({
    replicaCount: z.number().int().positive(),
    ingressClassResource: z.object({ name, default: z.boolean() }).strict(),
    /** nginx ConfigMap entries (all strings). */
    config: z.record(z.string(), z.string()),
    service: z.object({ annotations }).strict(),
    metrics: serviceMonitor,
    /** PodDisruptionBudget of the controller. */
    minAvailable: z.number().int().positive(),
    priorityClassName,
    /** The certificate patch Jobs (Helm hooks) of the admission webhook. */
    admissionWebhooks: z.object({ patch: withPriority }).strict(),
  }).strict(),
}).strict();

export const certManagerValues = z.object({
  /** Controller, webhook, cainjector and startupapicheck pods. */
  global: withPriority,
  crds: z.object({ enabled: z.boolean(), keep: z.boolean() }).strict(),
  replicaCount: z.number().int().positive(),
  podDisruptionBudget: enabled,
  prometheus: z.object({ enabled: z.boolean(), servicemonitor: z.object({ enabled: z.boolean(), labels }).strict() }).strict(),
}).strict();

export const kedaValues = z.object({
  crds: z.object({ install: z.boolean() }).strict(),
  operator: z.object({ replicaCount: z.number().int().positive() }).strict(),
  prometheus: z.object({ operator: serviceMonitor, metricServer: serviceMonitor }).strict(),
  /** Operator, metrics API server and webhooks. */
  priorityClassName,
}).strict();

export const externalSecretsValues = z.object({
  installCRDs: z.boolean(),
  /** Two replicas without it would both reconcile every ExternalSecret (the chart's default is false). */
  leaderElect: z.literal(true),
  replicaCount: z.number().int().positive(),
  /** One setting for the controller's, webhook's and cert-controller's ServiceMonitors. */
  serviceMonitor: serviceMonitorWith,
  priorityClassName,
  webhook: withPriority,
  certController: withPriority,
}).strict();

export const gatekeeperValues = z.object({
  replicas: z.number().int().positive(),
  auditInterval: z.number().int().positive(),
  logDenies: z.boolean(),
  emitAdmissionEvents: z.boolean(),
  /** The Helm-hook Jobs; controller and audit keep the chart's system-cluster-critical. */
  postInstall: z.object({ labelNamespace: withPriority, probeWebhook: withPriority }).strict(),
  upgradeCRDs: withPriority,
}).strict();

export const falcoValues = z.object({
  driver: z.object({ kind: z.enum(['modern_ebpf', 'ebpf', 'kmod']) }).strict(),
  /** Metadata collectors: the container plugin gives rules container and Kubernetes pod fields. */
  collectors: z.object({ enabled: z.boolean(), containerEngine: enabled }).strict(),
  /** Extra volumes of the Falco pods (our rules ConfigMap at /etc/falco/rules.d). */
  mounts: z.object({
    volumes: z.array(z.object({ name, configMap: z.object({ name: objectName }).strict() }).strict()),
    volumeMounts: z.array(z.object({ name, mountPath: z.string().startsWith('/'), readOnly: z.boolean() }).strict()),
  }).strict(),
  /** The Falco DaemonSet's pods. */
  podPriorityClassName: priorityClassName,
  falco: z.object({ json_output: z.boolean(), json_include_output_property: z.boolean() }).strict(),
  falcosidekick: z.object({
    enabled: z.boolean(),
    webui: enabled,
    config: z.object({
      /** Secret with Falcosidekick's settings as environment variables (SLACK_WEBHOOKURL). */
      existingSecret: objectName,
      slack: z.object({ minimumpriority: z.enum(['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug']) }).strict(),
    }).strict(),
    serviceMonitor: serviceMonitorWith,
    priorityClassName,
  }).strict(),
}).strict();

export const trivyOperatorValues = z.object({
  operator: z.object({
    scanJobsConcurrentLimit: z.number().int().positive(),
    /** VulnerabilityReports: `trivy_image_vulnerabilities`, the image alert's metric. */
    vulnerabilityScannerEnabled: z.boolean(),
    vulnerabilityScannerScanOnlyCurrentRevisions: z.boolean(),
    /** ConfigAuditReports of workload configuration. */
    configAuditScannerEnabled: z.boolean(),
    /** Node checks run a node-collector Job with hostPath mounts. */
    infraAssessmentScannerEnabled: z.boolean(),
    /** ClusterComplianceReports of `compliance.specs`, regenerated on `compliance.cron`. */
    clusterComplianceEnabled: z.literal(true),
    /** trivy_compliance_info: one series per control and result, for the security dashboard. */
    metricsClusterComplianceInfo: z.boolean(),
  }).strict(),
  /** The chart renders one ClusterComplianceReport per spec (templates/specs/<spec>.yaml at 0.32.1). */
  compliance: z.object({
    /** Five-field cron in UTC; the issue asks for a daily report. */
    cron: z.string().regex(/^[0-9]{1,2} [0-9]{1,2} \* \* \*$/, 'must be a daily cron such as "0 5 * * *" (minute hour * * *)'),
    specs: z.array(z.enum(['k8s-cis-1.23', 'k8s-nsa-1.0', 'k8s-pss-baseline-0.1', 'k8s-pss-restricted-0.1', 'eks-cis-1.4', 'rke2-cis-1.24'])).min(1),
    /** `summary` (pass/fail counts per control), which trivy_compliance_info reads; `all` lists every failing resource. */
    reportType: z.enum(['summary', 'all']),
  }).strict(),
  trivy: z.object({ ignoreUnfixed: z.boolean(), severity: z.string().regex(/^(UNKNOWN|LOW|MEDIUM|HIGH|CRITICAL)(,(UNKNOWN|LOW|MEDIUM|HIGH|CRITICAL))*$/, 'must be a comma-separated list of Trivy severities') }).strict(),
  serviceMonitor: z.object({ enabled: z.boolean(), labels }).strict(),
  priorityClassName,
  /** Scan Jobs: a class that never preempts (they wait for room). */
  trivyOperator: z.object({ scanJobPodPriorityClassName: priorityClassName }).strict(),
}).strict();

export const vpaValues = z.object({
  /** Workloads use updateMode Off (recommendations only), so only the recommender runs. */
  recommender: enabled,
  updater: enabled,
  admissionController: enabled,
  priorityClassName,
}).strict();

export const metricsServerValues = z.object({
  replicas: z.number().int().positive(),
  podDisruptionBudget: z.object({ enabled: z.boolean(), minAvailable: z.number().int().positive() }).strict(),
}).strict();

export const openTelemetryOperatorValues = z.object({
  manager: z.object({ collectorImage: z.object({ repository: z.string().min(1) }).strict() }).strict(),
  admissionWebhooks: z.object({ certManager: enabled }).strict(),
  priorityClassName,
}).strict();

export const argoRolloutsValues = z.object({
  installCRDs: z.boolean(),
  controller: z.object({ replicas: z.number().int().positive(), metrics: serviceMonitor, priorityClassName }).strict(),
  dashboard: enabled,
}).strict();

/** The chart's defaults are what we want; the object stays typed so a key cannot slip in untyped. */
export const k6OperatorValues = z.object({}).strict();

/** Only the CRDs of the Prometheus Operator; the chart has nothing else to set. */
export const prometheusOperatorCrdsValues = z.object({}).strict();

export const chaosMeshValues = z.object({
  chaosDaemon: z.object({ runtime: z.enum(['containerd', 'docker', 'crio']), socketPath: z.string().startsWith('/'), priorityClassName }).strict(),
  /** Only namespaces annotated `chaos-mesh.org/inject=enabled` can be targeted. */
  controllerManager: z.object({
    enableFilterNamespace: z.boolean(),
    priorityClassName,
    /**
     * pod-failure swaps every container's image for this one: the swapped pod is admitted like any
     * other, so it must be mirrored and pinned by digest (the chart's default, gcr.io …/pause:latest,
     * is refused by the image policies).
     */
    podChaos: z.object({ podFailure: z.object({ pauseImage: z.string().regex(/^[^@]+@sha256:[a-f0-9]{64}$/, 'must be pinned by digest ("repo:tag@sha256:…")') }).strict() }).strict(),
  }).strict(),
  dnsServer: withPriority,
  dashboard: z.object({
    priorityClassName,
    securityMode: z.boolean(),
    /** The chart defaults to NodePort; the service-exposure policy allows NodePort/LoadBalancer only for the ingress controller. */
    service: z.object({ type: z.literal('ClusterIP') }).strict(),
  }).strict(),
}).strict();

/**
 * kubernetes/autoscaler `cluster-autoscaler` on AWS. The per-cluster values (autoDiscovery.clusterName,
 * awsRegion, the ServiceAccount's name and IRSA role) come from the cluster's Terraform outputs and
 * aws.serviceAccounts (charts/addon-roles.ts), so they are not part of the table.
 */
export const clusterAutoscalerValues = z.object({
  cloudProvider: z.literal('aws'),
  replicaCount: z.number().int().positive(),
  /** Flags of the autoscaler (`--<key>=<value>`). */
  extraArgs: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a flag name such as "expander"'), z.union([z.string(), z.number(), z.boolean()])),
  securityContext: z.object({
    runAsNonRoot: z.literal(true),
    runAsUser: z.number().int().positive(),
    runAsGroup: z.number().int().positive(),
    seccompProfile: z.object({ type: z.literal('RuntimeDefault') }).strict(),
  }).strict(),
  containerSecurityContext: z.object({
    allowPrivilegeEscalation: z.literal(false),
    readOnlyRootFilesystem: z.boolean(),
    capabilities: z.object({ drop: z.tuple([z.literal('ALL')]) }).strict(),
  }).strict(),
  resources: requestsAndMemoryLimit,
  /** The chart puts `selector` on its ServiceMonitor as labels, in `namespace`. */
  serviceMonitor: z.object({ enabled: z.boolean(), namespace: name, selector: labels }).strict(),
}).strict();
