/**
 * The upstream add-ons: one row per Helm chart, pinned to an exact version, with the values we
 * set (typed per chart in config/schema-addons.ts). charts/argocd.ts turns each row into one
 * ArgoCD Application per cluster. Nothing here is vendored: ArgoCD pulls the chart at `version`.
 *
 * No sync order here: `serves` declares the kinds each chart installs, and what each add-on's
 * values refer to is read from the values (charts/addon-references.ts); charts/bootstrap-order.ts
 * derives the waves from both (docs/bootstrap-order.md). Upgrading a chart = change `version`
 * here and read the chart's changelog in the PR. Rows by topic: config/addons-monitoring.ts
 * (Prometheus Operator CRDs, kube-prometheus-stack), addons-aws.ts (AWS LB controller), addons-scheduling.ts, addons-signing.ts (policy-controller).
 */
import type { PlatformInput } from './schema.ts';
import { ingressControllerSettings } from './network.ts';
import { securityConfig } from './security.ts';
import { awsLoadBalancerController } from './addons-aws.ts';
import { clusterAutoscaler, descheduler } from './addons-scheduling.ts';
import { kubePrometheusStack, prometheusOperatorCrds } from './addons-monitoring.ts';
import { chaosMesh, k6Operator } from './addons-load-and-chaos.ts';
import { policyController } from './addons-signing.ts';
import { API_SERVICE, BATCH_PRIORITY_CLASS, CRD, MUTATING_WEBHOOK, PLATFORM_PRIORITY_CLASS, PROMETHEUS_SELECTOR_LABELS, RBAC, VALIDATING_WEBHOOK } from './addons-common.ts';

export { PROMETHEUS_SELECTOR_LABELS };

const scrapedBy = { ...PROMETHEUS_SELECTOR_LABELS };
/** Where a chart names its pods' class: above production (docs/workloads.md "Priorities"). */
const priorityClassName = PLATFORM_PRIORITY_CLASS;
const platformPriority = { priorityClassName };

