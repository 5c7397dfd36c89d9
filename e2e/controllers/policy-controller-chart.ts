/**
 * What the policy-controller chart (0.10.6 = policy-controller v0.13.1, config/addons-signing.ts)
 * puts around its webhook, rebuilt from our typed values for the e2e, where the webhook runs as a
 * local process (policy-controller.ts) and the chart itself is not rendered (CRDs only).
 *
 * Names are the chart's (templates/webhook/*.yaml at tag policy-controller-0.10.6 of
 * sigstore/helm-charts, release "policy-controller" in the add-on's namespace): Service `webhook`,
 * Secret `webhook-certs`, ConfigMaps `config-policy-controller`, `config-image-policies`,
 * `config-sigstore-keys`, `policy-controller-webhook-logging`, and the webhook configurations
 * `policy.sigstore.dev` (pods and the kinds that template them) and
 * `{validating,defaulting}.clusterimagepolicy.sigstore.dev` (the policies themselves). The two
 * wiring changes, listed by policy-controller.ts: the Service is an ExternalName 127.0.0.1 (no
 * kube-proxy) and every clientConfig names the process's port, 8443, instead of the Service's 443.
 * A value the chart would use and this file does not mirror fails the start.
 */
import type { KubeObject } from './kube.ts';

export const CHART_VERSION = '0.10.6';
export const APP_VERSION = 'v0.13.1';
/** `policy-controller.fullname` for release "policy-controller". */
const FULLNAME = 'policy-controller';
/** The chart's Service and WEBHOOK_NAME (knative issues its certificate for `webhook.<ns>.svc`). */
export const SERVICE = 'webhook';
export const CERT_SECRET = 'webhook-certs';
/** Where the webhook's reconciler writes the compiled ClusterImagePolicies. */
export const COMPILED_POLICIES = 'config-image-policies';
/** v0.13.1 serves on 8443 whatever --secure-port says (the flag is read after the options are stored) and probes on 8080. */
export const WEBHOOK_PORT = 8443;
export const PROBE_PORT = 8080;

/** The chart defaults this file depends on (values.yaml at the tag). */
const DEFAULTS = {
  loglevel: 'info',
  webhookName: 'policy.sigstore.dev',
  webhook: {
    failurePolicy: 'Fail',
    configData: {} as Record<string, string>,
    namespaceSelector: { matchExpressions: [{ key: 'policy.sigstore.dev/include', operator: 'In', values: ['true'] }] } as unknown,
    webhookNames: { defaulting: 'defaulting.clusterimagepolicy.sigstore.dev', validating: 'validating.clusterimagepolicy.sigstore.dev' },
  },
};
export type ChartValues = typeof DEFAULTS;

/** Values that change the webhook's wiring or arguments, which this file does not render. */
const NOT_MIRRORED = ['cosign.webhookTimeoutSeconds', 'webhook.webhookTimeoutSeconds', 'webhook.extraArgs', 'webhook.env', 'webhook.envFrom', 'webhook.registryCaBundle', 'webhook.service'];

type Tree = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function chartValues(user: Tree, file: string): ChartValues {
  const set = NOT_MIRRORED.filter((path) => path.split('.').reduce<unknown>((o, k) => (o as Tree | undefined)?.[k], user) !== undefined);
  if (set.length) throw new Error(`${file}: policy-controller values ${set.join(', ')} are set, which e2e/controllers/policy-controller-chart.ts does not mirror`);
  const w = user.webhook ?? {};
  return {
    loglevel: user.loglevel ?? DEFAULTS.loglevel,
    webhookName: user.cosign?.webhookName ?? DEFAULTS.webhookName,
    webhook: {
      webhookNames: { ...DEFAULTS.webhook.webhookNames, ...w.webhookNames },
      failurePolicy: w.failurePolicy ?? DEFAULTS.webhook.failurePolicy,
      configData: w.configData ?? DEFAULTS.webhook.configData,
      namespaceSelector: w.namespaceSelector ?? DEFAULTS.webhook.namespaceSelector,
    },
  };
}

