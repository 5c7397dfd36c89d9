/**
 * Risk flags: changes a reviewer must look at before approving, each with the objects involved.
 *
 * Every flag is one small rule function `(diffs, context) => findings`. A rule reads the
 * before/after objects of an ObjectDiff (not the rendered text), so key order, formatting and
 * list order never raise a flag.
 */
import { groupOf } from '../synth/layout.ts';
import { describeObject, type DiffObject, type LocatedObject, type ObjectDiff } from './objects.ts';
import { containersOf, podTemplateOf, type PodSpec, type SecurityContext } from './pods.ts';
import { deepEqual } from './values.ts';
import { parseAllDocuments } from 'yaml';
import { parseCpu, parseMemory } from '../values/quantity.ts';
import { selectorMatches } from '../network/reachability.ts';

export type RiskId =
  | 'prune'
  | 'protected'
  | 'rbac-widened'
  | 'network-widened'
  | 'capacity-lowered'
  | 'resources-changed'
  | 'security-weakened'
  | 'image-changed'
  | 'policy-disabled';

export interface RiskFinding {
  readonly rule: RiskId;
  /** Group of the object (environment folder or `argocd`); `cluster-wide` for evaluator pairs. */
  readonly group: string;
  /** `Deployment flextime-production/api-svc`. */
  readonly object: string;
  /** What changed, e.g. `replicas 3 → 2`. */
  readonly detail: string;
}

/** One allowed connection as the evaluator prints it, e.g. `flextime-staging/web → flextime-staging/api-svc:3000/TCP`. */
export type ReachablePair = string;

/** A pod family as the reachability evaluator sees it: one per workload. */
export interface PodRef {
  readonly namespace: string;
  /** Name of the workload that runs the pods (printed `<namespace>/<name>`). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: ReadonlyArray<{ readonly port: number; readonly protocol: string; readonly name?: string }>;
}

export interface ReachabilityInput {
  readonly policies: readonly DiffObject[];
  readonly pods: readonly PodRef[];
  /** Namespace objects, for namespaceSelector labels. */
  readonly namespaces: readonly DiffObject[];
  /** Address ranges outside the cluster to probe (ipBlock rules). */
  readonly externals: ReadonlyArray<{ readonly name: string; readonly cidr: string }>;
}

/** Stands for "some address outside the cluster": any ipBlock rule that allows one matches it. */
export const OUTSIDE_PROBE = { name: 'outside-the-cluster', cidr: '0.0.0.0/0' } as const;

/**
 * A NetworkPolicy evaluator: every connection the policies allow between the pods.
 * A pair allowed after the change but not before is a widening.
 */
export type ReachabilityEvaluator = (input: ReachabilityInput) => ReadonlySet<ReachablePair>;

export interface RiskOptions {
  /**
   * Groups (the folder under dist/) in which every change is flagged.
   * @default [] - nothing is protected
   */
  readonly protectedGroups?: readonly string[];
  /**
   * Further namespaces in which every change is flagged, including ArgoCD Applications that
   * deploy there. Namespaces of objects in `protectedGroups` are always protected.
   * @default []
   */
  readonly protectedNamespaces?: readonly string[];
  /**
   * A request or limit that moves by more than this fraction of its old value is flagged.
   * @default 0.5
   */
  readonly resourceChangeRatio?: number;
  /**
   * NetworkPolicy evaluator. Without one, any new or changed ingress/egress rule, selector
   * change or removed policy counts as widened (conservative).
   * @default - conservative rule-level comparison
   */
  readonly reachability?: ReachabilityEvaluator;
  /**
   * Annotation keys (on the object or its pod template) that record a security exception.
   * @default /exception|exempt|^ignore-check\.kube-linter\.io\//i
   */
  readonly exceptionAnnotation?: RegExp;
}

export interface RiskContext {
  readonly before: readonly LocatedObject[];
  readonly after: readonly LocatedObject[];
  readonly options: RiskOptions;
}

export type RiskRule = (diffs: readonly ObjectDiff[], context: RiskContext) => RiskFinding[];

