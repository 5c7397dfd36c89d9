/**
 * A small evaluator of Kubernetes NetworkPolicy semantics: given policies, pods and external
 * address ranges, which connections are allowed?
 *
 *   reachability({ policies, pods, namespaces, externals }) → Set of "src → dst:port/proto"
 *
 * e.g. `flextime-staging/api-svc → flextime-staging/pgbouncer:6432/TCP` or
 * `flextime-staging/pgbouncer → rds[10.20.64.0/20]:5432/TCP`. Used by the reachability test
 * (rendered policies = intent table) and by the PR diff ("reachability widened": a pair in the
 * new set that is not in the old one).
 *
 * Semantics implemented (networking.k8s.io/v1):
 * - A policy selects the pods of its own namespace that match `podSelector` (matchLabels and
 *   matchExpressions In/NotIn/Exists/DoesNotExist; `{}` selects all).
 * - `policyTypes` says which directions it isolates; when absent: Ingress, plus Egress if the
 *   policy has an `egress` field.
 * - A pod that no policy isolates in a direction allows everything in that direction
 *   (default allow). Otherwise a connection must match a rule of *some* policy selecting it
 *   (policies are a union; there is no deny rule).
 * - A connection src → dst is allowed when src's egress allows it AND dst's ingress allows it.
 *   Traffic from/to an external range is only governed on the pod's side.
 * - Peers: `podSelector` alone = pods in the policy's namespace; `namespaceSelector` alone =
 *   all pods of matching namespaces; both = matching pods in matching namespaces. Every
 *   namespace carries `kubernetes.io/metadata.name: <name>` as the API server sets it.
 *   `ipBlock` matches an external range when some address of the range lies in `cidr` and
 *   outside every `except`; it matches a pod only if the pod has `ips` in it.
 * - Ports: no `ports` = every port; `port` may be a number (with optional `endPort`) or a
 *   name resolved against the destination pod's container ports (same name and protocol).
 *   A named port never matches an external destination. `protocol` defaults to TCP.
 *
 * Which ports are probed: every container port of the destination pod, every numeric port and
 * endPort any policy mentions, and `*` (per TCP/UDP) standing for "a port nothing mentions",
 * which only a rule without `ports` allows. Ports strictly inside an endPort range that nothing
 * mentions are not probed separately.
 */
import { anyAddressLeft, parseCidr, parseIp, type Cidr } from '../values/cidr.ts';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** A group of identical pods (one per workload is enough). */
export interface PodEndpoint {
  readonly namespace: string;
  /** Printed as `<namespace>/<name>`. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: ReadonlyArray<{ readonly port: number; readonly protocol?: string; readonly name?: string }>;
  /**
   * Pod IPs, only needed to evaluate `ipBlock` rules against pods.
   * @default [] - ipBlocks never match this pod
   */
  readonly ips?: readonly string[];
}

/** An address range outside the cluster, e.g. the RDS subnets or the instance metadata address. */
export interface ExternalEndpoint {
  /** Printed as is. */
  readonly name: string;
  /** CIDR (`169.254.169.254/32` for one address). */
  readonly cidr: string;
}

/** The parts of a NetworkPolicy object the evaluator reads. */
export interface NetworkPolicyObject {
  readonly kind?: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string };
  readonly spec?: unknown;
}

/** The parts of a Namespace object the evaluator reads. */
export interface NamespaceObject {
  readonly metadata: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> };
}

