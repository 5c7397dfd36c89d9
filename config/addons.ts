/**
 * The upstream add-ons: one row per Helm chart, pinned to an exact version, with the values we
 * set (typed per chart in config/schema-addons.ts). charts/argocd.ts turns each row into one
 * ArgoCD Application per cluster. Nothing here is vendored: ArgoCD pulls the chart at `version`.
 *
 * Waves: kube-prometheus-stack first (its CRDs back every ServiceMonitor), then the add-ons that
 * only need those, then the ones that need cert-manager (the AWS Load Balancer Controller, whose
 * NLB ingress-nginx's Service asks for, before ingress-nginx); all before the FlexTime components.
 * Rows that integrate with AWS live in config/addons-aws.ts.
 * Upgrading a chart = change `version` here and read the chart's changelog in the PR.
 */
import type { PlatformInput } from './schema.ts';
import { ingressControllerSettings, ssoConfig } from './network.ts';
import { observabilityConfig } from './observability.ts';
import { securityConfig } from './security.ts';
import { awsLoadBalancerController } from './addons-aws.ts';
import { API_SERVICE, CRD, MUTATING_WEBHOOK, PROMETHEUS_SELECTOR_LABELS, RBAC, VALIDATING_WEBHOOK } from './addons-common.ts';

export { PROMETHEUS_SELECTOR_LABELS };

const scrapedBy = { ...PROMETHEUS_SELECTOR_LABELS };
/** Keycloak's OpenID Connect endpoints of the SSO realm. */
const oidc = `${ssoConfig.issuer}/protocol/openid-connect`;
/** kube-prometheus-stack's namespace: Prometheus, Alertmanager, Grafana and our dashboards. */
const MONITORING_NAMESPACE = 'observability';

