/**
 * Add-ons that change where pods run after the scheduler placed them: the cluster autoscaler
 * (more nodes) and the descheduler (pods back into balance). Rows of the add-on table
 * (config/addons.ts).
 */
import type { AddonInput } from './schema-addons.ts';
import { PROMETHEUS_SELECTOR_LABELS, RBAC } from './addons-common.ts';

/** Grows the node groups up to their maxSize when pods do not fit (config/node-groups.ts). */
export const clusterAutoscaler: AddonInput = {
  name: 'cluster-autoscaler',
  repoURL: 'https://kubernetes.github.io/autoscaler',
  chart: 'cluster-autoscaler',
  // The chart release built for Kubernetes 1.32 (appVersion 1.32.0): the autoscaler's minor must
  // match the cluster's (aws.eksVersion); move both together.
  version: '9.46.6',
  // Its own namespace (aws.serviceAccounts.clusterAutoscaler, which the IRSA role trusts), so
  // ArgoCD can create it with restricted Pod Security instead of labelling kube-system.
  namespace: 'cluster-autoscaler',
  podSecurity: 'restricted',
  clusterResources: [...RBAC],
  values: {
    cloudProvider: 'aws',
    replicaCount: 1,
    extraArgs: {
      expander: 'least-waste',
      'balance-similar-node-groups': true,
      'scale-down-unneeded-time': '10m',
    },
    // The image is distroless, user 65532.
    securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
    containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    resources: { requests: { cpu: '100m', memory: '300Mi' }, limits: { memory: '600Mi' } },
    serviceMonitor: { enabled: true, namespace: 'cluster-autoscaler', selector: { ...PROMETHEUS_SELECTOR_LABELS } },
  },
};

/**
 * The descheduler, for one reason: the scheduler places a pod once. After a node drain (an EKS
 * node-group upgrade drains every zone in turn) the drained pods land in the other zones and stay
 * there, so a service can end up with two of its three pods in one zone and lose both with it.
 * Production spreads with `DoNotSchedule` (environments[].zoneSpread); this evicts, within each
 * workload's PodDisruptionBudget, the pods that break that rule, and the scheduler puts them back
 * where the rule wants them.
 */
export const descheduler: AddonInput = {
name: 'descheduler',
repoURL: 'https://kubernetes-sigs.github.io/descheduler/',
chart: 'descheduler',
version: '0.35.0',
namespace: 'descheduler',
podSecurity: 'restricted',
clusterResources: [...RBAC],
values: {
  kind: 'Deployment',
  replicas: 2,
  leaderElection: { enabled: true },
  deschedulingInterval: '5m',
  // tools/client-go-0.35 builds this release for the e2e.
  image: { tag: 'v0.35.1' },
  resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  podSecurityContext: { seccompProfile: { type: 'RuntimeDefault' } },
  deschedulerPolicy: {
    profiles: [{
      name: 'zone-balance',
      pluginConfig: [
        {
          name: 'DefaultEvictor',
          args: {
            // Every platform pod has an emptyDir /tmp (read-only root filesystem): scratch, safe to lose.
            podProtections: { defaultDisabled: ['PodsWithLocalStorage'], extraEnabled: ['PodsWithPVC'] },
            // Evict only a pod that has somewhere else to go.
            nodeFit: true,
          },
        },
        // Hard rules only: a `ScheduleAnyway` preference is not worth an eviction.
        { name: 'RemovePodsViolatingTopologySpreadConstraint', args: { constraints: ['DoNotSchedule'] } },
      ],
      plugins: { balance: { enabled: ['RemovePodsViolatingTopologySpreadConstraint'] } },
    }],
  },
},
};
