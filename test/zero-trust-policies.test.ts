/** The ZeroTrustPolicies and RBAC constructs on their own, without FlexTime config. */
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ZeroTrustPolicies, type ZeroTrustPoliciesProps } from '../lib/network/zero-trust-policies.ts';
import { GroupBinding } from '../lib/explicit-rbac.ts';

function synth(props: Partial<ZeroTrustPoliciesProps>) {
  const chart = new Chart(new App(), 'test');
  new ZeroTrustPolicies(chart, 'p', { namespace: 'app', labels: (w) => ({ 'app.kubernetes.io/name': w }), rules: [], ...props });
  return chart.toJson() as Array<{ metadata: { name: string }; spec: Record<string, unknown> }>;
}

const web = { kind: 'workload', name: 'web' } as const;
const db = { kind: 'workload', name: 'db' } as const;

describe('ZeroTrustPolicies', () => {
  it('renders default-deny first and one policy per workload holding both ends of a rule', () => {
    const out = synth({ rules: [{ from: web, to: db, ports: [{ port: 5432 }] }] });
    expect(out.map((o) => o.metadata.name)).toEqual(['default-deny', 'web', 'db']);
    expect(out[1]!.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
    expect(out[2]!.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
    expect(out[2]!.spec.egress).toBeUndefined();
    expect(out[2]!.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  it('refuses a rule with no workload of the namespace at either end', () => {
    const dns = { kind: 'pods', name: 'dns', namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } } as const;
    const rds = { kind: 'cidr', name: 'rds', cidrs: ['10.0.0.0/16'] } as const;
    expect(() => synth({ rules: [{ from: dns, to: rds, ports: [{ port: 53 }] }] })).toThrow("'rules[0]' (dns → rds) must have a workload of namespace app at one end");
  });

  it('refuses an ipBlock inside a never-reachable address', () => {
    const metadata = { kind: 'cidr', name: 'imds', cidrs: ['169.254.169.254/32'] } as const;
    expect(() => synth({ rules: [{ from: web, to: metadata, ports: [{ port: 80 }] }] })).toThrow("peer 'imds': '169.254.169.254/32' lies inside never-reachable 169.254.169.254/32");
  });
});

describe('GroupBinding', () => {
  it('refuses to grant a namespaced Role cluster-wide', () => {
    const chart = new Chart(new App(), 'test');
    expect(() => new GroupBinding(chart, 'b', { name: 'b', labels: {}, role: { kind: 'Role', name: 'r' }, groups: ['oidc:x'] })).toThrow(
      "'role' (Role r) needs a 'namespace': a ClusterRoleBinding can only grant a ClusterRole",
    );
  });
});