export const addonsConfig: PlatformInput['addons'] = [
  {
    name: 'kube-prometheus-stack',
    repoURL: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '88.2.0',
    namespace: MONITORING_NAMESPACE,
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
          // Every namespace (the chart's namespace selectors are {}), only objects with the label:
          // dist/ objects and the add-ons' ServiceMonitors set it (test/addons.test.ts).
          serviceMonitorSelector: { matchLabels: scrapedBy },
          podMonitorSelector: { matchLabels: scrapedBy },
          ruleSelector: { matchLabels: scrapedBy },
        },
      },
      alertmanager: {
        alertmanagerSpec: {
          // Global routing rendered by charts/alerting.ts (docs/observability.md).
          alertmanagerConfiguration: { name: 'flextime-alert-routing' },
          // The chart's default {} would also merge the global config as a namespaced route.
          alertmanagerConfigSelector: { matchLabels: scrapedBy },
        },
      },
      grafana: {
        // GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET, from the ExternalSecret of charts/alerting.ts.
        envFromSecret: 'grafana-oauth',
        'grafana.ini': {
          auth: { disable_login_form: true },
          'auth.generic_oauth': {
            enabled: true,
            name: 'Big 12 SSO',
            client_id: observabilityConfig.grafana.oauthClientId,
            scopes: 'openid profile email groups',
            auth_url: `${oidc}/auth`,
            token_url: `${oidc}/token`,
            api_url: `${oidc}/userinfo`,
            use_pkce: true,
            role_attribute_path: observabilityConfig.grafana.roleAttributePath,
            role_attribute_strict: true,
          },
        },
        sidecar: {
          dashboards: {
            enabled: true,
            label: 'grafana_dashboard',
            labelValue: '1',
            // Our dashboards live beside Grafana: no cluster-wide read of ConfigMaps and Secrets.
            searchNamespace: MONITORING_NAMESPACE,
            resource: 'configmap',
            folderAnnotation: 'grafana_folder',
            provider: { foldersFromFilesStructure: true },
          },
        },
      },
    },
  },
  {
    name: 'cert-manager',
    repoURL: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.21.1',
    namespace: 'cert-manager',
    wave: -30,
    podSecurity: 'restricted',
    dependsOn: ['kube-prometheus-stack'],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
    values: {
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
    wave: -30,
    podSecurity: 'restricted',
    dependsOn: ['kube-prometheus-stack'],
    clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK],
    values: { installCRDs: true, replicaCount: 2, serviceMonitor: { enabled: true, additionalLabels: scrapedBy } },
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
        operator: { enabled: true, serviceMonitor: { enabled: true, additionalLabels: scrapedBy } },
        metricServer: { enabled: true, serviceMonitor: { enabled: true, additionalLabels: scrapedBy } },
      },
    },
  },
  {
    name: 'gatekeeper',
    repoURL: 'https://open-policy-agent.github.io/gatekeeper/charts',
    chart: 'gatekeeper',
    // The gator CLI of scripts/install-tools tests our policies with the same release.
    version: '3.23.0',
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
    // Where charts/security.ts renders the rules ConfigMap and the Falcosidekick secret.
    namespace: securityConfig.falco.namespace,
    wave: -30,
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
      },
    },
  },
  {
    name: 'trivy-operator',
    repoURL: 'https://aquasecurity.github.io/helm-charts/',
    chart: 'trivy-operator',
    version: '0.32.1',
    namespace: 'trivy-system',
    wave: -30,
    podSecurity: 'baseline',
    dependsOn: ['kube-prometheus-stack'],
    clusterResources: [CRD, ...RBAC, { group: 'aquasecurity.github.io', kind: 'ClusterComplianceReport' }],
    values: {
      operator: {
        scanJobsConcurrentLimit: 3,
        vulnerabilityScannerEnabled: true,
        vulnerabilityScannerScanOnlyCurrentRevisions: true,
        configAuditScannerEnabled: true,
        // Its node-collector Job mounts host paths, which trivy-system's baseline Pod Security refuses.
        infraAssessmentScannerEnabled: false,
      },
      // Fixable findings only: the critical-vulnerability alert asks for a rebuild on a patched base.
      trivy: { ignoreUnfixed: true, severity: 'HIGH,CRITICAL' },
      // trivy_image_vulnerabilities, read by the FlextimeCriticalImageVulnerability alert.
      serviceMonitor: { enabled: true, labels: scrapedBy },
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
      controller: { replicas: 2, metrics: { enabled: true, serviceMonitor: { enabled: true, additionalLabels: scrapedBy } } },
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
      // The chart's NodePort would be denied by the service-exposure policy (ingress-nginx only).
      dashboard: { securityMode: true, service: { type: 'ClusterIP' } },
    },
  },
  {
    name: 'cluster-autoscaler',
    repoURL: 'https://kubernetes.github.io/autoscaler',
    chart: 'cluster-autoscaler',
    // The chart release built for Kubernetes 1.32 (appVersion 1.32.0): the autoscaler's minor must
    // match the cluster's (aws.eksVersion); move both together.
    version: '9.46.6',
    // Its own namespace (aws.serviceAccounts.clusterAutoscaler, which the IRSA role trusts), so
    // ArgoCD can create it with restricted Pod Security instead of labelling kube-system.
    namespace: 'cluster-autoscaler',
    wave: -30,
    podSecurity: 'restricted',
    dependsOn: ['kube-prometheus-stack'],
    clusterResources: [...RBAC],
    values: {
      cloudProvider: 'aws',
      replicaCount: 1,
      extraArgs: {
        expander: 'least-waste',
        'balance-similar-node-groups': true,
        'scale-down-unneeded-time': '10m',
      },
      // The image is distroless, user 65532.
      securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      resources: { requests: { cpu: '100m', memory: '300Mi' }, limits: { memory: '600Mi' } },
      serviceMonitor: { enabled: true, namespace: 'cluster-autoscaler', selector: scrapedBy },
    },
  },
  awsLoadBalancerController,
  {
    name: 'ingress-nginx',
    repoURL: 'https://kubernetes.github.io/ingress-nginx',
    chart: 'ingress-nginx',
    version: '4.14.0',
    namespace: 'ingress-nginx',
    wave: -20,
    podSecurity: 'baseline',
    // Its LoadBalancer Service is provisioned by the AWS Load Balancer Controller (config/addons-aws.ts).
    dependsOn: ['kube-prometheus-stack', 'aws-load-balancer-controller'],
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
        metrics: { enabled: true, serviceMonitor: { enabled: true, additionalLabels: scrapedBy } },
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

function lowerCase<T extends string>(value: T): Lowercase<T> {
  return value.toLowerCase() as Lowercase<T>;
}
