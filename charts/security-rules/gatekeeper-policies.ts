/**
 * The FlexTime Gatekeeper policies as data: what each one checks (Rego), which objects it
 * reviews inside environment namespaces and outside them, its parameters and its controls.
 * charts/security.ts turns each entry into one ConstraintTemplate plus one Constraint per
 * enforcement level (from config), so nothing here is repeated per environment.
 */
import type { Environment, Platform } from '../../config/index.ts';
import type { JsonSchema, KindMatch, LabelSelector } from '../../lib/gatekeeper-policy.ts';
import { namespaceOf } from '../context.ts';
import { logCollectorHostPaths } from '../logging.ts';
import type { ControlId } from './controls.ts';
import * as objectRego from './rego-objects.ts';
import * as podRego from './rego.ts';

const rego = { ...podRego, ...objectRego };

export interface PolicyDefinition {
  /** Short name: constraints are `<name>-<enforcement>`; gator suite in policies/gatekeeper/<name>/. */
  readonly name: string;
  /** Constraint kind (template name = lower case). */
  readonly kind: string;
  readonly description: string;
  readonly rego: string;
  readonly controls: readonly ControlId[];
  readonly parameters?: Readonly<Record<string, JsonSchema>>;
  /** Parameter values, the same for every constraint of the policy. */
  readonly values?: (platform: Platform) => Record<string, unknown>;
  /** What it reviews in environment namespaces; one Constraint per enforcement level. */
  readonly environments?: {
    readonly kinds: readonly KindMatch[];
    /** @default - every environment */
    readonly when?: (env: Environment) => boolean;
  };
  /**
   * What it reviews outside environments (namespaces without the environment label, and
   * cluster-scoped objects selected by `labelSelector`), at `platformEnforcementAction`.
   * @default - environments only
   */
  readonly platform?: {
    readonly kinds: readonly KindMatch[];
    readonly scope?: 'Namespaced' | 'Cluster';
    readonly labelSelector?: (platform: Platform) => LabelSelector;
    /** Namespaces exempt from this policy only, besides the global exemptions. */
    readonly excludedNamespaces?: (platform: Platform) => readonly string[];
  };
}

