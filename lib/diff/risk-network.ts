/**
 * Risk flag: NetworkPolicy reachability widened. With an evaluator (lib/network/reachability.ts)
 * every connection allowed after the change but not before is flagged; without one, any new or
 * changed rule, selector change or removed policy counts (conservative).
 */
import { groupOf } from '../synth/layout.ts';
import type { PodEndpoint, ReachabilityInput } from '../network/reachability.ts';
import type { DiffObject, LocatedObject, ObjectDiff } from './objects.ts';
import { containersOf, podTemplateOf } from './pods.ts';
import { finding, show, type RiskFinding, type RiskRule } from './risk-types.ts';
import { deepEqual } from './values.ts';

/** Stands for "some address outside the cluster": any ipBlock rule that allows one matches it. */
export const OUTSIDE_PROBE = { name: 'outside-the-cluster', cidr: '0.0.0.0/0' } as const;

interface NetworkPolicySpec {
  podSelector?: unknown;
  policyTypes?: string[];
  ingress?: unknown[];
  egress?: unknown[];
}

/** Every workload's pods, as the reachability evaluator sees them. */
export function podRefs(objects: readonly LocatedObject[]): PodEndpoint[] {
  const out: PodEndpoint[] = [];
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
    return { ...base, pods: [...base.pods, ...probes.pods], namespaces: [...(base.namespaces ?? []), ...probes.namespaces] };
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
export function peerProbes(policies: readonly DiffObject[], rendered: readonly PodEndpoint[] = []): { pods: PodEndpoint[]; namespaces: DiffObject[] } {
  const pods = new Map<string, PodEndpoint>();
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
      const standsFor = (pod: PodEndpoint) => pod.namespace === namespace && Object.entries(labels).every(([k, v]) => pod.labels[k] === v);
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
