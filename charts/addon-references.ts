/**
 * What each add-on's typed values make its release refer to (a Secret, a ConfigMap, an
 * AlertmanagerConfig, a kind of another add-on), and what the release creates that others refer
 * to, besides the kinds it serves (config/addons.ts `serves`). One small function per add-on,
 * reading the values: a need names a resource (kind, namespace, name), never a component, and
 * changing a value changes the need. charts/bootstrap-order.ts makes each add-on's graph node
 * from this; the table is exhaustive by type, so a new add-on cannot be forgotten.
 */
import type { Addon, AddonName } from '../config/schema-addons.ts';
import { loadBalancerNeeds } from '../lib/graph/load-balancers.ts';
import { kindRef, objectRef, DEFAULT_NAME, type Need, type Ref } from '../lib/graph/refs.ts';

export interface AddonReferences {
  /**
   * Objects the release creates that other nodes may need (an IngressClass, a ServiceAccount).
   * @default []
   */
  readonly provides?: readonly Ref[];
  /** What the values refer to; each field is a path below `values`. */
  readonly needs: readonly Need[];
}

/** Where the release is installed: ArgoCD's Helm release name is the chart name (lib/argocd-application.ts). */
export interface Release {
  readonly namespace: string;
  readonly name: string;
}

type ValuesOf<N extends AddonName> = Extract<Addon, { name: N }>['values'];
type ReferencesOf<N extends AddonName> = (values: ValuesOf<N>, release: Release) => AddonReferences;

const SERVICE_MONITOR = kindRef('monitoring.coreos.com', 'ServiceMonitor');
const NONE: AddonReferences = { needs: [] };

/** The ServiceMonitor kind, when the value at `field` enables the chart's ServiceMonitor. */
function serviceMonitor(enabled: boolean, field: string): Need[] {
  return enabled ? [{ ref: SERVICE_MONITOR, field: `values.${field}` }] : [];
}

/** An object of the release's namespace named by the value at `field`. */
function inRelease(release: Release, kind: string, name: string, field: string, group = ''): Need {
  return { ref: objectRef(group, kind, name, release.namespace), field: `values.${field}` };
}

/** nginx ConfigMap settings that name another ConfigMap as `<namespace>/<name>`. */
const NGINX_CONFIGMAP_SETTINGS = ['add-headers', 'proxy-set-headers'];

export const ADDON_REFERENCES: { readonly [N in AddonName]: ReferencesOf<N> } = {
  'prometheus-operator-crds': () => NONE,
  'kube-prometheus-stack': (v, release) => ({
    needs: [
      // With its own CRDs off, the chart's Prometheus, Alertmanager and monitors need them installed.
      ...(v.crds.enabled ? [] : ['Prometheus', 'Alertmanager', 'ServiceMonitor', 'PrometheusRule']
        .map((kind) => ({ ref: kindRef('monitoring.coreos.com', kind), field: 'values.crds.enabled' }))),
      inRelease(release, 'Secret', v.grafana.envFromSecret, 'grafana.envFromSecret'),
      inRelease(release, 'AlertmanagerConfig', v.alertmanager.alertmanagerSpec.alertmanagerConfiguration.name, 'alertmanager.alertmanagerSpec.alertmanagerConfiguration.name', 'monitoring.coreos.com'),
    ],
  }),
  'cert-manager': (v) => ({ needs: serviceMonitor(v.prometheus.enabled && v.prometheus.servicemonitor.enabled, 'prometheus.servicemonitor.enabled') }),
  'external-secrets': (v, release) => ({
    // The controller's ServiceAccount (named after the release), which secret stores authenticate as.
    provides: [objectRef('', 'ServiceAccount', release.name, release.namespace)],
    needs: serviceMonitor(v.serviceMonitor.enabled, 'serviceMonitor.enabled'),
  }),
  keda: (v) => ({
    needs: [
      ...serviceMonitor(v.prometheus.operator.serviceMonitor.enabled, 'prometheus.operator.serviceMonitor.enabled'),
      ...serviceMonitor(v.prometheus.metricServer.serviceMonitor.enabled, 'prometheus.metricServer.serviceMonitor.enabled'),
    ],
  }),
  gatekeeper: () => NONE,
  falco: (v, release) => ({
    needs: [
      ...v.mounts.volumes.map((vol, i) => inRelease(release, 'ConfigMap', vol.configMap.name, `mounts.volumes[${i}].configMap.name`)),
      ...(v.falcosidekick.enabled ? [inRelease(release, 'Secret', v.falcosidekick.config.existingSecret, 'falcosidekick.config.existingSecret')] : []),
      ...serviceMonitor(v.falcosidekick.enabled && v.falcosidekick.serviceMonitor.enabled, 'falcosidekick.serviceMonitor.enabled'),
    ],
  }),
  'trivy-operator': (v) => ({ needs: serviceMonitor(v.serviceMonitor.enabled, 'serviceMonitor.enabled') }),
  'vertical-pod-autoscaler': () => NONE,
  'metrics-server': () => NONE,
  descheduler: () => NONE,
  'policy-controller': () => NONE,
  'opentelemetry-operator': (v) => ({
    // Its webhook certificate: the chart renders a cert-manager Issuer and Certificate.
    needs: v.admissionWebhooks.certManager.enabled
      ? ['Issuer', 'Certificate'].map((kind) => ({ ref: kindRef('cert-manager.io', kind), field: 'values.admissionWebhooks.certManager.enabled' }))
      : [],
  }),
  'argo-rollouts': (v) => ({ needs: serviceMonitor(v.controller.metrics.serviceMonitor.enabled, 'controller.metrics.serviceMonitor.enabled') }),
  'k6-operator': () => NONE,
  'chaos-mesh': () => NONE,
  'cluster-autoscaler': (v) => ({ needs: serviceMonitor(v.serviceMonitor.enabled, 'serviceMonitor.enabled') }),
  'aws-load-balancer-controller': (v) => ({
    needs: [
      // enableCertManager (always true, by schema): the webhook's serving certificate is a cert-manager Issuer + Certificate.
      ...['Issuer', 'Certificate'].map((kind) => ({ ref: kindRef('cert-manager.io', kind), field: 'values.enableCertManager' })),
      ...serviceMonitor(v.serviceMonitor.enabled, 'serviceMonitor.enabled'),
    ],
  }),
  'ingress-nginx': (v) => {
    const { ingressClassResource: ingressClass, config } = v.controller;
    const className = (name: string) => objectRef('networking.k8s.io', 'IngressClass', name);
    return {
      provides: [className(ingressClass.name), ...(ingressClass.default ? [className(DEFAULT_NAME)] : [])],
      needs: [
        // The controller's Service is of type LoadBalancer (the chart's default).
        ...loadBalancerNeeds(v.controller.service.annotations, undefined, { annotations: 'values.controller.service.annotations', spec: 'values.controller.service' }),
        ...serviceMonitor(v.controller.metrics.serviceMonitor.enabled, 'controller.metrics.serviceMonitor.enabled'),
        ...NGINX_CONFIGMAP_SETTINGS.flatMap((key) => {
          const [namespace, name] = config[key]?.split('/') ?? [];
          return namespace && name ? [{ ref: objectRef('', 'ConfigMap', name, namespace), field: `values.controller.config.${key}` }] : [];
        }),
      ],
    };
  },
};

/** The references of `addon` with `values` (its values on one cluster). */
export function addonReferences(addon: Addon, values: object): AddonReferences {
  const release = { namespace: addon.namespace, name: addon.chart };
  const references = ADDON_REFERENCES[addon.name] as (values: object, release: Release) => AddonReferences;
  return references(values, release);
}
