/**
 * Kinds that have no namespace. Every other kind the engine writes must set
 * `metadata.namespace`, so nothing silently lands in whatever namespace kubectl defaults to.
 */
const CLUSTER_SCOPED = new Set([
  'v1/Namespace',
  'v1/PersistentVolume',
  'scheduling.k8s.io/v1/PriorityClass',
  'rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'apiextensions.k8s.io/v1/CustomResourceDefinition',
  'storage.k8s.io/v1/StorageClass',
  'networking.k8s.io/v1/IngressClass',
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration',
  'cert-manager.io/v1/ClusterIssuer',
  'external-secrets.io/v1beta1/ClusterSecretStore',
  'external-secrets.io/v1/ClusterSecretStore',
  'templates.gatekeeper.sh/v1/ConstraintTemplate',
  'policy.sigstore.dev/v1beta1/ClusterImagePolicy',
]);

/** Gatekeeper creates one cluster-scoped kind per ConstraintTemplate in this group. */
const CLUSTER_SCOPED_GROUPS = ['constraints.gatekeeper.sh/'];

export function isClusterScoped(apiVersion: string, kind: string): boolean {
  return CLUSTER_SCOPED.has(`${apiVersion}/${kind}`) || CLUSTER_SCOPED_GROUPS.some((g) => apiVersion.startsWith(g));
}
