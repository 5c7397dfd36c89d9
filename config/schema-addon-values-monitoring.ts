/**
 * Values type of the kube-prometheus-stack chart (ADDON_VALUES in ./schema-addons.ts): Prometheus,
 * Alertmanager, Grafana, and kube-state-metrics with its custom-resource-state config (the VPA
 * recommendation metrics). Same rules as ./schema-addon-values.ts: only the keys we set, strict.
 *
 * This module must not import ./schema.ts or ./schema-addons.ts (they import it).
 */
import { z } from 'zod';
import { enabled, matchLabels, name, objectName, priorityClassName, withPriority } from './schema-addon-values.ts';

/** A PVC per replica (prometheus-operator `storageSpec` / `storage`). */
const claimTemplate = z.object({
  volumeClaimTemplate: z.object({
    spec: z.object({
      storageClassName: name,
      accessModes: z.tuple([z.literal('ReadWriteOnce')]),
      resources: z.object({ requests: z.object({ storage: z.string().regex(/^[0-9]+(Mi|Gi|Ti)$/, 'must be a size such as "100Gi"') }).strict() }).strict(),
    }).strict(),
  }).strict(),
}).strict();
const pdb = z.object({ enabled: z.boolean(), minAvailable: z.number().int().positive() }).strict();

/** A path into an object, as kube-state-metrics' custom-resource-state config writes it. */
const fieldPath = z.array(z.string().min(1));
/** kube-state-metrics `CustomResourceStateMetrics`: gauges from fields of custom resources (only what we use). */
const customResourceStateConfig = z.object({
  kind: z.literal('CustomResourceStateMetrics'),
  spec: z.object({
    resources: z.array(z.object({
      groupVersionKind: z.object({ group: z.string().min(1), version: z.string().min(1), kind: z.string().min(1) }).strict(),
      labelsFromPath: z.record(z.string(), fieldPath),
      metricNamePrefix: z.string().min(1),
      metrics: z.array(z.object({
        name: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a metric name (lower-case letters, digits, "_")'),
        help: z.string().min(1),
        commonLabels: z.record(z.string(), z.string()),
        each: z.object({
          type: z.literal('Gauge'),
          gauge: z.object({ path: fieldPath, labelsFromPath: z.record(z.string(), fieldPath), valueFrom: fieldPath }).strict(),
        }).strict(),
      }).strict()).min(1),
    }).strict()).min(1),
  }).strict(),
}).strict();

export const kubePrometheusStackValues = z.object({
  crds: enabled,
  prometheus: z.object({
    podDisruptionBudget: pdb,
    prometheusSpec: z.object({
      retention: z.string().regex(/^[0-9]+[dhw]$/, 'must be a Prometheus retention such as "15d"'),
      retentionSize: z.string().regex(/^[0-9]+(MB|GB|TB)$/, 'must be a size such as "90GB"'),
      replicas: z.number().int().min(2, 'must be at least 2: one Prometheus restarting must not blind the SLO alerts'),
      storageSpec: claimTemplate,
      /** ServiceMonitors / PodMonitors / PrometheusRules Prometheus loads, from every namespace, by label. */
      serviceMonitorSelector: matchLabels,
      podMonitorSelector: matchLabels,
      ruleSelector: matchLabels,
      priorityClassName,
    }).strict(),
  }).strict(),
  prometheusOperator: z.object({ priorityClassName, admissionWebhooks: z.object({ patch: withPriority }).strict() }).strict(),
  'kube-state-metrics': z.object({
    priorityClassName,
    /** Extra rules of its ClusterRole: list/watch of the custom resources `customResourceState` reads. */
    rbac: z.object({ extraRules: z.array(z.object({ apiGroups: z.array(z.string()).min(1), resources: z.array(z.string()).min(1), verbs: z.array(z.enum(['get', 'list', 'watch'])).min(1) }).strict()).min(1) }).strict(),
    /** Custom-resource-state metrics (kube-state-metrics 2.9+ dropped its built-in VPA metrics). */
    customResourceState: z.object({ enabled: z.literal(true), config: customResourceStateConfig }).strict(),
  }).strict(),
  'prometheus-node-exporter': withPriority,
  alertmanager: z.object({
    podDisruptionBudget: pdb,
    alertmanagerSpec: z.object({
      replicas: z.number().int().min(3, 'must be at least 3: a gossip cluster that survives losing one member'),
      storage: claimTemplate,
      /** The AlertmanagerConfig (in the chart's namespace) used as Alertmanager's global configuration. */
      alertmanagerConfiguration: z.object({ name: objectName }).strict(),
      /** AlertmanagerConfigs merged below it (with a namespace matcher); the global one must not match. */
      alertmanagerConfigSelector: matchLabels,
      priorityClassName,
    }).strict(),
  }).strict(),
  grafana: z.object({
    priorityClassName,
    /** Secret (in the chart's namespace) whose keys become Grafana's environment (GF_* settings). */
    envFromSecret: objectName,
    /** grafana.ini sections we set. */
    'grafana.ini': z.object({
      auth: z.object({ disable_login_form: z.boolean() }).strict(),
      'auth.generic_oauth': z.object({
        enabled: z.boolean(),
        name: z.string().min(1),
        client_id: z.string().min(1),
        scopes: z.string().min(1),
        auth_url: z.url({ protocol: /^https$/ }),
        token_url: z.url({ protocol: /^https$/ }),
        api_url: z.url({ protocol: /^https$/ }),
        use_pkce: z.boolean(),
        role_attribute_path: z.string().min(1),
        role_attribute_strict: z.boolean(),
      }).strict(),
    }).strict(),
    sidecar: z.object({
      dashboards: z.object({
        enabled: z.boolean(),
        label: z.string().min(1),
        labelValue: z.string().min(1),
        /** A namespace name, or ALL (needs cluster-wide read of ConfigMaps/Secrets). */
        searchNamespace: z.string().min(1),
        resource: z.enum(['configmap', 'secret', 'both']),
        folderAnnotation: z.string().min(1),
        provider: z.object({ foldersFromFilesStructure: z.boolean() }).strict(),
      }).strict(),
    }).strict(),
  }).strict(),
}).strict();