/** The environment and arguments of the chart's webhook container (deployment_webhook.yaml). */
export function processSettings(namespace: string, v: ChartValues): { env: Record<string, string>; args: string[] } {
  return {
    env: {
      SYSTEM_NAMESPACE: namespace,
      CONFIG_LOGGING_NAME: `${FULLNAME}-webhook-logging`,
      CONFIG_OBSERVABILITY_NAME: `${FULLNAME}-webhook-observability`,
      METRICS_DOMAIN: 'sigstore.dev/policy',
      WEBHOOK_NAME: SERVICE,
    },
    args: [`-webhook-name=${v.webhookName}`],
  };
}

const configMap = (namespace: string, name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });

/** ConfigMaps and the (empty) certificate Secret the chart creates and the webhook fills or reads. */
export function configObjects(namespace: string, v: ChartValues): KubeObject[] {
  const zap = { level: v.loglevel, development: false, outputPaths: ['stdout'], errorOutputPaths: ['stderr'], encoding: 'json', encoderConfig: { timeKey: 'ts', levelKey: 'level', nameKey: 'logger', callerKey: 'caller', messageKey: 'msg', stacktraceKey: 'stacktrace', timeEncoder: 'iso8601' } };
  const example = { _example: '# EXAMPLE CONFIGURATION (as the chart renders it: filled by the webhook)\n' };
  return [
    configMap(namespace, `${FULLNAME}-webhook-logging`, { 'zap-logger-config': JSON.stringify(zap), 'loglevel.controller': v.loglevel, 'loglevel.webhook': v.loglevel }),
    configMap(namespace, 'config-policy-controller', Object.keys(v.webhook.configData).length ? v.webhook.configData : example),
    configMap(namespace, COMPILED_POLICIES, example),
    configMap(namespace, 'config-sigstore-keys', example),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: CERT_SECRET, namespace } },
  ];
}

/** Service `webhook`: an ExternalName 127.0.0.1, so the API server dials the process and checks the certificate for webhook.<ns>.svc. */
export function service(namespace: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: SERVICE, namespace, labels: { 'control-plane': `${FULLNAME}-webhook` } },
    spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port: WEBHOOK_PORT, protocol: 'TCP' }] },
  };
}

const clientConfig = (namespace: string) => ({ service: { name: SERVICE, namespace, port: WEBHOOK_PORT } });

function webhookConfiguration(kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration', name: string, webhook: Tree): KubeObject {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name }, webhooks: [{ name, admissionReviewVersions: ['v1'], sideEffects: 'None', ...webhook }] };
}

/** policy_webhook_configurations.yaml: the webhooks that validate and default ClusterImagePolicies (rules filled in by the webhook). */
export function policyWebhooks(namespace: string, v: ChartValues): KubeObject[] {
  const common = { clientConfig: clientConfig(namespace), failurePolicy: 'Fail', matchPolicy: 'Equivalent' };
  return [
    webhookConfiguration('MutatingWebhookConfiguration', v.webhook.webhookNames.defaulting, common),
    webhookConfiguration('ValidatingWebhookConfiguration', v.webhook.webhookNames.validating, common),
  ];
}

/** webhook_validating.yaml + webhook_mutating.yaml: `policy.sigstore.dev` on the namespaces the values select. */
export function podWebhooks(namespace: string, v: ChartValues): KubeObject[] {
  const common = { clientConfig: clientConfig(namespace), failurePolicy: v.webhook.failurePolicy, namespaceSelector: v.webhook.namespaceSelector };
  return [
    webhookConfiguration('ValidatingWebhookConfiguration', v.webhookName, common),
    webhookConfiguration('MutatingWebhookConfiguration', v.webhookName, { ...common, reinvocationPolicy: 'IfNeeded' }),
  ];
}

/**
 * The ClusterImagePolicy CRD as the chart ships it, from the one verify generates (.tools/crds):
 * webhook conversion through Service `webhook` (v1beta1 ↔ the stored v1alpha1) and a status
 * subresource, which the webhook's reconciler writes. controller-gen reads neither from
 * policy-controller's knative-style types.
 */
export function crdAsTheChartShipsIt(crd: KubeObject, namespace: string): KubeObject {
  return {
    ...crd,
    spec: {
      ...crd.spec,
      conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1beta1', 'v1alpha1'], clientConfig: clientConfig(namespace) } },
      versions: crd.spec.versions.map((ver: Tree) => ({ ...ver, subresources: { status: {} } })),
    },
  };
}
