/**
 * Add-on rows of the monitoring stack (part of config/addons.ts `addonsConfig`): the Prometheus
 * Operator's CRDs on their own, then kube-prometheus-stack (Prometheus, Alertmanager, Grafana),
 * which reads the Alertmanager routing and Grafana's OAuth Secret the dist/cluster charts render.
 */
import type { AddonInput } from './schema-addons.ts';
import { ssoConfig } from './network.ts';
import { observabilityConfig } from './observability.ts';
import { storageConfig } from './storage.ts';
import { CRD, MUTATING_WEBHOOK, PLATFORM_PRIORITY_CLASS, PROMETHEUS_SELECTOR_LABELS, RBAC, VALIDATING_WEBHOOK } from './addons-common.ts';

const scrapedBy = { ...PROMETHEUS_SELECTOR_LABELS };
/** Above production: alerts and SLO windows must outlive any production scale-up. */
const priorityClassName = PLATFORM_PRIORITY_CLASS;
/** A ReadWriteOnce claim per replica on the cluster's default StorageClass (gp3, config/storage.ts). */
const claim = (storage: string) => ({
  volumeClaimTemplate: { spec: { storageClassName: storageConfig.classes.find((c) => c.default)!.name, accessModes: ['ReadWriteOnce'] as ['ReadWriteOnce'], resources: { requests: { storage } } } },
});
/** Keycloak's OpenID Connect endpoints of the SSO realm. */
const oidc = `${ssoConfig.issuer}/protocol/openid-connect`;
/** kube-prometheus-stack's namespace: Prometheus, Alertmanager, Grafana and our dashboards. */
const MONITORING_NAMESPACE = 'observability';

/**
 * kube_verticalpodautoscaler_status_recommendation_containerrecommendations_{target,lowerbound,upperbound}
 * per container and resource, the names and labels kube-state-metrics had before v2.9 removed its
 * VPA metrics (its docs' custom-resource-state example): `metricNamePrefix: kube` + the name.
 */
const vpaRecommendationMetrics = {
  kind: 'CustomResourceStateMetrics' as const,
  spec: {
    resources: [{
      groupVersionKind: { group: 'autoscaling.k8s.io', version: 'v1', kind: 'VerticalPodAutoscaler' },
      labelsFromPath: {
        namespace: ['metadata', 'namespace'],
        verticalpodautoscaler: ['metadata', 'name'],
        target_api_version: ['spec', 'targetRef', 'apiVersion'],
        target_kind: ['spec', 'targetRef', 'kind'],
        target_name: ['spec', 'targetRef', 'name'],
      },
      metricNamePrefix: 'kube',
      metrics: (['target', 'lowerBound', 'upperBound'] as const).flatMap((bound) => ([['cpu', 'core'], ['memory', 'byte']] as const).map(([resource, unit]) => ({
        name: `verticalpodautoscaler_status_recommendation_containerrecommendations_${bound.toLowerCase()}`,
        help: `${bound} ${resource} recommendation of the VerticalPodAutoscaler for the container.`,
        commonLabels: { resource, unit },
        each: {
          type: 'Gauge' as const,
          gauge: { path: ['status', 'recommendation', 'containerRecommendations'], labelsFromPath: { container: ['containerName'] }, valueFrom: [bound, resource] },
        },
      }))),
    }],
  },
};

export const prometheusOperatorCrds: AddonInput = {
  // The Prometheus Operator's CRDs on their own, so the ServiceMonitors of every other add-on and
  // the AlertmanagerConfig kube-prometheus-stack reads can exist before kube-prometheus-stack.
  name: 'prometheus-operator-crds',
  repoURL: 'https://prometheus-community.github.io/helm-charts',
  chart: 'prometheus-operator-crds',
  // appVersion v0.93.1, the operator of kube-prometheus-stack 88.x: move both together.
  version: '31.0.1',
  namespace: MONITORING_NAMESPACE,
  podSecurity: 'privileged',
  serves: [{
    group: 'monitoring.coreos.com',
    kinds: ['Alertmanager', 'AlertmanagerConfig', 'PodMonitor', 'Probe', 'Prometheus', 'PrometheusAgent', 'PrometheusRule', 'ScrapeConfig', 'ServiceMonitor', 'ThanosRuler'],
  }],
  clusterResources: [CRD],
  values: {},
};

export const kubePrometheusStack: AddonInput = {
  name: 'kube-prometheus-stack',
  repoURL: 'https://prometheus-community.github.io/helm-charts',
  chart: 'kube-prometheus-stack',
  version: '88.2.0',
  namespace: MONITORING_NAMESPACE,
  // node-exporter reads the host (hostNetwork, hostPID, hostPath).
  podSecurity: 'privileged',
  // Services for kubelet, CoreDNS and kube-proxy scraping live in kube-system.
  extraNamespaces: ['kube-system'],
  clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
  values: {
    // Installed by prometheus-operator-crds (above).
    crds: { enabled: false },
    prometheus: {
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
      prometheusSpec: {
        // At least the SLO period (30 days, lib/monitoring/slo-rules.ts) and so every burn-rate window
        // (up to 3d): a restart must not empty them. The size cap keeps a full disk from stopping ingestion.
        retention: '30d',
        retentionSize: '90GB',
        // Two replicas scrape the same targets (Alertmanager deduplicates their alerts): one can restart.
        replicas: 2,
        storageSpec: claim('100Gi'),
        // Every namespace (the chart's namespace selectors are {}), only objects with the label:
        // dist/ objects and the add-ons' ServiceMonitors set it (test/addons.test.ts).
        serviceMonitorSelector: { matchLabels: scrapedBy },
        podMonitorSelector: { matchLabels: scrapedBy },
        ruleSelector: { matchLabels: scrapedBy },
        priorityClassName,
      },
    },
    prometheusOperator: { priorityClassName, admissionWebhooks: { patch: { priorityClassName } } },
    'kube-state-metrics': {
      priorityClassName,
      // The VPA recommendations (charts/dashboard-specs.ts right-sizing panel, the right-sizing alerts):
      // list/watch VPAs, and CRDs, which kube-state-metrics watches to find the resource.
      rbac: {
        extraRules: [
          { apiGroups: ['autoscaling.k8s.io'], resources: ['verticalpodautoscalers'], verbs: ['list', 'watch'] },
          { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['list', 'watch'] },
        ],
      },
      customResourceState: { enabled: true, config: vpaRecommendationMetrics },
    },
    'prometheus-node-exporter': { priorityClassName },
    alertmanager: {
      podDisruptionBudget: { enabled: true, minAvailable: 2 },
      alertmanagerSpec: {
        // Global routing rendered by charts/alerting.ts (docs/observability.md).
        alertmanagerConfiguration: { name: 'flextime-alert-routing' },
        // The chart's default {} would also merge the global config as a namespaced route.
        alertmanagerConfigSelector: { matchLabels: scrapedBy },
        priorityClassName,
        // Three form a gossip cluster (silences and notification log survive one loss), on disk.
        replicas: 3,
        storage: claim('2Gi'),
      },
    },
    grafana: {
      priorityClassName,
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
};
