/**
 * Add-ons that move pods after the scheduler placed them. One row of the add-on table
 * (config/addons.ts).
 */
import type { AddonInput } from './schema-addons.ts';
import { RBAC } from './addons-common.ts';

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
    // tools/descheduler builds this release for the e2e.
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
