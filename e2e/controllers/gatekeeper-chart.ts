/**
 * What the gatekeeper chart (3.23.0, the version config/addons.ts pins) renders from our values,
 * for the two parts the e2e needs without the chart itself: the ValidatingWebhookConfiguration
 * (templates/gatekeeper-validating-webhook-configuration-validatingwebhookconfiguration.yaml)
 * and the manager's flags (templates/gatekeeper-controller-manager-deployment.yaml and
 * gatekeeper-audit-deployment.yaml; here one process runs both roles).
 *
 * CHART_DEFAULTS is copied by hand from the chart's values.yaml at 3.23.0 (only the keys these
 * templates read); our values (the add-on Application's valuesObject) are merged over them the
 * way Helm does. A value the mirror does not implement fails the start, naming it, rather than
 * being silently dropped.
 */

export type Values = Record<string, unknown>;

export const CHART_VERSION = '3.23.0';

/** gatekeeper chart 3.23.0 values.yaml, the keys the two templates below read. */
export const CHART_DEFAULTS: Values = {
  auditInterval: 60,
  constraintViolationsLimit: 20,
  auditFromCache: false,
  auditMatchKindOnly: false,
  auditChunkSize: 500,
  disableValidatingWebhook: false,
  validatingWebhookName: 'gatekeeper-validating-webhook-configuration',
  validatingWebhookTimeoutSeconds: 3,
  validatingWebhookFailurePolicy: 'Ignore',
  validatingWebhookAnnotations: {},
  validatingWebhookExemptNamespacesLabels: {},
  validatingWebhookObjectSelector: {},
  validatingWebhookMatchConditions: [],
  validatingWebhookCheckIgnoreFailurePolicy: 'Fail',
  validatingWebhookCustomRules: {},
  validatingWebhookSubResources: [
    'pods/ephemeralcontainers', 'pods/exec', 'pods/log', 'pods/eviction', 'pods/portforward', 'pods/proxy',
    'pods/attach', 'pods/binding', 'pods/resize', 'deployments/scale', 'replicasets/scale', 'statefulsets/scale',
    'replicationcontrollers/scale', 'services/proxy', 'nodes/proxy', 'services/status',
  ],
  validatingWebhookURL: null,
  validatingWebhookScope: '*',
  enableDeleteOperations: false,
  enableConnectOperations: false,
  enableExternalData: true,
  enableGeneratorResourceExpansion: true,
  enableK8sNativeValidation: true,
  logLevel: 'INFO',
  logDenies: false,
  emitAdmissionEvents: false,
  admissionEventsInvolvedNamespace: false,
  auditEventsInvolvedNamespace: false,
  maxServingThreads: -1,
  disabledBuiltins: ['{http.send}'],
  controllerManager: { exemptNamespaces: [], exemptNamespacePrefixes: [], exemptNamespaceSuffixes: [], tlsMinVersion: '1.3' },
};

/**
 * Keys of our values the e2e has no counterpart for, because what they configure is not run
 * here (pods, hooks, replicas): accepted and listed in the differences. Any other key outside
 * CHART_DEFAULTS fails the start.
 */
export const NOT_RUN_KEYS = ['replicas', 'postInstall', 'upgradeCRDs', 'postUpgrade', 'preUninstall', 'podAnnotations', 'resources', 'audit'];