export interface ReachabilityInput {
  /** NetworkPolicy objects (other kinds are ignored, so a whole rendered folder may be passed). */
  readonly policies: readonly NetworkPolicyObject[];
  readonly pods: readonly PodEndpoint[];
  /**
   * Namespace objects for `namespaceSelector` labels.
   * @default - a namespace has only its `kubernetes.io/metadata.name` label
   */
  readonly namespaces?: readonly NamespaceObject[];
  /**
   * External ranges to probe as destinations (egress) and sources (ingress).
   * @default []
   */
  readonly externals?: readonly ExternalEndpoint[];
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}
interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}
interface PolicySpec {
  podSelector?: LabelSelector;
  policyTypes?: string[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}
interface Policy {
  readonly namespace: string;
  readonly spec: PolicySpec;
  readonly ingress: boolean;
  readonly egress: boolean;
}

/** A probed endpoint: a pod or an external range. */
type Endpoint =
  | { readonly kind: 'pod'; readonly id: string; readonly pod: PodEndpoint; readonly ips: Cidr[] }
  | { readonly kind: 'external'; readonly id: string; readonly range: Cidr };

/** A probed port; `any` stands for every port that no policy or container mentions. */
type Probe = { readonly port: number | 'any'; readonly protocol: Protocol };

const METADATA_NAME = 'kubernetes.io/metadata.name';

/** Does `selector` select `labels`? An absent selector selects nothing; `{}` selects everything. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`label selector operator '${operator}' is not one of In, NotIn, Exists, DoesNotExist`);
    }
  }
  return true;
}

function toPolicy(object: NetworkPolicyObject): Policy | undefined {
  if (object.kind !== undefined && object.kind !== 'NetworkPolicy') return undefined;
  const spec = (object.spec ?? {}) as PolicySpec;
  const types = spec.policyTypes ?? ['Ingress', ...(spec.egress !== undefined ? ['Egress'] : [])];
  return {
    namespace: object.metadata.namespace ?? 'default',
    spec,
    ingress: types.includes('Ingress'),
    egress: types.includes('Egress'),
  };
}

function protocolOf(value: string | undefined): Protocol {
  const p = (value ?? 'TCP').toUpperCase();
  if (p !== 'TCP' && p !== 'UDP' && p !== 'SCTP') throw new Error(`protocol '${value}' is not one of TCP, UDP, SCTP`);
  return p;
}

function cidrOf(text: string, where: string): Cidr {
  const cidr = parseCidr(text, false);
  if (!cidr) throw new Error(`${where}: '${text}' is not a CIDR`);
  return cidr;
}

/**
 * Every allowed connection, as `"<src> → <dst>:<port>/<protocol>"` where a pod is
 * `<namespace>/<name>`, an external range is its `name`, and `<port>` is a number or `*`.
 * Connections of a pod to itself are not listed.
 */
export function reachability(input: ReachabilityInput): Set<string> {
  const policies = input.policies.map(toPolicy).filter((p): p is Policy => p !== undefined);
  const namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  for (const ns of input.namespaces ?? []) {
    const name = ns.metadata.name;
    if (name) namespaceLabels.set(name, { ...ns.metadata.labels, [METADATA_NAME]: name });
  }
  const labelsOfNamespace = (name: string) => namespaceLabels.get(name) ?? { [METADATA_NAME]: name };

  const endpoints: Endpoint[] = [
    ...input.pods.map((pod): Endpoint => ({
      kind: 'pod',
      id: `${pod.namespace}/${pod.name}`,
      pod,
      ips: (pod.ips ?? []).map((ip) => {
        const parsed = parseIp(ip);
        if (!parsed) throw new Error(`pod ${pod.namespace}/${pod.name}: '${ip}' is not an IP address`);
        return cidrOf(`${ip}/${parsed.family === 4 ? 32 : 128}`, `pod ${pod.namespace}/${pod.name}`);
      }),
    })),
    ...(input.externals ?? []).map((e): Endpoint => ({ kind: 'external', id: e.name, range: cidrOf(e.cidr, `external ${e.name}`) })),
  ];

  // Ports every policy mentions by number: probed against every destination.
  const mentioned = new Map<string, Probe>();
  const mention = (probe: Probe) => mentioned.set(`${probe.port}/${probe.protocol}`, probe);
  for (const policy of policies) {
    for (const rule of [...(policy.spec.ingress ?? []), ...(policy.spec.egress ?? [])]) {
      for (const p of rule.ports ?? []) {
        if (typeof p.port === 'number') mention({ port: p.port, protocol: protocolOf(p.protocol) });
        if (typeof p.endPort === 'number') mention({ port: p.endPort, protocol: protocolOf(p.protocol) });
      }
    }
  }
  mention({ port: 'any', protocol: 'TCP' });
  mention({ port: 'any', protocol: 'UDP' });

  const selecting = (endpoint: Endpoint, direction: 'ingress' | 'egress'): Policy[] =>
    endpoint.kind === 'pod'
      ? policies.filter((p) => p[direction] && p.namespace === endpoint.pod.namespace && selectorMatches(p.spec.podSelector ?? {}, endpoint.pod.labels))
      : [];

  /** Does `peer`, written in a policy of `namespace`, match `endpoint`? */
  const peerMatches = (peer: PolicyPeer, namespace: string, endpoint: Endpoint): boolean => {
    if (peer.ipBlock) {
      const allowed = cidrOf(peer.ipBlock.cidr, 'ipBlock.cidr');
      const except = (peer.ipBlock.except ?? []).map((e) => cidrOf(e, 'ipBlock.except'));
      const ranges = endpoint.kind === 'external' ? [endpoint.range] : endpoint.ips;
      return ranges.some((r) => anyAddressLeft(r, allowed, except));
    }
    if (endpoint.kind !== 'pod') return false;
    if (!peer.podSelector && !peer.namespaceSelector) return false;
    const inNamespace = peer.namespaceSelector
      ? selectorMatches(peer.namespaceSelector, labelsOfNamespace(endpoint.pod.namespace))
      : endpoint.pod.namespace === namespace;
    return inNamespace && selectorMatches(peer.podSelector ?? {}, endpoint.pod.labels);
  };

  /** Does the rule's port list allow `probe` on `dst`? */
  const portMatches = (ports: PolicyPort[] | undefined, probe: Probe, dst: Endpoint): boolean => {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => {
      if (protocolOf(p.protocol) !== probe.protocol) return false;
      if (p.port === undefined) return true;
      if (probe.port === 'any') return false;
      if (typeof p.port === 'string') {
        return dst.kind === 'pod' && dst.pod.ports.some((c) => c.name === p.port && c.port === probe.port && protocolOf(c.protocol) === probe.protocol);
      }
      return p.endPort === undefined ? p.port === probe.port : p.port <= probe.port && probe.port <= p.endPort;
    });
  };

