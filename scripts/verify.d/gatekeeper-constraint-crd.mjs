// The CRD Gatekeeper generates from a ConstraintTemplate (used by scripts/verify's dry-run and
// by the e2e fallback without ArgoCD, e2e/cluster/apply.ts; with ArgoCD the e2e runs the real
// Gatekeeper manager, which creates them: e2e/controllers/gatekeeper.ts).
// Mirrors what Gatekeeper documents for constraints: kind from spec.crd.spec.names.kind,
// spec.parameters from spec.crd.spec.validation.openAPIV3Schema, plus match and enforcementAction.
const labelSelectorSchema = {
  type: 'object',
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string' },
          operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
  'x-kubernetes-map-type': 'atomic',
};
const nsPattern = { type: 'string', pattern: '^(\\*|\\*-)?[a-z0-9]([-:a-z0-9]*[a-z0-9])?(\\*|-\\*)?$' };
const matchSchema = {
  type: 'object',
  properties: {
    kinds: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          apiGroups: { type: 'array', items: { type: 'string' } },
          kinds: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    scope: { type: 'string', enum: ['*', 'Cluster', 'Namespaced'] },
    namespaces: { type: 'array', items: nsPattern },
    excludedNamespaces: { type: 'array', items: nsPattern },
    labelSelector: labelSelectorSchema,
    namespaceSelector: labelSelectorSchema,
    name: { type: 'string', pattern: '^(\\*|\\*-)?[a-z0-9]([-.a-z0-9]*[a-z0-9])?(\\*|-\\*)?$' },
    source: { type: 'string', enum: ['All', 'Generated', 'Original'] },
  },
};
export function constraintCrd(ct) {
  const names = ct?.spec?.crd?.spec?.names ?? {};
  const kind = names.kind;
  if (!kind) return null;
  const plural = kind.toLowerCase();
  let params = ct?.spec?.crd?.spec?.validation?.openAPIV3Schema;
  params = params ? { type: 'object', ...params } : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  if (ct?.spec?.crd?.spec?.validation?.legacySchema) params['x-kubernetes-preserve-unknown-fields'] = true;
  const schema = {
    type: 'object',
    properties: {
      metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 63 } } },
      spec: {
        type: 'object',
        properties: {
          enforcementAction: { type: 'string' },
          scopedEnforcementActions: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          match: matchSchema,
          parameters: params,
        },
      },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
  const version = (name, storage) => ({ name, served: true, storage, schema: { openAPIV3Schema: schema }, subresources: { status: {} } });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.constraints.gatekeeper.sh`, labels: { 'gatekeeper.sh/constraint': 'yes' } },
    spec: {
      group: 'constraints.gatekeeper.sh',
      scope: 'Cluster',
      names: { kind, listKind: `${kind}List`, plural, singular: plural, shortNames: names.shortNames, categories: ['constraint', 'constraints'] },
      versions: [version('v1beta1', true), version('v1alpha1', false), version('v1', false)],
    },
  };
}
