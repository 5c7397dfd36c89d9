/**
 * Who may do what, by Big 12 SSO group (`sso.groups`, subjects `<sso.groupsPrefix><group>`):
 *
 *   platform-admins  flextime-view everywhere + read cluster-scoped objects    dist/cluster/rbac
 *                    admin or flextime-on-call per environment (access.platformAdmins) dist/<env>/rbac
 *   break-glass      cluster-admin — the only cluster-admin binding           dist/cluster/rbac
 *   developers       edit or flextime-view, per environment (access.developers) dist/<env>/rbac
 *   viewers          flextime-view                                             dist/<env>/rbac
 *   on-call          flextime-on-call where access.onCall                       dist/<env>/rbac
 *   on-call-exec     flextime-exec where access.onCall (membership per incident) dist/<env>/rbac
 *
 * Nothing writes kube-system, argocd or the add-on namespaces except break-glass: they change
 * through git (ArgoCD). test/rbac-intent.test.ts compares every binding with its annotation.
 *
 * `flextime-view` is our explicit read-only role: like the built-in `view` it never includes
 * Secrets, but it lists every resource, so nothing can be aggregated into it later.
 * ServiceAccounts get nothing here: no FlexTime workload calls the Kubernetes API
 * (test/rbac.test.ts holds the table).
 */
import type { App } from 'cdk8s';
import type { Platform } from '../config/index.ts';
import { recommendedLabels } from '../lib/labels.ts';
import { ExplicitRole, GroupBinding, type RbacRule } from '../lib/explicit-rbac.ts';
import { clusterChart, envChart, type EnvContext } from './context.ts';

const SOURCE = 'charts/rbac.ts';
const READ = ['get', 'list', 'watch'];

export const VIEW_ROLE = 'flextime-view';
export const ON_CALL_ROLE = 'flextime-on-call';
export const CLUSTER_READ_ROLE = 'flextime-cluster-read';
export const EXEC_ROLE = 'flextime-exec';

/** Read-only access to everything a FlexTime namespace holds, except Secrets. */
export const VIEW_RULES: readonly RbacRule[] = [
  {
    apiGroups: [''],
    resources: ['configmaps', 'endpoints', 'events', 'limitranges', 'persistentvolumeclaims', 'pods', 'pods/log', 'pods/status', 'resourcequotas', 'serviceaccounts', 'services'],
    verbs: READ,
  },
  { apiGroups: ['apps'], resources: ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: READ },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: READ },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: READ },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: READ },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'], verbs: READ },
  { apiGroups: ['keda.sh'], resources: ['scaledjobs', 'scaledobjects', 'triggerauthentications'], verbs: READ },
  { apiGroups: ['autoscaling.k8s.io'], resources: ['verticalpodautoscalers'], verbs: READ },
  // ExternalSecret objects name Secrets Manager keys; the values only ever exist in Secrets.
  { apiGroups: ['external-secrets.io'], resources: ['externalsecrets', 'secretstores'], verbs: READ },
  { apiGroups: ['monitoring.coreos.com'], resources: ['podmonitors', 'prometheusrules', 'servicemonitors'], verbs: READ },
  { apiGroups: ['cert-manager.io'], resources: ['certificaterequests', 'certificates'], verbs: READ },
  { apiGroups: ['argoproj.io'], resources: ['analysisruns', 'analysistemplates', 'experiments', 'rollouts'], verbs: READ },
  { apiGroups: ['chaos-mesh.org'], resources: ['networkchaos', 'podchaos', 'schedules', 'stresschaos'], verbs: READ },
];

/**
 * View plus restarting what runs: `kubectl rollout restart` patches a Deployment or StatefulSet,
 * `kubectl argo rollouts restart` patches the Rollout. No exec, no Secrets, no delete.
 */
export const ON_CALL_RULES: readonly RbacRule[] = [
  ...VIEW_RULES,
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['patch'] },
  { apiGroups: ['argoproj.io'], resources: ['rollouts'], verbs: ['patch'] },
];

/** A shell in a pod: bound only to a group whose membership is granted per incident and expires. */
export const EXEC_RULES: readonly RbacRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
];

/** Cluster-scoped objects platform admins need to see (admin only covers namespaced ones). */
export const CLUSTER_READ_RULES: readonly RbacRule[] = [
  { apiGroups: [''], resources: ['namespaces', 'nodes', 'persistentvolumes'], verbs: READ },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: READ },
  { apiGroups: ['scheduling.k8s.io'], resources: ['priorityclasses'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['ingressclasses'], verbs: READ },
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings', 'clusterroles'], verbs: READ },
  { apiGroups: ['cert-manager.io'], resources: ['clusterissuers'], verbs: READ },
];