export const addonsConfig: PlatformInput['addons'] = [
  prometheusOperatorCrds,
  kubePrometheusStack,
  {
    name: 'cert-manager',
    repoURL: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.21.1',
    namespace: 'cert-manager',
    podSecurity: 'restricted',
    serves: [{ group: 'cert-manager.io', kinds: ['Certificate', 'CertificateRequest', 'Issuer', 'ClusterIssuer'] }, { group: 'acme.cert-manager.io', kinds: ['Order', 'Challenge'] }],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
    values: {
      global: platformPriority,
      crds: { enabled: true, keep: true },
      replicaCount: 2,
      podDisruptionBudget: { enabled: true },
      prometheus: { enabled: true, servicemonitor: { enabled: true, labels: scrapedBy } },
    },
  },
  {
    name: 'external-secrets',
    repoURL: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    // Serves external-secrets.io/v1, the API our ExternalSecrets use.
    version: '2.9.0',
    namespace: 'external-secrets',
    podSecurity: 'restricted',
    serves: [{ group: 'external-secrets.io', kinds: ['ExternalSecret', 'ClusterExternalSecret', 'SecretStore', 'ClusterSecretStore', 'PushSecret'] }],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK],
    values: {
      installCRDs: true,
      replicaCount: 2,
      leaderElect: true,
      serviceMonitor: { enabled: true, additionalLabels: scrapedBy },
      priorityClassName,
      webhook: platformPriority,
      certController: platformPriority,
    },
  },
  {
    name: 'keda',
    repoURL: 'https://kedacore.github.io/charts',
    chart: 'keda',
    version: '2.17.2',
    namespace: 'keda',
    podSecurity: 'restricted',
    serves: [
      { group: 'keda.sh', kinds: ['ScaledObject', 'ScaledJob', 'TriggerAuthentication', 'ClusterTriggerAuthentication'] },
      // The metrics API server: the HPAs KEDA creates read it.
      { group: 'external.metrics.k8s.io', kinds: ['ExternalMetricValueList'] },
    ],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, API_SERVICE],
    values: {
      crds: { install: true },
      operator: { replicaCount: 2 },
      prometheus: {
        operator: { enabled: true, serviceMonitor: { enabled: true, additionalLabels: scrapedBy } },
        metricServer: { enabled: true, serviceMonitor: { enabled: true, additionalLabels: scrapedBy } },
      },
      priorityClassName,
    },
  },
  {
    name: 'gatekeeper',
    repoURL: 'https://open-policy-agent.github.io/gatekeeper/charts',
    chart: 'gatekeeper',
    // The gator CLI of scripts/install-tools tests our policies with the same release.
    version: '3.23.0',
    namespace: 'gatekeeper-system',
    podSecurity: 'restricted',
    serves: [
      { group: 'templates.gatekeeper.sh', kinds: ['ConstraintTemplate'] },
      { group: 'config.gatekeeper.sh', kinds: ['Config'] },
      { group: 'mutations.gatekeeper.sh', kinds: ['Assign', 'AssignMetadata', 'AssignImage', 'ModifySet'] },
    ],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
    values: {
      replicas: 3,
      auditInterval: 60,
      logDenies: true,
      emitAdmissionEvents: true,
      postInstall: { labelNamespace: platformPriority, probeWebhook: platformPriority },
      upgradeCRDs: platformPriority,
    },
  },
  policyController,
  {
    name: 'falco',
    repoURL: 'https://falcosecurity.github.io/charts',
    chart: 'falco',
    version: '6.2.1',
    // Where charts/security.ts renders the rules ConfigMap and the Falcosidekick secret.
    namespace: securityConfig.falco.namespace,
    // The modern eBPF probe needs privileged pods on every node.
    podSecurity: 'privileged',
    clusterResources: [...RBAC],
    values: {
      driver: { kind: 'modern_ebpf' },
      // The container plugin (chart 6.x default, explicit here): container.* and k8s.pod/ns fields our rules match on.
      collectors: { enabled: true, containerEngine: { enabled: true } },
      // FlexTime rules (charts/security.ts), loaded after the default rules; the chart's own
      // rules.d mount exists only with `customRules`, which we leave empty.
      mounts: {
        volumes: [{ name: 'flextime-rules', configMap: { name: 'falco-flextime-rules' } }],
        volumeMounts: [{ name: 'flextime-rules', mountPath: '/etc/falco/rules.d', readOnly: true }],
      },
      podPriorityClassName: priorityClassName,
      falco: { json_output: true, json_include_output_property: true },
      falcosidekick: {
        enabled: true,
        webui: { enabled: false },
        config: {
          // SLACK_WEBHOOKURL, from the ExternalSecret of charts/security.ts.
          existingSecret: 'falcosidekick-slack',
          slack: { minimumpriority: lowerCase(securityConfig.falco.slackMinimumPriority) },
        },
        // falcosidekick_inputs{priority,rule}: every event, also those below the Slack threshold.
        serviceMonitor: { enabled: true, additionalLabels: scrapedBy },
        priorityClassName,
      },
    },
  },
  {
    name: 'trivy-operator',
    repoURL: 'https://aquasecurity.github.io/helm-charts/',
    chart: 'trivy-operator',
    version: '0.32.1',
    namespace: 'trivy-system',
    podSecurity: 'baseline',
    serves: [{ group: 'aquasecurity.github.io', kinds: ['VulnerabilityReport', 'ConfigAuditReport', 'ExposedSecretReport', 'RbacAssessmentReport', 'ClusterRbacAssessmentReport', 'ClusterComplianceReport', 'SbomReport'] }],
    clusterResources: [CRD, ...RBAC, { group: 'aquasecurity.github.io', kind: 'ClusterComplianceReport' }],
    values: {
      operator: {
        scanJobsConcurrentLimit: 3,
        vulnerabilityScannerEnabled: true,
        vulnerabilityScannerScanOnlyCurrentRevisions: true,
        configAuditScannerEnabled: true,
        // Its node-collector Job mounts host paths, which trivy-system's baseline Pod Security refuses.
        infraAssessmentScannerEnabled: false,
        clusterComplianceEnabled: true,
        metricsClusterComplianceInfo: true,
      },
      // The daily compliance reports (docs/compliance.md "Live results"): EKS CIS and Pod Security
      // restricted, 05:00 UTC (before the US working day, after the nightly backup).
      compliance: { cron: '0 5 * * *', specs: ['eks-cis-1.4', 'k8s-pss-restricted-0.1'], reportType: 'summary' },
      // Fixable findings only: the critical-vulnerability alert asks for a rebuild on a patched base.
      trivy: { ignoreUnfixed: true, severity: 'HIGH,CRITICAL' },
      // trivy_image_vulnerabilities, read by the FlextimeCriticalImageVulnerability alert.
      serviceMonitor: { enabled: true, labels: scrapedBy },
      priorityClassName,
      // A scan may wait; it must never evict a production pod.
      trivyOperator: { scanJobPodPriorityClassName: BATCH_PRIORITY_CLASS },
    },
  },
  {
    name: 'vertical-pod-autoscaler',
    repoURL: 'https://charts.fairwinds.com/stable',
    chart: 'vpa',
    version: '4.12.5',
    namespace: 'vpa',
    podSecurity: 'baseline',
    serves: [{ group: 'autoscaling.k8s.io', kinds: ['VerticalPodAutoscaler', 'VerticalPodAutoscalerCheckpoint'] }],
    clusterResources: [CRD, ...RBAC],
    values: { recommender: { enabled: true }, updater: { enabled: false }, admissionController: { enabled: false }, priorityClassName },
  },
  {
    name: 'metrics-server',
    repoURL: 'https://kubernetes-sigs.github.io/metrics-server/',
    chart: 'metrics-server',
    version: '3.13.1',
    namespace: 'metrics-server',
    podSecurity: 'baseline',
    // The resource metrics API: HPAs on CPU or memory are not healthy without it.
    serves: [{ group: 'metrics.k8s.io', kinds: ['PodMetrics', 'NodeMetrics'] }],
    clusterResources: [...RBAC, API_SERVICE],
    values: { replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } },
  },
  {
    name: 'argo-rollouts',
    repoURL: 'https://argoproj.github.io/argo-helm',
    chart: 'argo-rollouts',
    version: '2.40.2',
    namespace: 'argo-rollouts',
    podSecurity: 'baseline',
    serves: [{ group: 'argoproj.io', kinds: ['Rollout', 'AnalysisTemplate', 'ClusterAnalysisTemplate', 'AnalysisRun', 'Experiment'] }],
    clusterResources: [CRD, ...RBAC],
    values: {
      installCRDs: true,
      controller: { replicas: 2, metrics: { enabled: true, serviceMonitor: { enabled: true, additionalLabels: scrapedBy } }, priorityClassName },
      dashboard: { enabled: false },
    },
  },
  k6Operator,
  chaosMesh,
  clusterAutoscaler,
  awsLoadBalancerController,
  descheduler,
  {
    name: 'ingress-nginx',
    repoURL: 'https://kubernetes.github.io/ingress-nginx',
    chart: 'ingress-nginx',
    version: '4.14.0',
    namespace: 'ingress-nginx',
    podSecurity: 'baseline',
    // Its LoadBalancer Service is provisioned by the AWS Load Balancer Controller (config/addons-aws.ts).
    clusterResources: [...RBAC, VALIDATING_WEBHOOK, { group: 'networking.k8s.io', kind: 'IngressClass' }],
    values: {
      controller: {
        replicaCount: 3,
        ingressClassResource: { name: 'nginx', default: true },
        // Security headers, HSTS, snippets off, 429 on rate limits: config/network.ts (docs/network.md).
        // Behind an L4 NLB nothing in front sets X-Forwarded-For, so trusting it would let any
        // client pick its IP and slip past the per-IP limits: nginx uses the connection's address.
        config: { 'use-forwarded-headers': 'false', 'server-tokens': 'false', ...ingressControllerSettings },
        service: {
          annotations: {
            'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
            'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
            'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
            // IP targets lose the client address by default (nginx would see the NLB's, and the
            // per-IP limit would be one global cap); this keeps it on the packets.
            'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'preserve_client_ip.enabled=true',
          },
        },
        metrics: { enabled: true, serviceMonitor: { enabled: true, additionalLabels: scrapedBy } },
        minAvailable: 2,
        priorityClassName,
        admissionWebhooks: { patch: platformPriority },
      },
    },
  },
  {
    name: 'opentelemetry-operator',
    repoURL: 'https://open-telemetry.github.io/opentelemetry-helm-charts',
    chart: 'opentelemetry-operator',
    version: '0.99.0',
    namespace: 'opentelemetry-operator-system',
    podSecurity: 'baseline',
    serves: [{ group: 'opentelemetry.io', kinds: ['OpenTelemetryCollector', 'Instrumentation', 'OpAMPBridge'] }],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
    values: {
      manager: { collectorImage: { repository: 'otel/opentelemetry-collector-contrib' } },
      admissionWebhooks: { certManager: { enabled: true } },
      priorityClassName,
    },
  },
];

function lowerCase<T extends string>(value: T): Lowercase<T> {
  return value.toLowerCase() as Lowercase<T>;
}
