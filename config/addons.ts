/**
 * The upstream add-ons: one row per Helm chart, pinned to an exact version, with the values we
 * set (typed per chart in config/schema-addons.ts). charts/argocd.ts turns each row into one
 * ArgoCD Application per cluster. Nothing here is vendored: ArgoCD pulls the chart at `version`.
 *
 * Waves: kube-prometheus-stack first (its CRDs back every ServiceMonitor), then the add-ons that
 * only need those, then the ones that need cert-manager; all before the FlexTime components.
 * Upgrading a chart = change `version` here and read the chart's changelog in the PR.
 */
import type { PlatformInput } from './schema.ts';
import { ingressControllerSettings } from './network.ts';

const CRD = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' };
const RBAC = [
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
];
const VALIDATING_WEBHOOK = { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' };
const MUTATING_WEBHOOK = { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' };
const API_SERVICE = { group: 'apiregistration.k8s.io', kind: 'APIService' };

export const addonsConfig: PlatformInput['addons'] = [
  {
    name: 'kube-prometheus-stack',
    repoURL: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '88.2.0',
    namespace: 'observability',
    wave: -40,
    // node-exporter reads the host (hostNetwork, hostPID, hostPath).
    podSecurity: 'privileged',
    // Services for kubelet, CoreDNS and kube-proxy scraping live in kube-system.
    extraNamespaces: ['kube-system'],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
    values: {
      crds: { enabled: true },
      prometheus: {
        prometheusSpec: {
          retention: '15d',
          // Pick up the ServiceMonitors and PrometheusRules rendered into dist/, not only the chart's.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
        },
      },
      grafana: { sidecar: { dashboards: { enabled: true, label: 'grafana_dashboard', searchNamespace: 'ALL' } } },
    },
  },
  {
    name: 'cert-manager',
    repoURL: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.21.2',
    namespace: 'cert-manager',
    wave: -30,
    podSecurity: 'restricted',
    dependsOn: ['kube-prometheus-stack'],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
    values: {
      crds: { enabled: true, keep: true },
      replicaCount: 2,
      podDisruptionBudget: { enabled: true },
      prometheus: { enabled: true, servicemonitor: { enabled: true } },
    },
  },
  {
    name: 'external-secrets',
    repoURL: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    // Serves external-secrets.io/v1, the API our ExternalSecrets use.
    version: '2.10.0',
    namespace: 'external-secrets',
    wave: -30,
    podSecurity: 'restricted',
    dependsOn: ['kube-prometheus-stack'],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK],
    values: { installCRDs: true, replicaCount: 2, serviceMonitor: { enabled: true } },
  },
  {
    name: 'keda',
    repoURL: 'https://kedacore.github.io/charts',
    chart: 'keda',
    version: '2.17.2',
    namespace: 'keda',
    wave: -30,
    podSecurity: 'restricted',
    dependsOn: ['kube-prometheus-stack'],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, API_SERVICE],
    values: {
      crds: { install: true },
      operator: { replicaCount: 2 },
      prometheus: {
        operator: { enabled: true, serviceMonitor: { enabled: true } },
        metricServer: { enabled: true, serviceMonitor: { enabled: true } },
      },
    },
  },
  {
    name: 'gatekeeper',
    repoURL: 'https://open-policy-agent.github.io/gatekeeper/charts',
    chart: 'gatekeeper',
    version: '3.20.1',
    namespace: 'gatekeeper-system',
    wave: -30,
    podSecurity: 'restricted',
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
    values: { replicas: 3, auditInterval: 60, logDenies: true, emitAdmissionEvents: true },
  },
  {
    name: 'falco',
    repoURL: 'https://falcosecurity.github.io/charts',
    chart: 'falco',
    version: '6.2.1',
    namespace: 'falco',
    wave: -30,
    // The modern eBPF probe needs privileged pods on every node.
    podSecurity: 'privileged',
    clusterResources: [...RBAC],
    values: {
      driver: { kind: 'modern_ebpf' },
      falco: { json_output: true, json_include_output_property: true },
      falcosidekick: { enabled: true, webui: { enabled: false } },
    },
  },
  {
    name: 'trivy-operator',
    repoURL: 'https://aquasecurity.github.io/helm-charts/',
    chart: 'trivy-operator',
    version: '0.35.0',
    namespace: 'trivy-system',
    wave: -30,
    podSecurity: 'baseline',
    dependsOn: ['kube-prometheus-stack'],
    clusterResources: [CRD, ...RBAC, { group: 'aquasecurity.github.io', kind: 'ClusterComplianceReport' }],
    values: {
      operator: { scanJobsConcurrentLimit: 3, vulnerabilityScannerScanOnlyCurrentRevisions: true },
      trivy: { ignoreUnfixed: true, severity: 'HIGH,CRITICAL' },
      serviceMonitor: { enabled: true },
    },
  },
  {
    name: 'vertical-pod-autoscaler',
    repoURL: 'https://charts.fairwinds.com/stable',
    chart: 'vpa',
    version: '4.12.5',
    namespace: 'vpa',
    wave: -30,
    podSecurity: 'baseline',
    clusterResources: [CRD, ...RBAC],
    values: { recommender: { enabled: true }, updater: { enabled: false }, admissionController: { enabled: false } },
  },
  {
    name: 'metrics-server',
    repoURL: 'https://kubernetes-sigs.github.io/metrics-server/',
    chart: 'metrics-server',
    version: '3.13.1',
    namespace: 'metrics-server',
    wave: -30,
    podSecurity: 'baseline',
    clusterResources: [...RBAC, API_SERVICE],
    values: { replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } },
  },
  {
    name: 'argo-rollouts',
    repoURL: 'https://argoproj.github.io/argo-helm',
    chart: 'argo-rollouts',
    version: '2.40.2',
    namespace: 'argo-rollouts',
    wave: -30,
    podSecurity: 'baseline',
    dependsOn: ['kube-prometheus-stack'],
    clusterResources: [CRD, ...RBAC],
    values: {
      installCRDs: true,
      controller: { replicas: 2, metrics: { enabled: true, serviceMonitor: { enabled: true } } },
      dashboard: { enabled: false },
    },
  },
  {
    name: 'k6-operator',
    repoURL: 'https://grafana.github.io/helm-charts',
    chart: 'k6-operator',
    version: '4.2.0',
    namespace: 'k6-operator-system',
    wave: -30,
    podSecurity: 'baseline',
    clusterResources: [CRD, ...RBAC],
    values: {},
  },
  {
    name: 'chaos-mesh',
    repoURL: 'https://charts.chaos-mesh.org',
    chart: 'chaos-mesh',
    version: '2.7.2',
    namespace: 'chaos-mesh',
    wave: -30,
    // chaos-daemon injects faults into other pods' network and process namespaces.
    podSecurity: 'privileged',
    // Chaos experiments belong where failure is cheap.
    environments: ['staging'],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
    values: {
      chaosDaemon: { runtime: 'containerd', socketPath: '/run/containerd/containerd.sock' },
      controllerManager: { enableFilterNamespace: true },
      dashboard: { securityMode: true },
    },
  },
  {
    name: 'ingress-nginx',
    repoURL: 'https://kubernetes.github.io/ingress-nginx',
    chart: 'ingress-nginx',
    version: '4.14.0',
    namespace: 'ingress-nginx',
    wave: -20,
    podSecurity: 'baseline',
    dependsOn: ['kube-prometheus-stack'],
    clusterResources: [...RBAC, VALIDATING_WEBHOOK, { group: 'networking.k8s.io', kind: 'IngressClass' }],
    values: {
      controller: {
        replicaCount: 3,
        ingressClassResource: { name: 'nginx', default: true },
        // Security headers, HSTS, snippets off, 429 on rate limits: config/network.ts (docs/network.md).
        config: { 'use-forwarded-headers': 'true', 'server-tokens': 'false', ...ingressControllerSettings },
        service: {
          annotations: {
            'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
            'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
            'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
          },
        },
        metrics: { enabled: true, serviceMonitor: { enabled: true } },
        minAvailable: 2,
      },
    },
  },
  {
    name: 'opentelemetry-operator',
    repoURL: 'https://open-telemetry.github.io/opentelemetry-helm-charts',
    chart: 'opentelemetry-operator',
    version: '0.99.0',
    namespace: 'opentelemetry-operator-system',
    wave: -20,
    podSecurity: 'baseline',
    // Its webhook certificate comes from cert-manager.
    dependsOn: ['cert-manager'],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
    values: {
      manager: { collectorImage: { repository: 'otel/opentelemetry-collector-contrib' } },
      admissionWebhooks: { certManager: { enabled: true } },
    },
  },
];