  const allows = (owner: Endpoint, direction: 'ingress' | 'egress', peer: Endpoint, probe: Probe, dst: Endpoint): boolean => {
    const isolating = selecting(owner, direction);
    if (isolating.length === 0) return true;
    return isolating.some((policy) =>
      (policy.spec[direction] ?? []).some((rule) => {
        const peers = direction === 'ingress' ? rule.from : rule.to;
        const peerOk = !peers || peers.length === 0 || peers.some((x) => peerMatches(x, policy.namespace, peer));
        return peerOk && portMatches(rule.ports, probe, dst);
      }),
    );
  };

  const result = new Set<string>();
  for (const src of endpoints) {
    for (const dst of endpoints) {
      if (src === dst || (src.kind === 'external' && dst.kind === 'external')) continue;
      const probes = new Map(mentioned);
      if (dst.kind === 'pod') {
        for (const c of dst.pod.ports) {
          const probe: Probe = { port: c.port, protocol: protocolOf(c.protocol) };
          probes.set(`${probe.port}/${probe.protocol}`, probe);
        }
      }
      for (const probe of probes.values()) {
        if (allows(src, 'egress', dst, probe, dst) && allows(dst, 'ingress', src, probe, dst)) {
          result.add(`${src.id} → ${dst.id}:${probe.port === 'any' ? '*' : probe.port}/${probe.protocol}`);
        }
      }
    }
  }
  return result;
}

/** The pairs of `after` that `before` does not have: what a change newly allows. */
export function widened(before: ReadonlySet<string>, after: ReadonlySet<string>): string[] {
  return [...after].filter((pair) => !before.has(pair)).sort();
}