function finding(rule: RiskId, d: ObjectDiff, detail: string): RiskFinding {
  return { rule, group: d.group, object: describeObject(d), detail };
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

// ---------------------------------------------------------------------------------------------
// Objects deleted: ArgoCD prunes them from the cluster on sync.

export const pruneRule: RiskRule = (diffs) =>
  diffs.filter((d) => d.status === 'removed').map((d) => finding('prune', d, `deleted; ArgoCD prunes it (${d.path})`));

// ---------------------------------------------------------------------------------------------
// Anything in a protected environment (production).

export const protectedRule: RiskRule = (diffs, { before, after, options }) => {
  const groups = new Set(options.protectedGroups ?? []);
  // A namespace any protected-group object lives in is protected too (e.g. an Application in
  // argocd/ that deploys into it).
  const namespaces = new Set([
    ...(options.protectedNamespaces ?? []),
    ...[...before, ...after].filter((o) => groups.has(groupOf(o.path))).flatMap((o) => o.object.metadata?.namespace ?? []),
  ]);
  return diffs
    .filter((d) => {
      const destination = (o?: DiffObject) => (o?.spec as { destination?: { namespace?: string } } | undefined)?.destination?.namespace;
      return groups.has(d.group) || namespaces.has(d.namespace ?? '') ||
        [destination(d.old), destination(d.new)].some((ns) => ns !== undefined && namespaces.has(ns));
    })
    .map((d) => finding('protected', d, d.status === 'changed' ? `${d.changes.length} field(s) changed` : d.status));
};

// ---------------------------------------------------------------------------------------------
// RBAC widened: a permission or subject that was not there before.

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** One permission: `apiGroup|resource|verb|resourceName` or `url|verb`. */
function permissions(rules: PolicyRule[] | undefined): string[] {
  const out: string[] = [];
  for (const r of rules ?? []) {
    for (const verb of r.verbs ?? []) {
      for (const url of r.nonResourceURLs ?? []) out.push(`url ${url} ${verb}`);
      for (const group of r.apiGroups ?? []) {
        for (const resource of r.resources ?? []) {
          for (const name of r.resourceNames?.length ? r.resourceNames : ['*']) {
            out.push(`${verb} ${group === '' ? 'core' : group}/${resource}${name === '*' ? '' : `/${name}`}`);
          }
        }
      }
    }
  }
  return out;
}

function covered(permission: string, rules: PolicyRule[] | undefined): boolean {
  const [head, ...rest] = permission.split(' ');
  const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v) || (list ?? []).includes('*');
  return (rules ?? []).some((r) => {
    if (head === 'url') return has(r.verbs, rest[1]!) && has(r.nonResourceURLs, rest[0]!);
    const verb = head!;
    const [group, resource, name] = rest[0]!.split('/') as [string, string, string | undefined];
    const names = r.resourceNames ?? [];
    return has(r.verbs, verb) && has(r.apiGroups, group === 'core' ? '' : group) && has(r.resources, resource) &&
      (names.length === 0 || (name !== undefined && names.includes(name)));
  });
}