function isObject(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm's coalescing of user values over chart defaults (maps merge, everything else replaces). */
export function mergeValues(defaults: Values, user: Values): Values {
  const out: Values = { ...defaults };
  for (const [k, v] of Object.entries(user)) out[k] = isObject(v) && isObject(defaults[k]) ? mergeValues(defaults[k] as Values, v) : v;
  return out;
}

/** Our values merged over the chart's; throws naming a key the e2e does not implement. */
export function effectiveValues(user: Values, where: string): Values {
  const unknown = Object.keys(user).filter((k) => !(k in CHART_DEFAULTS) && !NOT_RUN_KEYS.includes(k));
  if (unknown.length) throw new Error(`${where}: values ${unknown.join(', ')} are not mirrored by e2e/controllers/gatekeeper-chart.ts (add them to CHART_DEFAULTS and the template mirror)`);
  const cm = (user.controllerManager ?? {}) as Values;
  const cmUnknown = Object.keys(cm).filter((k) => !(k in (CHART_DEFAULTS.controllerManager as Values)));
  if (cmUnknown.length) throw new Error(`${where}: values controllerManager.${cmUnknown.join(', controllerManager.')} are not mirrored by e2e/controllers/gatekeeper-chart.ts`);
  return mergeValues(CHART_DEFAULTS, user);
}

export interface WebhookEndpoint {
  /** https://127.0.0.1:<port> */
  readonly base: string;
  /** PEM of the CA that signed the serving certificate. */
  readonly caPem: string;
  /** Release namespace (the Application's destination). */
  readonly namespace: string;
}

/**
 * The chart's ValidatingWebhookConfiguration, with clientConfig.url + caBundle where the chart
 * names its Service (the manager runs outside the cluster; cf. the chart's own
 * validatingWebhookURL switch, which does the same for the first webhook).
 */
export function validatingWebhookConfiguration(v: Values, ep: WebhookEndpoint): Record<string, unknown> {
  if (v.disableValidatingWebhook) throw new Error('gatekeeper values disable the validating webhook: nothing to test');
  const caBundle = Buffer.from(ep.caPem).toString('base64');
  // templates/_helpers.tpl gatekeeper.mandatoryNamespaceExemption, merged under the user's map.
  const exempt: Record<string, string[]> = { 'kubernetes.io/metadata.name': [ep.namespace], ...(v.validatingWebhookExemptNamespacesLabels as Record<string, string[]>) };
  const nsKey = 'kubernetes.io/metadata.name';
  exempt[nsKey] = [...new Set([...exempt[nsKey], ep.namespace])];
  const ops = ['CREATE', 'UPDATE', ...(v.enableDeleteOperations ? ['DELETE'] : []), ...(v.enableConnectOperations ? ['CONNECT'] : [])];
  const custom = v.validatingWebhookCustomRules as Values | unknown[];
  const rules = (Array.isArray(custom) ? custom.length : Object.keys(custom).length)
    ? custom
    : [{ apiGroups: ['*'], apiVersions: ['*'], operations: ops, resources: ['*', ...(v.validatingWebhookSubResources as string[])], scope: v.validatingWebhookScope }];
  const matchConditions = v.validatingWebhookMatchConditions as unknown[];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: {
      name: v.validatingWebhookName,
      annotations: v.validatingWebhookAnnotations,
      labels: { app: 'gatekeeper', chart: 'gatekeeper', 'gatekeeper.sh/system': 'yes', heritage: 'Helm', release: 'gatekeeper' },
    },
    webhooks: [
      {
        admissionReviewVersions: ['v1', 'v1beta1'],
        clientConfig: { url: `${ep.base}/v1/admit`, caBundle },
        failurePolicy: v.validatingWebhookFailurePolicy,
        ...(matchConditions.length ? { matchConditions } : {}),
        matchPolicy: 'Exact',
        name: 'validation.gatekeeper.sh',
        namespaceSelector: {
          matchExpressions: [
            { key: 'admission.gatekeeper.sh/ignore', operator: 'DoesNotExist' },
            // Helm ranges over a map in key order.
            ...Object.keys(exempt).sort().map((key) => ({ key, operator: 'NotIn', values: exempt[key] })),
          ],
        },
        objectSelector: v.validatingWebhookObjectSelector,
        rules,
        sideEffects: 'None',
        timeoutSeconds: v.validatingWebhookTimeoutSeconds,
      },
      {
        admissionReviewVersions: ['v1', 'v1beta1'],
        clientConfig: { url: `${ep.base}/v1/admitlabel`, caBundle },
        failurePolicy: v.validatingWebhookCheckIgnoreFailurePolicy,
        matchPolicy: 'Exact',
        name: 'check-ignore-label.gatekeeper.sh',
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [ep.namespace] }] },
        rules: [{ apiGroups: [''], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['namespaces'], scope: '*' }],
        sideEffects: 'None',
        timeoutSeconds: v.validatingWebhookTimeoutSeconds,
      },
    ],
  };
}

/**
 * The flags the chart gives the controller-manager and audit pods, for the options this process
 * shares with them (ports, certificates, operations and the audit interval are the caller's).
 */
export function managerFlags(v: Values, namespace: string): string[] {
  const cm = v.controllerManager as Values;
  const list = (flag: string, xs: unknown) => (xs as string[]).map((x) => `--${flag}=${x}`);
  return [
    `--log-level=${v.logLevel}`,
    `--log-denies=${v.logDenies}`,
    `--emit-admission-events=${v.emitAdmissionEvents}`,
    `--admission-events-involved-namespace=${v.admissionEventsInvolvedNamespace}`,
    `--audit-events-involved-namespace=${v.auditEventsInvolvedNamespace}`,
    `--exempt-namespace=${namespace}`,
    ...list('exempt-namespace', cm.exemptNamespaces),
    ...list('exempt-namespace-prefix', cm.exemptNamespacePrefixes),
    ...list('exempt-namespace-suffix', cm.exemptNamespaceSuffixes),
    `--enable-external-data=${v.enableExternalData}`,
    `--enable-generator-resource-expansion=${v.enableGeneratorResourceExpansion}`,
    `--enable-k8s-native-validation=${v.enableK8sNativeValidation}`,
    `--max-serving-threads=${v.maxServingThreads}`,
    `--tls-min-version=${cm.tlsMinVersion}`,
    `--validating-webhook-configuration-name=${v.validatingWebhookName}`,
    `--constraint-violations-limit=${v.constraintViolationsLimit}`,
    `--audit-from-cache=${v.auditFromCache}`,
    `--audit-chunk-size=${v.auditChunkSize}`,
    `--audit-match-kind-only=${v.auditMatchKindOnly}`,
    ...list('disable-opa-builtin', v.disabledBuiltins),
  ];
}