const group = (platform: Platform, name: string) => `${platform.sso.groupsPrefix}${name}`;

export function rbacChart(app: App, ctx: EnvContext): void {
  const chart = envChart(app, ctx, 'rbac', SOURCE);
  const { platform, env, namespace } = ctx;
  const { groups } = platform.sso;
  const labels = (name: string) => ctx.labels(name, 'rbac');
  const bind = (name: string, role: string, who: string, description: string) =>
    new GroupBinding(chart, name, { name, namespace, labels: labels(name), role: { kind: 'ClusterRole', name: role }, groups: [group(platform, who)], description });

  const developerRole = env.access.developers === 'edit' ? 'edit' : VIEW_ROLE;
  bind('sso-developers', developerRole, groups.developers, `developers: ${developerRole} in ${env.name} (environments[].access.developers)`);
  bind('sso-viewers', VIEW_ROLE, groups.viewers, 'viewers: read-only, never Secrets');
  if (env.access.platformAdmins === 'admin') {
    bind('sso-platform-admins', 'admin', groups.platformAdmins, `platform-admins: admin in ${env.name}, Secrets included (environments[].access.platformAdmins)`);
  } else {
    bind('sso-platform-admins', ON_CALL_ROLE, groups.platformAdmins, `platform-admins: read and restart in ${env.name}, never Secrets or exec; changes go through git (environments[].access.platformAdmins)`);
  }
  if (env.access.onCall) {
    bind('sso-on-call', ON_CALL_ROLE, groups.onCall, `on-call: read, logs and restart of Deployments, StatefulSets and Rollouts in ${env.name}, never Secrets or exec (environments[].access.onCall)`);
    bind('sso-on-call-exec', EXEC_ROLE, groups.onCallExec, `on-call-exec: kubectl exec in ${env.name} only; group membership is granted per incident, expires and is audited (docs/network.md#exec-in-production)`);
  }
}

export function clusterRbacChart(app: App, platform: Platform): void {
  const chart = clusterChart(app, 'rbac', SOURCE);
  const { groups } = platform.sso;
  const labels = (name: string) => recommendedLabels({ name, instance: name, component: 'rbac', partOf: platform.partOf });

  new ExplicitRole(chart, VIEW_ROLE, {
    name: VIEW_ROLE,
    labels: labels(VIEW_ROLE),
    rules: VIEW_RULES,
    description: 'Read-only access to a FlexTime namespace, never Secrets; bound per namespace by RoleBindings.',
  });
  new ExplicitRole(chart, ON_CALL_ROLE, {
    name: ON_CALL_ROLE,
    labels: labels(ON_CALL_ROLE),
    rules: ON_CALL_RULES,
    description: 'Incident response: flextime-view plus restart of Deployments, StatefulSets and Rollouts; no exec, no Secrets.',
  });
  new ExplicitRole(chart, EXEC_ROLE, {
    name: EXEC_ROLE,
    labels: labels(EXEC_ROLE),
    rules: EXEC_RULES,
    description: 'kubectl exec into pods; bound only to a group whose membership expires (on-call-exec).',
  });
  new ExplicitRole(chart, CLUSTER_READ_ROLE, {
    name: CLUSTER_READ_ROLE,
    labels: labels(CLUSTER_READ_ROLE),
    rules: CLUSTER_READ_RULES,
    description: 'Read cluster-scoped objects (nodes, namespaces, CRDs, classes); never Secrets.',
  });

  new GroupBinding(chart, 'sso-platform-admins-view', {
    name: 'sso-platform-admins-view',
    labels: labels('sso-platform-admins-view'),
    role: { kind: 'ClusterRole', name: VIEW_ROLE },
    groups: [group(platform, groups.platformAdmins)],
    description: 'platform-admins: read every namespace, never Secrets; writes only per environment (dist/<env>/rbac) and through git.',
  });
  new GroupBinding(chart, 'sso-platform-admins-cluster-read', {
    name: 'sso-platform-admins-cluster-read',
    labels: labels('sso-platform-admins-cluster-read'),
    role: { kind: 'ClusterRole', name: CLUSTER_READ_ROLE },
    groups: [group(platform, groups.platformAdmins)],
    description: 'platform-admins: read cluster-scoped objects.',
  });
  new GroupBinding(chart, 'sso-break-glass', {
    name: 'sso-break-glass',
    labels: labels('sso-break-glass'),
    role: { kind: 'ClusterRole', name: 'cluster-admin' },
    groups: [group(platform, groups.breakGlass)],
    description: 'BREAK-GLASS: the only cluster-admin binding. Membership of the group is granted per incident, expires, and is audited (docs/network.md#break-glass).',
  });
}