/** `get core/pods, list core/pods, get core/nodes` → `get,list core/pods; get core/nodes`, grouped by verb set. */
export function compactPermissions(permissions: readonly string[]): string {
  const verbsOf = new Map<string, string[]>();
  for (const p of permissions) {
    const [verb, ...target] = p.startsWith('url ') ? [p.split(' ')[2]!, 'url', p.split(' ')[1]!] : p.split(' ');
    const key = target.join(' ');
    verbsOf.set(key, [...(verbsOf.get(key) ?? []), verb!]);
  }
  const byVerbs = new Map<string, string[]>();
  for (const [target, verbs] of verbsOf) {
    const key = verbs.join(',');
    byVerbs.set(key, [...(byVerbs.get(key) ?? []), target]);
  }
  return [...byVerbs].map(([verbs, targets]) => `${verbs} ${targets.join(', ')}`).join('; ');
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

export const rbacRule: RiskRule = (diffs) => {
  const out: RiskFinding[] = [];
  for (const d of diffs) {
    if (d.status === 'removed') continue;
    if (d.kind === 'Role' || d.kind === 'ClusterRole') {
      const oldRules = d.old?.rules as PolicyRule[] | undefined;
      const gained = [...new Set(permissions(d.new!.rules as PolicyRule[] | undefined))].filter((p) => !covered(p, oldRules));
      if (gained.length) out.push(finding('rbac-widened', d, `grants ${compactPermissions(gained)}`));
      if (!deepEqual(d.old?.aggregationRule, d.new!.aggregationRule) && d.new!.aggregationRule) {
        out.push(finding('rbac-widened', d, `aggregationRule now ${show(d.new!.aggregationRule)}`));
      }
    }
    if (d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding') {
      const key = (s: Subject) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
      const before = new Set(((d.old?.subjects as Subject[] | undefined) ?? []).map(key));
      const gained = ((d.new!.subjects as Subject[] | undefined) ?? []).map(key).filter((s) => !before.has(s));
      const roleRef = (d.new!.roleRef as { kind: string; name: string } | undefined);
      if (gained.length) out.push(finding('rbac-widened', d, `binds ${roleRef?.kind} ${roleRef?.name} to ${gained.join(', ')}`));
      if (d.old && !deepEqual(d.old.roleRef, d.new!.roleRef)) {
        out.push(finding('rbac-widened', d, `roleRef ${show(d.old.roleRef)} → ${show(d.new!.roleRef)}`));
      }
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// NetworkPolicy reachability widened.

interface NetworkPolicySpec {
  podSelector?: unknown;
  policyTypes?: string[];
  ingress?: unknown[];
  egress?: unknown[];
}

/** Every workload's pods, as the reachability evaluator sees them. */
export function podRefs(objects: readonly LocatedObject[]): PodRef[] {
  const out: PodRef[] = [];
  for (const { object } of objects) {
    const template = podTemplateOf(object);
    if (!template) continue;
    out.push({
      namespace: object.metadata.namespace ?? '',
      name: object.metadata.name ?? '',
      labels: template.labels,
      ports: containersOf(template.spec).flatMap(({ container }) =>
        (container.ports ?? [])
          .filter((p) => p.containerPort !== undefined)
          .map((p) => ({ port: p.containerPort!, protocol: p.protocol ?? 'TCP', ...(p.name ? { name: p.name } : {}) })),
      ),
    });
  }
  return out;
}

function reachabilityInput(objects: readonly LocatedObject[]): ReachabilityInput {
  return {
    policies: objects.map((o) => o.object).filter((o) => o.kind === 'NetworkPolicy'),
    pods: podRefs(objects),
    namespaces: objects.map((o) => o.object).filter((o) => o.kind === 'Namespace'),
    externals: [OUTSIDE_PROBE],
  };
}

/** Without an evaluator: any rule that is new, or a policy that is gone, may allow more. */
function conservativeNetworkFindings(diffs: readonly ObjectDiff[]): RiskFinding[] {
  const out: RiskFinding[] = [];
  for (const d of diffs.filter((x) => x.kind === 'NetworkPolicy')) {
    const was = d.old?.spec as NetworkPolicySpec | undefined;
    const now = d.new?.spec as NetworkPolicySpec | undefined;
    if (!now) {
      out.push(finding('network-widened', d, 'policy removed: the pods it selected lose its isolation'));
      continue;
    }
    if (was && !deepEqual(was.podSelector, now.podSelector)) {
      out.push(finding('network-widened', d, `podSelector ${show(was.podSelector)} → ${show(now.podSelector)}`));
    }
    for (const direction of ['ingress', 'egress'] as const) {
      const fresh = (now[direction] ?? []).filter((rule) => !(was?.[direction] ?? []).some((old) => deepEqual(old, rule)));
      for (const rule of fresh) out.push(finding('network-widened', d, `${was ? 'new or changed' : 'new'} ${direction} rule ${show(rule)}`));
      const type = direction === 'ingress' ? 'Ingress' : 'Egress';
      if (was?.policyTypes?.includes(type) && !now.policyTypes?.includes(type)) {
        out.push(finding('network-widened', d, `no longer restricts ${type}`));
      }
    }
  }
  return out;
}

export const networkRule: RiskRule = (diffs, { before, after, options }) => {
  const evaluate = options.reachability;
  if (!evaluate) return conservativeNetworkFindings(diffs);
  const touched = diffs.some((d) => d.kind === 'NetworkPolicy' || d.kind === 'Namespace' || podTemplateOf(d.new ?? d.old));
  if (!touched) return [];
  // Peers that no rendered pod stands for (add-on namespaces, external ranges) get probe pods,
  // the same on both sides, so a rule that newly admits them still shows up as a new pair.
  const probes = peerProbes(
    [...before, ...after].map((o) => o.object).filter((o) => o.kind === 'NetworkPolicy'),
    [...podRefs(before), ...podRefs(after)],
  );
  const input = (objects: readonly LocatedObject[]): ReachabilityInput => {
    const base = reachabilityInput(objects);
    return { ...base, pods: [...base.pods, ...probes.pods], namespaces: [...base.namespaces, ...probes.namespaces] };
  };
  const groupOfNamespace = new Map(
    [...before, ...after].filter((o) => o.object.metadata?.namespace).map((o) => [o.object.metadata.namespace!, groupOf(o.path)]),
  );
  const was = evaluate(input(before));
  // Connections between two probes say nothing about our workloads.
  const probe = (endpoint: string) => endpoint.startsWith(OUTSIDE_PROBE.name) || /\/peer\(/.test(endpoint);
  return [...evaluate(input(after))]
    .filter((pair) => !was.has(pair) && !pair.split(' → ').every(probe))
    .sort()
    .map((pair) => {
      // Listed under the environment of the rendered pod that gains the connection.
      const [source, destination] = pair.split(' → ').map((e) => (probe(e) ? undefined : e.split('/')[0]));
      const group = groupOfNamespace.get(destination ?? source ?? '') ?? 'cluster-wide';
      return { rule: 'network-widened' as const, group, object: 'allowed connection', detail: `new: ${pair}` };
    });
};

interface PeerSelector {
  matchLabels?: Record<string, string>;
}

/** One probe pod per peer selector that the policies mention, in a namespace its selector matches. */
export function peerProbes(policies: readonly DiffObject[], rendered: readonly PodRef[] = []): { pods: PodRef[]; namespaces: DiffObject[] } {
  const pods = new Map<string, PodRef>();
  const namespaces = new Map<string, DiffObject>();
  for (const policy of policies) {
    const spec = (policy.spec ?? {}) as { ingress?: Array<{ from?: unknown[] }>; egress?: Array<{ to?: unknown[] }> };
    const peers = [...(spec.ingress ?? []).flatMap((r) => r.from ?? []), ...(spec.egress ?? []).flatMap((r) => r.to ?? [])] as Array<{
      podSelector?: PeerSelector;
      namespaceSelector?: PeerSelector;
    }>;
    for (const peer of peers) {
      if (!peer.podSelector && !peer.namespaceSelector) continue;
      const nsLabels = peer.namespaceSelector?.matchLabels ?? {};
      const namespace = peer.namespaceSelector
        ? (nsLabels['kubernetes.io/metadata.name'] ?? `peer-namespace(${labelText(nsLabels)})`)
        : (policy.metadata.namespace ?? '');
      if (peer.namespaceSelector && !namespaces.has(namespace)) {
        namespaces.set(namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: nsLabels } });
      }
      const labels = peer.podSelector?.matchLabels ?? {};
      const known = !peer.namespaceSelector || nsLabels['kubernetes.io/metadata.name'];
      const standsFor = (pod: PodRef) => pod.namespace === namespace && Object.entries(labels).every(([k, v]) => pod.labels[k] === v);
      if (known && peer.podSelector && rendered.some(standsFor)) continue;
      const name = `peer(${labelText(labels)})`;
      pods.set(`${namespace}/${name}`, { namespace, name, labels, ports: [] });
    }
  }
  return { pods: [...pods.values()], namespaces: [...namespaces.values()] };
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') || 'any';
}

// ---------------------------------------------------------------------------------------------
// Capacity lowered: replicas, autoscaler floors/ceilings, PodDisruptionBudgets.

function numberAt(o: DiffObject | undefined, ...path: string[]): number | undefined {
  const v = path.reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], o);
  return typeof v === 'number' ? v : undefined;
}

/** Fields whose value going down lowers capacity, with the default Kubernetes assumes. */
const CAPACITY_FIELDS: Record<string, ReadonlyArray<{ path: string[]; default?: number }>> = {
  Deployment: [{ path: ['spec', 'replicas'] }],
  StatefulSet: [{ path: ['spec', 'replicas'] }],
  ReplicaSet: [{ path: ['spec', 'replicas'] }],
  Rollout: [{ path: ['spec', 'replicas'] }],
  HorizontalPodAutoscaler: [{ path: ['spec', 'minReplicas'], default: 1 }, { path: ['spec', 'maxReplicas'] }],
  ScaledObject: [{ path: ['spec', 'minReplicaCount'], default: 0 }, { path: ['spec', 'maxReplicaCount'], default: 100 }],
};

export const capacityRule: RiskRule = (diffs) => {
  const out: RiskFinding[] = [];
  for (const d of diffs) {
    if (d.kind === 'PodDisruptionBudget') {
      out.push(...pdbFindings(d));
      continue;
    }
    if (d.status !== 'changed') continue;
    for (const field of CAPACITY_FIELDS[d.kind] ?? []) {
      const was = numberAt(d.old, ...field.path) ?? field.default;
      const now = numberAt(d.new, ...field.path) ?? field.default;
      if (was !== undefined && now !== undefined && now < was) {
        out.push(finding('capacity-lowered', d, `${field.path.join('.')} ${was} → ${now}`));
      }
    }
  }
  return out;
};

function pdbFindings(d: ObjectDiff): RiskFinding[] {
  if (d.status === 'removed') return [finding('capacity-lowered', d, 'PodDisruptionBudget removed: voluntary evictions are no longer limited')];
  if (d.status !== 'changed') return [];
  type Budget = { minAvailable?: number | string; maxUnavailable?: number | string };
  const was = (d.old!.spec ?? {}) as Budget;
  const now = (d.new!.spec ?? {}) as Budget;
  const value = (v: number | string | undefined) => (typeof v === 'string' ? { n: parseFloat(v), pct: true } : v === undefined ? undefined : { n: v, pct: false });
  for (const [field, lowerIsWorse] of [['minAvailable', true], ['maxUnavailable', false]] as const) {
    const a = value(was[field]);
    const b = value(now[field]);
    if (a === undefined && b === undefined) continue;
    if (!a || !b || a.pct !== b.pct) {
      if (!deepEqual(was, now)) return [finding('capacity-lowered', d, `budget ${show(was)} → ${show(now)}`)];
      continue;
    }
    if (lowerIsWorse ? b.n < a.n : b.n > a.n) return [finding('capacity-lowered', d, `${field} ${was[field]} → ${now[field]}`)];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Requests/limits moved by more than the ratio (default 50 %).

export const resourcesRule: RiskRule = (diffs, { options }) => {
  const ratio = options.resourceChangeRatio ?? 0.5;
  const out: RiskFinding[] = [];
  for (const d of diffs.filter((x) => x.status === 'changed')) {
    const before = podTemplateOf(d.old);
    const after = podTemplateOf(d.new);
    if (!before || !after) continue;
    const oldByName = new Map(containersOf(before.spec).map(({ container }) => [container.name, container]));
    for (const { container } of containersOf(after.spec)) {
      const was = oldByName.get(container.name);
      if (!was) continue;
      for (const section of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory'] as const) {
          const a = was.resources?.[section]?.[resource];
          const b = container.resources?.[section]?.[resource];
          if (a === undefined) continue;
          const label = `container ${container.name} ${section}.${resource}`;
          if (b === undefined) {
            out.push(finding('resources-changed', d, `${label} ${a} → (none)`));
            continue;
          }
          const parse = resource === 'cpu' ? parseCpu : parseMemory;
          const x = parse(String(a));
          const y = parse(String(b));
          if (x === undefined || y === undefined || x === 0) continue;
          const change = (y - x) / x;
          if (Math.abs(change) > ratio) {
            out.push(finding('resources-changed', d, `${label} ${a} → ${b} (${change > 0 ? '+' : ''}${Math.round(change * 100)} %)`));
          }
        }
      }
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Security context weakened, or a Pod Security exception added.

const PSS_LEVELS = ['privileged', 'baseline', 'restricted'];

/** Every way a pod falls short of PSS `restricted` (plus a few hardening defaults), as sentences. */
function weaknesses(spec: PodSpec): Set<string> {
  const out = new Set<string>();
  const pod: SecurityContext = spec.securityContext ?? {};
  if (spec.hostNetwork) out.add('hostNetwork: true');
  if (spec.hostPID) out.add('hostPID: true');
  if (spec.hostIPC) out.add('hostIPC: true');
  if (spec.automountServiceAccountToken !== false) out.add('service account token mounted');
  for (const v of spec.volumes ?? []) if (v.hostPath) out.add(`volume ${v.name} is a hostPath`);
  for (const { container, init } of containersOf(spec)) {
    const c: SecurityContext = container.securityContext ?? {};
    const at = `${init ? 'init container' : 'container'} ${container.name}`;
    const pick = <K extends keyof SecurityContext>(k: K) => c[k] ?? pod[k];
    if (pick('runAsNonRoot') !== true) out.add(`${at}: runAsNonRoot not true`);
    if (pick('runAsUser') === 0) out.add(`${at}: runAsUser 0`);
    if (c.privileged) out.add(`${at}: privileged`);
    if (c.allowPrivilegeEscalation !== false) out.add(`${at}: allowPrivilegeEscalation not false`);
    if (c.readOnlyRootFilesystem !== true) out.add(`${at}: root filesystem writable`);
    if (!(c.capabilities?.drop ?? []).includes('ALL')) out.add(`${at}: capabilities not dropping ALL`);
    for (const cap of c.capabilities?.add ?? []) out.add(`${at}: adds capability ${cap}`);
    const seccomp = (c.seccompProfile ?? pod.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.add(`${at}: seccompProfile ${seccomp ?? 'unset'}`);
    for (const p of container.ports ?? []) if (p.hostPort) out.add(`${at}: hostPort ${p.hostPort}`);
  }
  return out;
}

function templateAnnotations(o: DiffObject | undefined): Record<string, string> {
  const path = o && (o.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template']);
  const template = path?.reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], o) as
    | { metadata?: { annotations?: Record<string, string> } }
    | undefined;
  return template?.metadata?.annotations ?? {};
}

export const securityRule: RiskRule = (diffs, { options }) => {
  const exception = options.exceptionAnnotation ?? /exception|exempt|^ignore-check\.kube-linter\.io\//i;
  const out: RiskFinding[] = [];
  for (const d of diffs.filter((x) => x.status !== 'removed')) {
    const after = podTemplateOf(d.new);
    if (after) {
      const before = podTemplateOf(d.old);
      const had = before ? weaknesses(before.spec) : new Set<string>();
      for (const w of weaknesses(after.spec)) if (!had.has(w)) out.push(finding('security-weakened', d, w));
    }
    // Exceptions are recorded on the object or on its pod template.
    const annotated = (o?: DiffObject) => ({ ...o?.metadata?.annotations, ...templateAnnotations(o) });
    const oldAnnotations = annotated(d.old);
    for (const [key, value] of Object.entries(annotated(d.new))) {
      if (exception.test(key) && oldAnnotations[key] !== value) {
        out.push(finding('security-weakened', d, `exception annotation ${key}: ${value}`));
      }
    }
    if (d.kind === 'Namespace') {
      const label = 'pod-security.kubernetes.io/enforce';
      const was = d.old?.metadata?.labels?.[label] ?? (d.old ? 'privileged' : 'restricted');
      const now = d.new!.metadata?.labels?.[label] ?? 'privileged';
      if (PSS_LEVELS.indexOf(now) < PSS_LEVELS.indexOf(was)) out.push(finding('security-weakened', d, `${label} ${was} → ${now}`));
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Image changed: any `image` field (pod specs, Helm values), with old → new digest.

export const imageRule: RiskRule = (diffs) => {
  const out: RiskFinding[] = [];
  for (const d of diffs) {
    for (const change of d.changes) {
      if (change.op !== 'changed' || !/(^|[.\]])image(\.(tag|digest))?$/.test(change.path)) continue;
      out.push(finding('image-changed', d, `${change.path}: ${show(change.old)} → ${show(change.new)}`));
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// CRD-bound policy disabled: Gatekeeper constraint relaxed or removed, Kyverno policy set to
// audit, Falco rule disabled or removed.

const GATEKEEPER_ACTIONS = ['dryrun', 'warn', 'deny'];

interface ConstraintMatch {
  namespaces?: string[];
  excludedNamespaces?: string[];
  namespaceSelector?: Parameters<typeof selectorMatches>[0];
}

/** Does a Gatekeeper `match` cover namespace `name` (labels `labels`)? Names may end in `*`. */
function constraintCovers(match: ConstraintMatch | undefined, name: string, labels: Record<string, string>): boolean {
  const named = (list: string[]) => list.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p === name));
  if (match?.namespaces?.length && !named(match.namespaces)) return false;
  if (match?.excludedNamespaces && named(match.excludedNamespaces)) return false;
  return !match?.namespaceSelector || selectorMatches(match.namespaceSelector, { ...labels, 'kubernetes.io/metadata.name': name });
}

/** Strongest enforcementAction per `constraint kind|namespace` over the rendered namespaces. */
function enforcement(objects: readonly LocatedObject[]): Map<string, { level: number; group: string }> {
  const namespaces = objects.filter((o) => o.object.kind === 'Namespace');
  const levels = new Map<string, { level: number; group: string }>();
  for (const { object } of objects) {
    if (!object.apiVersion.startsWith('constraints.gatekeeper.sh/')) continue;
    const spec = (object.spec ?? {}) as { enforcementAction?: string; match?: ConstraintMatch };
    const level = GATEKEEPER_ACTIONS.indexOf(spec.enforcementAction ?? 'deny');
    for (const ns of namespaces) {
      const name = ns.object.metadata.name ?? '';
      if (!constraintCovers(spec.match, name, ns.object.metadata.labels ?? {})) continue;
      const key = `${object.kind}|${name}`;
      if ((levels.get(key)?.level ?? -1) < level) levels.set(key, { level, group: groupOf(ns.path) });
    }
  }
  return levels;
}

export const policyRule: RiskRule = (diffs, { before, after }) => {
  const out: RiskFinding[] = [];
  // Enforcement that moved between constraints (deny constraint narrowed, warn one widened) or
  // changed with namespace labels: per constraint kind and namespace, the strongest action.
  const was = enforcement(before);
  const now = enforcement(after);
  for (const [key, { level, group }] of was) {
    const next = now.get(key)?.level ?? -1;
    if (next >= level) continue;
    const [kind, namespace] = key.split('|');
    out.push({
      rule: 'policy-disabled',
      group,
      object: `${kind} constraints`,
      detail: `${namespace}: ${GATEKEEPER_ACTIONS[level]} → ${next < 0 ? 'not enforced' : GATEKEEPER_ACTIONS[next]}`,
    });
  }
  for (const d of diffs) {
    const object = (d.old ?? d.new)!;
    if (object.apiVersion.startsWith('constraints.gatekeeper.sh/')) {
      if (d.status === 'removed') {
        out.push(finding('policy-disabled', d, 'Gatekeeper constraint removed'));
      } else if (d.status === 'changed') {
        const action = (o: DiffObject) => ((o.spec as { enforcementAction?: string } | undefined)?.enforcementAction ?? 'deny');
        const [was, now] = [action(d.old!), action(d.new!)];
        if (GATEKEEPER_ACTIONS.indexOf(now) < GATEKEEPER_ACTIONS.indexOf(was)) {
          out.push(finding('policy-disabled', d, `enforcementAction ${was} → ${now}`));
        }
        const excluded = (o: DiffObject) => (o.spec as { match?: { excludedNamespaces?: string[] } } | undefined)?.match?.excludedNamespaces ?? [];
        const fresh = excluded(d.new!).filter((ns) => !excluded(d.old!).includes(ns));
        if (fresh.length) out.push(finding('policy-disabled', d, `newly excluded namespaces ${fresh.join(', ')}`));
      }
    }
    if (object.apiVersion.startsWith('templates.gatekeeper.sh/') && d.status === 'removed') {
      out.push(finding('policy-disabled', d, 'ConstraintTemplate removed (its constraints stop working)'));
    }
    if (object.apiVersion.startsWith('kyverno.io/') && (d.kind === 'ClusterPolicy' || d.kind === 'Policy')) {
      const action = (o?: DiffObject) => String((o?.spec as { validationFailureAction?: string } | undefined)?.validationFailureAction ?? 'Audit').toLowerCase();
      if (d.status === 'removed') out.push(finding('policy-disabled', d, 'Kyverno policy removed'));
      else if (d.status === 'changed' && action(d.old) === 'enforce' && action(d.new) !== 'enforce') {
        out.push(finding('policy-disabled', d, `validationFailureAction ${action(d.old)} → ${action(d.new)}`));
      }
    }
    const was = falcoRules(d.old);
    const now = falcoRules(d.new);
    for (const [rule, enabled] of was) {
      if (!enabled) continue;
      if (!now.has(rule)) out.push(finding('policy-disabled', d, `Falco rule '${rule}' removed`));
      else if (!now.get(rule)) out.push(finding('policy-disabled', d, `Falco rule '${rule}' disabled`));
    }
  }
  return out;
};

/** Falco rules found in any YAML text inside `object` (ConfigMap data, Helm values): name → enabled. */
export function falcoRules(object: DiffObject | undefined): Map<string, boolean> {
  const rules = new Map<string, boolean>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      if (!/^\s*-\s*rule:/m.test(node)) return;
      for (const doc of parseAllDocuments(node)) {
        const items = doc.errors.length ? undefined : (doc.toJS() as unknown);
        if (Array.isArray(items)) visit(items);
      }
    } else if (Array.isArray(node)) {
      for (const item of node) {
        const rule = item as { rule?: unknown; enabled?: unknown; override?: { enabled?: unknown } } | null;
        if (rule && typeof rule === 'object' && typeof rule.rule === 'string') {
          const enabled = rule.enabled !== false;
          // A later entry for the same rule (append/override) decides, as in Falco itself.
          if (rule.enabled !== undefined || !rules.has(rule.rule)) rules.set(rule.rule, enabled);
        } else {
          visit(item);
        }
      }
    } else if (node && typeof node === 'object') {
      for (const v of Object.values(node)) visit(v);
    }
  };
  if (object) visit(object);
  return rules;
}

// ---------------------------------------------------------------------------------------------

export interface RiskRuleInfo {
  readonly id: RiskId;
  readonly title: string;
  readonly check: RiskRule;
}

/** Every rule, in the order the report lists them. */
export const RISK_RULES: readonly RiskRuleInfo[] = [
  { id: 'prune', title: 'Objects deleted (pruned on sync)', check: pruneRule },
  { id: 'rbac-widened', title: 'RBAC widened', check: rbacRule },
  { id: 'network-widened', title: 'NetworkPolicy reachability widened', check: networkRule },
  { id: 'security-weakened', title: 'Security context weakened or exception added', check: securityRule },
  { id: 'policy-disabled', title: 'Admission/runtime policy disabled', check: policyRule },
  { id: 'capacity-lowered', title: 'Replicas, autoscaling floor or disruption budget lowered', check: capacityRule },
  { id: 'resources-changed', title: 'Requests/limits changed by more than the threshold (50 %)', check: resourcesRule },
  { id: 'image-changed', title: 'Image changed', check: imageRule },
  { id: 'protected', title: 'Changes in protected environments', check: protectedRule },
];

/** Every finding of every rule, in RISK_RULES order. */
export function assessRisks(diffs: readonly ObjectDiff[], context: RiskContext): RiskFinding[] {
  return RISK_RULES.flatMap((rule) => rule.check(diffs, context));
}
