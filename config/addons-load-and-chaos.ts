/**
 * Add-on rows of load testing and chaos (part of config/addons.ts `addonsConfig`): the k6
 * operator that runs the TestRuns of dist/cluster/performance, and Chaos Mesh for staging's
 * experiments (config/load-and-chaos.ts). Pure move from config/addons.ts.
 */
import type { AddonInput } from './schema-addons.ts';
import { CRD, MUTATING_WEBHOOK, PLATFORM_PRIORITY_CLASS, RBAC, VALIDATING_WEBHOOK } from './addons-common.ts';

const priorityClassName = PLATFORM_PRIORITY_CLASS;
const platformPriority = { priorityClassName };

export const k6Operator: AddonInput = {
  name: 'k6-operator',
  repoURL: 'https://grafana.github.io/helm-charts',
  chart: 'k6-operator',
  version: '4.2.0',
  namespace: 'k6-operator-system',
  podSecurity: 'baseline',
  serves: [{ group: 'k6.io', kinds: ['TestRun', 'PrivateLoadZone'] }],
  clusterResources: [CRD, ...RBAC],
  values: {},
};

export const chaosMesh: AddonInput = {
  name: 'chaos-mesh',
  repoURL: 'https://charts.chaos-mesh.org',
  chart: 'chaos-mesh',
  version: '2.7.2',
  namespace: 'chaos-mesh',
  // chaos-daemon injects faults into other pods' network and process namespaces.
  podSecurity: 'privileged',
  // Chaos experiments belong where failure is cheap.
  environments: ['staging'],
  serves: [{ group: 'chaos-mesh.org', kinds: ['Schedule', 'PodChaos', 'NetworkChaos', 'StressChaos', 'IOChaos', 'TimeChaos', 'DNSChaos', 'HTTPChaos', 'Workflow'] }],
  clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
  values: {
    chaosDaemon: { runtime: 'containerd', socketPath: '/run/containerd/containerd.sock', priorityClassName },
    controllerManager: {
      enableFilterNamespace: true,
      priorityClassName,
      // registry.k8s.io/pause:3.10, mirrored with its index digest unchanged (the image policies admit only ghcr.io/flextime/ by digest).
      podChaos: { podFailure: { pauseImage: 'ghcr.io/flextime/pause:3.10@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a' } },
    },
    dnsServer: platformPriority,
    // The chart's NodePort would be denied by the service-exposure policy (ingress-nginx only).
    dashboard: { securityMode: true, service: { type: 'ClusterIP' }, priorityClassName },
  },
};
