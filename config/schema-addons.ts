/**
 * Schema of the upstream add-ons (pinned Helm charts installed as ArgoCD Applications), part of
 * the platform schema in ./schema.ts (`addons`). Kept in its own module because every add-on has
 * its own small, strict values type (./schema-addon-values.ts): only the keys we set are typed, so
 * a typo is a config error and nothing is deep-merged.
 *
 * This module must not import ./schema.ts (schema.ts imports it); cross-field rules (known
 * environments, namespaces) live in schema-gitops.ts. The order in which add-ons sync is not
 * configured: charts/bootstrap-order.ts derives it from what each one serves and references.
 */
import { z } from 'zod';
import { awsLoadBalancerControllerValues } from './schema-addons-aws.ts';
import { deschedulerValues } from './schema-addons-scheduling.ts';
import { policyControllerValues } from './schema-addons-signing.ts';
import {
  ingressNginxValues, certManagerValues, kedaValues, externalSecretsValues, gatekeeperValues, falcoValues, trivyOperatorValues, vpaValues, metricsServerValues, openTelemetryOperatorValues, argoRolloutsValues, k6OperatorValues, prometheusOperatorCrdsValues, chaosMeshValues, clusterAutoscalerValues, name,
} from './schema-addon-values.ts';
import { kubePrometheusStackValues } from './schema-addon-values-monitoring.ts';

/**
 * A chart version that can only ever mean one artifact: "1.2.3" or "v1.2.3". Ranges ("^1.2",
 * "~1.2.0", ">=1"), wildcards ("1.x", "*") and "latest" would let a chart change without a commit.
 */
export const exactChartVersion = z
  .string()
  .regex(/^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/, 'must be an exact chart version such as "1.2.3" or "v1.2.3" (no ranges, wildcards or "latest")');

/** A cluster-scoped kind a chart creates; the platform AppProject allows exactly these. */
const clusterKind = z.object({
  /** API group, "" for the core group. */
  group: z.string().regex(/^([a-z0-9-]+(\.[a-z0-9-]+)*)?$/, 'must be an API group such as "rbac.authorization.k8s.io" or "" (core)'),
  kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'must be a Kind such as "ClusterRole"'),
}).strict();

/** Kinds of one API group an add-on serves. */
const servedKinds = z.object({
  /** API group, e.g. "cert-manager.io". */
  group: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'must be an API group such as "cert-manager.io"'),
  kinds: z.array(z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'must be a Kind such as "Certificate"')).min(1),
}).strict();

const base = {
  /** Helm repository URL (https). */
  repoURL: z.url({ protocol: /^https$/, error: 'must be an https Helm repository URL' }),
  chart: name,
  /** Pinned chart version (see exactChartVersion). */
  version: exactChartVersion,
  /**
   * Namespace the release is installed into, with the Pod Security level below: rendered into
   * dist/cluster/namespaces, or created by ArgoCD for an add-on limited to some `environments`.
   */
  namespace: name,
  /** Pod Security Admission level of the add-on's namespace (node agents need `privileged`). */
  podSecurity: z.enum(['privileged', 'baseline', 'restricted']),
  /**
   * API kinds the release serves: the CRDs its chart installs (with the controller acting on
   * them) or an aggregated API. Objects of these kinds, anywhere, sync after this add-on.
   */
  serves: z.array(servedKinds).default([]),
  /**
   * Install on the clusters of these environments only.
   * @default - every cluster that hosts an environment
   */
  environments: z.array(z.string()).min(1).optional(),
  /** Other namespaces the chart writes to (e.g. kube-prometheus-stack's Services in kube-system). */
  extraNamespaces: z.array(name).default([]),
  /** Cluster-scoped kinds the chart creates: the platform AppProject's explicit allow-list. */
  clusterResources: z.array(clusterKind).default([]),
};

// ----------------------------------------------------------------------------- the table

const addonOf = <N extends string, V extends z.ZodType>(addon: N, values: V) =>
  z.object({ name: z.literal(addon), ...base, values }).strict();

export const ADDON_VALUES = {
  'ingress-nginx': ingressNginxValues,
  'cert-manager': certManagerValues,
  keda: kedaValues,
  'external-secrets': externalSecretsValues,
  'prometheus-operator-crds': prometheusOperatorCrdsValues,
  'kube-prometheus-stack': kubePrometheusStackValues,
  gatekeeper: gatekeeperValues,
  falco: falcoValues,
  'trivy-operator': trivyOperatorValues,
  'vertical-pod-autoscaler': vpaValues,
  'metrics-server': metricsServerValues,
  'opentelemetry-operator': openTelemetryOperatorValues,
  'argo-rollouts': argoRolloutsValues,
  'k6-operator': k6OperatorValues,
  'chaos-mesh': chaosMeshValues,
  'cluster-autoscaler': clusterAutoscalerValues,
  'aws-load-balancer-controller': awsLoadBalancerControllerValues,
  descheduler: deschedulerValues,
  'policy-controller': policyControllerValues,
} as const;
export type AddonName = keyof typeof ADDON_VALUES;
const ADDON_NAMES = Object.keys(ADDON_VALUES) as AddonName[];

export const addon = z.discriminatedUnion('name', [
  addonOf('ingress-nginx', ingressNginxValues),
  addonOf('cert-manager', certManagerValues),
  addonOf('keda', kedaValues),
  addonOf('external-secrets', externalSecretsValues),
  addonOf('prometheus-operator-crds', prometheusOperatorCrdsValues),
  addonOf('kube-prometheus-stack', kubePrometheusStackValues),
  addonOf('gatekeeper', gatekeeperValues),
  addonOf('falco', falcoValues),
  addonOf('trivy-operator', trivyOperatorValues),
  addonOf('vertical-pod-autoscaler', vpaValues),
  addonOf('metrics-server', metricsServerValues),
  addonOf('opentelemetry-operator', openTelemetryOperatorValues),
  addonOf('argo-rollouts', argoRolloutsValues),
  addonOf('k6-operator', k6OperatorValues),
  addonOf('chaos-mesh', chaosMeshValues),
  addonOf('cluster-autoscaler', clusterAutoscalerValues),
  addonOf('aws-load-balancer-controller', awsLoadBalancerControllerValues),
  addonOf('descheduler', deschedulerValues),
  addonOf('policy-controller', policyControllerValues),
], {
  error: (issue) => (issue.code === 'invalid_union'
    ? `unknown add-on; known: ${ADDON_NAMES.join(', ')} (a new add-on needs its values type in config/schema-addons.ts)`
    : undefined),
});
export type Addon = z.infer<typeof addon>;
export type AddonInput = z.input<typeof addon>;
