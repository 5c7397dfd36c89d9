/**
 * What every add-on row (config/addons.ts, config/addons-aws.ts) shares: the label Prometheus
 * selects monitoring objects by, and the cluster-scoped kinds charts create (the platform
 * AppProject's allow-list). Its own module so add-on rows can live in topic files without an
 * import cycle through config/addons.ts.
 */

/**
 * The label kube-prometheus-stack's Prometheus selects ServiceMonitors, PodMonitors and
 * PrometheusRules by: `release: <Helm release>`, which the chart's own objects carry (ArgoCD's
 * release name is the chart name). The one source of truth: the selectors below, every add-on's
 * ServiceMonitor and every rendered object (charts/monitoring.ts re-exports it) use this.
 */
export const PROMETHEUS_SELECTOR_LABELS = { release: 'kube-prometheus-stack' } as const;

/**
 * The PriorityClass of the platform's own pods (config/platform.ts priorityClasses): every add-on
 * names it where its chart sets a pod's class, so production never preempts what it depends on.
 */
export const PLATFORM_PRIORITY_CLASS = 'flextime-platform';
/** Run-to-completion add-on Jobs (image scans): below production, never preempting. */
export const BATCH_PRIORITY_CLASS = 'flextime-batch';

export const CRD = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' };
export const RBAC = [
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
];
export const VALIDATING_WEBHOOK = { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' };
export const MUTATING_WEBHOOK = { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' };
export const API_SERVICE = { group: 'apiregistration.k8s.io', kind: 'APIService' };
