/**
 * What every Kubernetes cluster provides before anything is synced: the API groups the API server
 * serves itself, and the objects it creates (system namespaces and priority classes, default
 * ServiceAccounts, the root CA ConfigMap, the default ClusterRoles). A need of one of these is
 * met by the cluster, not by a node of the graph.
 *
 * @see https://kubernetes.io/docs/reference/using-api/#api-groups
 */
import type { Ref } from './refs.ts';

/** API groups served by kube-apiserver and kube-aggregator without any add-on. */
const BUILTIN_GROUPS = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'rbac.authorization.k8s.io', 'networking.k8s.io',
  'storage.k8s.io', 'scheduling.k8s.io', 'apiextensions.k8s.io', 'admissionregistration.k8s.io',
  'apiregistration.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'certificates.k8s.io',
  'node.k8s.io', 'events.k8s.io', 'flowcontrol.apiserver.k8s.io', 'resource.k8s.io',
  'authentication.k8s.io', 'authorization.k8s.io',
]);

const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
const SYSTEM_PRIORITY_CLASSES = new Set(['system-cluster-critical', 'system-node-critical']);
/** User-facing roles the API server bootstraps. @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles */
const DEFAULT_CLUSTER_ROLES = new Set(['cluster-admin', 'admin', 'edit', 'view']);

/** True when the cluster itself serves the kind or holds the object `ref` names. */
export function isBuiltin(ref: Ref): boolean {
  if (ref.name === undefined) return BUILTIN_GROUPS.has(ref.group);
  switch (`${ref.group}/${ref.kind}`) {
    case '/Namespace':
      return SYSTEM_NAMESPACES.has(ref.name);
    case 'scheduling.k8s.io/PriorityClass':
      return SYSTEM_PRIORITY_CLASSES.has(ref.name);
    case '/ServiceAccount':
      return ref.name === 'default';
    case '/ConfigMap':
      return ref.name === 'kube-root-ca.crt';
    case 'rbac.authorization.k8s.io/ClusterRole':
      return DEFAULT_CLUSTER_ROLES.has(ref.name) || ref.name.startsWith('system:');
    default:
      return false;
  }
}
