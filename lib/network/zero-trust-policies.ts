/**
 * Zero-trust NetworkPolicies for one namespace, generated from allow rules: a `default-deny`
 * policy (every pod, ingress and egress), then one policy per workload named like it, holding
 * the ingress rules that reach it and the egress rules it opens. A new rule therefore shows in
 * a PR as one entry in the source's policy and one in the destination's.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { parseCidr, isStrictSubset } from '../values/cidr.ts';

/** One end of a rule. */
export type NetworkPeer =
  /** Pods of the namespace the policies are for, selected by `workloadLabel: name`. */
  | { readonly kind: 'workload'; readonly name: string }
  /** Pods of another namespace. */
  | { readonly kind: 'pods'; readonly name: string; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> }
  /** Addresses outside the cluster. */
  | { readonly kind: 'cidr'; readonly name: string; readonly cidrs: readonly string[] };

export interface NetworkPort {
  /** Number, or a container port name of the destination pod. */
  readonly port: number | string;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** `from` may open connections to `to` on `ports`. One end at least must be a `workload`. */
export interface NetworkAllowRule {
  readonly from: NetworkPeer;
  readonly to: NetworkPeer;
  readonly ports: readonly NetworkPort[];
}

export interface ZeroTrustPoliciesProps {
  readonly namespace: string;
  /** Labels of the policy protecting `workload` (and of `default-deny`, with the namespace's name). */
  readonly labels: (workload: string) => Record<string, string>;
  readonly rules: readonly NetworkAllowRule[];
  /**
   * Label that carries a workload's name on its pods.
   * @default 'app.kubernetes.io/name'
   */
  readonly workloadLabel?: string;
  /**
   * Name of the policy that isolates every pod.
   * @default 'default-deny'
   */
  readonly defaultDenyName?: string;
  /**
   * Addresses no ipBlock may include: each is listed under `except` of every ipBlock that
   * contains it, and an ipBlock inside one is an error.
   * @default ['169.254.169.254/32'] - the instance metadata service
   */
  readonly neverReachable?: readonly string[];
}

const METADATA_NAME = 'kubernetes.io/metadata.name';

export class ZeroTrustPolicies extends Construct {
  /** Workloads that got a policy, in the order they were rendered. */
  public readonly workloads: readonly string[];

  constructor(scope: Construct, id: string, props: ZeroTrustPoliciesProps) {
    super(scope, id);
    const workloadLabel = props.workloadLabel ?? 'app.kubernetes.io/name';
    const never = (props.neverReachable ?? ['169.254.169.254/32']).map((text) => {
      const cidr = parseCidr(text);
      if (!cidr) throw new Error(`'neverReachable' (${text}) must be a CIDR`);
      return cidr;
    });

    const peer = (p: NetworkPeer): k8s.NetworkPolicyPeer[] => {
      switch (p.kind) {
        case 'workload':
          return [{ podSelector: { matchLabels: { [workloadLabel]: p.name } } }];
        case 'pods':
          return [{ namespaceSelector: { matchLabels: { [METADATA_NAME]: p.namespace } }, podSelector: { matchLabels: { ...p.podLabels } } }];
        case 'cidr':
          return p.cidrs.map((text) => {
            const cidr = parseCidr(text);
            if (!cidr) throw new Error(`peer '${p.name}': '${text}' must be a CIDR`);
            const inside = never.find((n) => n.family === cidr.family && cidr.start >= n.start && cidr.end <= n.end);
            if (inside) throw new Error(`peer '${p.name}': '${text}' lies inside never-reachable ${inside.text}`);
            // The API server only accepts excepts that are strict subsets of the cidr.
            const except = never.filter((n) => isStrictSubset(cidr, n)).map((n) => n.text);
            return { ipBlock: { cidr: text, ...(except.length ? { except } : {}) } };
          });
      }
    };
    const ports = (list: readonly NetworkPort[]): k8s.NetworkPolicyPort[] =>
      list.map((p) => ({
        protocol: p.protocol ?? 'TCP',
        port: typeof p.port === 'number' ? k8s.IntOrString.fromNumber(p.port) : k8s.IntOrString.fromString(p.port),
      }));

    const ingress = new Map<string, k8s.NetworkPolicyIngressRule[]>();
    const egress = new Map<string, k8s.NetworkPolicyEgressRule[]>();
    const order: string[] = [];
    const slot = <T>(map: Map<string, T[]>, workload: string): T[] => {
      if (!order.includes(workload)) order.push(workload);
      if (!map.has(workload)) map.set(workload, []);
      return map.get(workload)!;
    };
    props.rules.forEach((rule, i) => {
      if (rule.from.kind !== 'workload' && rule.to.kind !== 'workload') {
        throw new Error(`'rules[${i}]' (${rule.from.name} → ${rule.to.name}) must have a workload of namespace ${props.namespace} at one end`);
      }
      if (rule.from.kind === 'workload') slot(egress, rule.from.name).push({ to: peer(rule.to), ports: ports(rule.ports) });
      if (rule.to.kind === 'workload') slot(ingress, rule.to.name).push({ from: peer(rule.from), ports: ports(rule.ports) });
    });

    new k8s.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: props.defaultDenyName ?? 'default-deny', namespace: props.namespace, labels: props.labels(props.defaultDenyName ?? 'default-deny') },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    for (const workload of order) {
      const inbound = ingress.get(workload) ?? [];
      const outbound = egress.get(workload) ?? [];
      new k8s.KubeNetworkPolicy(this, workload, {
        metadata: { name: workload, namespace: props.namespace, labels: props.labels(workload) },
        spec: {
          podSelector: { matchLabels: { [workloadLabel]: workload } },
          // Both directions always: a workload without egress rules can open no connection.
          policyTypes: ['Ingress', 'Egress'],
          ...(inbound.length ? { ingress: inbound } : {}),
          ...(outbound.length ? { egress: outbound } : {}),
        },
      });
    }
    this.workloads = order;
  }
}