/** Pods and every kind that carries a Pod template (lib.pods in rego.ts reads all of them). */
export const POD_KINDS: readonly KindMatch[] = [
  { apiGroups: [''], kinds: ['Pod', 'ReplicationController'] },
  { apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'] },
  { apiGroups: ['batch'], kinds: ['Job', 'CronJob'] },
  { apiGroups: ['argoproj.io'], kinds: ['Rollout'] },
  { apiGroups: ['keda.sh'], kinds: ['ScaledJob'] },
];

/** Namespaces of add-ons whose Pod Security level is `privileged` (config/addons.ts). */
export function hostAccessNamespaces(platform: Platform): string[] {
  return [...new Set(platform.addons.filter((a) => a.podSecurity === 'privileged').map((a) => a.namespace))]
    .filter((ns) => !platform.security.gatekeeper.exemptNamespaces.includes(ns))
    .sort();
}

const stringList = (description: string): JsonSchema => ({ type: 'array', description, items: { type: 'string' } });

/** Every Chaos Mesh kind (Schedule, PodChaos, NetworkChaos, Workflow, ...). */
export const CHAOS_KINDS: readonly KindMatch[] = [{ apiGroups: ['chaos-mesh.org'], kinds: ['*'] }];

/** Namespaces of the environments without chaos experiments in config (production always: config refuses chaos there). */
export function chaosProtectedNamespaces(platform: Platform): string[] {
  return platform.environments.filter((e) => !e.chaos).map((e) => namespaceOf(platform, e)).sort();
}

export const POLICIES: readonly PolicyDefinition[] = [
  {
    name: 'container-security',
    kind: 'FlexTimeContainerSecurity',
    description: 'Containers run as non-root with all capabilities dropped, no privilege escalation, not privileged, and seccomp RuntimeDefault (defence in depth beside Pod Security Admission).',
    rego: rego.CONTAINER_SECURITY,
    controls: ['CIS-K8S-5.2.2', 'CIS-K8S-5.2.6', 'CIS-K8S-5.2.7', 'CIS-K8S-5.2.9', 'CIS-K8S-5.2.10', 'CIS-K8S-5.7.2', 'CIS-K8S-5.7.3',
      'CIS-EKS-4.2.1', 'CIS-EKS-4.2.5', 'NIST-AC-6', 'NIST-CM-6', 'NIST-SC-39', 'SOC2-CC6.1', 'SOC2-CC6.8'],
    environments: { kinds: POD_KINDS },
  },
  {
    name: 'allowed-images',
    kind: 'FlexTimeAllowedImages',
    description: 'Images come only from the allowed registries and name a tag or digest other than latest.',
    rego: rego.ALLOWED_IMAGES,
    controls: ['CIS-K8S-5.5.1', 'NIST-CM-7', 'NIST-SI-7', 'SOC2-CC8.1', 'SOC2-CC6.8'],
    parameters: { registries: stringList('Registry prefixes images may come from, each ending in "/".') },
    values: (p) => ({ registries: [...p.security.gatekeeper.allowedRegistries] }),
    environments: { kinds: POD_KINDS },
  },
  {
    name: 'image-digest',
    kind: 'FlexTimeImageDigest',
    description: 'Images are pinned by digest (repo@sha256:...), so what runs is exactly what was reviewed and scanned.',
    rego: rego.IMAGE_DIGEST,
    controls: ['CIS-K8S-5.5.1', 'NIST-SI-7', 'NIST-CM-6', 'SOC2-CC8.1'],
    environments: { kinds: POD_KINDS, when: (env) => env.security.requireImageDigest },
  },
  {
    name: 'container-resources',
    kind: 'FlexTimeContainerResources',
    description: 'Every container sets CPU and memory requests and limits.',
    rego: rego.CONTAINER_RESOURCES,
    controls: ['NIST-SC-6', 'NIST-CM-6', 'SOC2-A1.1'],
    environments: { kinds: POD_KINDS },
  },
  {
    name: 'container-probes',
    kind: 'FlexTimeContainerProbes',
    description: 'Every long-running container defines liveness and readiness probes (Jobs are exempt).',
    rego: rego.CONTAINER_PROBES,
    controls: ['NIST-CM-6', 'SOC2-A1.1', 'SOC2-CC7.2'],
    environments: { kinds: POD_KINDS },
  },
  {
    name: 'required-labels',
    kind: 'FlexTimeRequiredLabels',
    description: 'Workloads, their Pod templates, Services and Ingresses carry the labels that inventory, cost and alert routing rely on.',
    rego: rego.REQUIRED_LABELS,
    controls: ['NIST-CM-8', 'SOC2-CC8.1'],
    parameters: { labels: stringList('Label keys that must be present with a non-empty value.') },
    values: (p) => ({ labels: [...p.security.gatekeeper.requiredLabels] }),
    environments: {
      kinds: [
        ...POD_KINDS,
        { apiGroups: [''], kinds: ['Service'] },
        { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] },
      ],
    },
  },
  {
    name: 'service-exposure',
    kind: 'FlexTimeServiceExposure',
    description: 'Services of type NodePort or LoadBalancer exist only in the ingress controller namespace; everything else is reached through the ingress.',
    rego: rego.SERVICE_EXPOSURE,
    controls: ['NIST-SC-7', 'NIST-AC-4', 'SOC2-CC6.6'],
    parameters: { allowedNamespaces: stringList('Namespaces allowed to create NodePort/LoadBalancer Services.') },
    values: (p) => ({ allowedNamespaces: [...p.security.gatekeeper.loadBalancerNamespaces] }),
    environments: { kinds: [{ apiGroups: [''], kinds: ['Service'] }] },
    platform: { kinds: [{ apiGroups: [''], kinds: ['Service'] }], scope: 'Namespaced' },
  },
  {
    name: 'host-isolation',
    kind: 'FlexTimeHostIsolation',
    description: 'Pods do not share the host network, PID or IPC namespace, mount hostPath volumes or bind host ports.',
    rego: rego.HOST_ISOLATION,
    controls: ['CIS-K8S-5.2.3', 'CIS-K8S-5.2.4', 'CIS-K8S-5.2.5', 'CIS-K8S-5.2.12', 'CIS-K8S-5.2.13',
      'CIS-EKS-4.2.2', 'CIS-EKS-4.2.3', 'CIS-EKS-4.2.4', 'NIST-SC-39', 'NIST-AC-6', 'SOC2-CC6.1'],
    parameters: {
      hostPathExceptions: {
        type: 'array',
        description: 'hostPath volumes allowed in one namespace: exactly this path, mounted read-only where readOnly is true (the log collector).',
        items: { type: 'object', properties: { namespace: { type: 'string' }, path: { type: 'string' }, readOnly: { type: 'boolean' } } },
      },
    },
    values: (p) => ({ hostPathExceptions: logCollectorHostPaths(p).map((h) => ({ namespace: p.observability.logs.namespace, ...h })) }),
    environments: { kinds: POD_KINDS },
    platform: {
      kinds: POD_KINDS,
      scope: 'Namespaced',
      // Node agents (node exporter, chaos-daemon) need the host: the add-on table marks their
      // namespaces Pod Security `privileged`, and only those are spared.
      excludedNamespaces: (p) => hostAccessNamespaces(p),
    },
  },
  {
    name: 'ingress-tls',
    kind: 'FlexTimeIngressTLS',
    description: 'Every Ingress terminates TLS for each of its hosts with a certificate Secret.',
    rego: rego.INGRESS_TLS,
    controls: ['CIS-EKS-5.4.5', 'NIST-SC-8', 'SOC2-CC6.7'],
    environments: { kinds: [{ apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] }] },
    platform: { kinds: [{ apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] }], scope: 'Namespaced' },
  },
  {
    name: 'chaos-containment',
    kind: 'FlexTimeChaosContainment',
    description: 'Chaos Mesh objects exist only in environments that configure chaos, and never select pods of another environment (production is always protected).',
    rego: rego.CHAOS_CONTAINMENT,
    controls: ['NIST-SC-6', 'NIST-CM-6', 'SOC2-A1.1', 'SOC2-CC8.1'],
    parameters: { protectedNamespaces: stringList('Namespaces no chaos object may live in or select pods of.') },
    values: (p) => ({ protectedNamespaces: chaosProtectedNamespaces(p) }),
    environments: { kinds: CHAOS_KINDS },
    platform: { kinds: CHAOS_KINDS, scope: 'Namespaced' },
  },
  {
    name: 'rbac-wildcards',
    kind: 'FlexTimeRbacWildcards',
    description: 'Roles in environment namespaces, and our own ClusterRoles, list API groups, resources and verbs explicitly: no "*".',
    rego: rego.RBAC_WILDCARDS,
    controls: ['CIS-K8S-5.1.3', 'CIS-EKS-4.1.3', 'NIST-AC-6', 'SOC2-CC6.3'],
    environments: { kinds: [{ apiGroups: ['rbac.authorization.k8s.io'], kinds: ['Role'] }] },
    platform: {
      // Upstream add-ons ship their own ClusterRoles (some with wildcards); ours carry part-of.
      kinds: [{ apiGroups: ['rbac.authorization.k8s.io'], kinds: ['ClusterRole'] }],
      scope: 'Cluster',
      labelSelector: (p) => ({ matchLabels: { 'app.kubernetes.io/part-of': p.partOf } }),
    },
  },
];
