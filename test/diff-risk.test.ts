/**
 * Risk flags on fixture pairs: every flag has a change that raises it and a near-identical
 * change that must not.
 */
import { describe, expect, it } from 'vitest';
import { diffObjects, type DiffObject, type LocatedObject } from '../lib/diff/objects.ts';
import { assessRisks } from '../lib/diff/risk.ts';
import { falcoRules } from '../lib/diff/risk-security.ts';
import type { RiskId, RiskOptions } from '../lib/diff/risk-types.ts';
import { reachability } from '../lib/network/reachability.ts';
import { at, container, deployment, DIGEST_A, DIGEST_B, object, podSpec } from './fixtures/diff-objects.ts';

const where = (o: DiffObject): LocatedObject => at(o.metadata.namespace?.replace('flextime-', '') ?? 'cluster', 'x', o);

/** Findings of `rule` for the change `before` → `after` (either side may be empty). */
function flags(rule: RiskId, before: DiffObject[], after: DiffObject[], options: RiskOptions = {}): string[] {
  const b = before.map(where);
  const a = after.map(where);
  return assessRisks(diffObjects(b, a), { before: b, after: a, options })
    .filter((f) => f.rule === rule)
    .map((f) => `${f.object}: ${f.detail}`);
}

const role = (rules: unknown[], kind = 'Role') =>
  object('rbac.authorization.k8s.io/v1', kind, 'reader', kind === 'Role' ? 'flextime-staging' : undefined, { rules });
const binding = (subjects: unknown[]) =>
  object('rbac.authorization.k8s.io/v1', 'RoleBinding', 'reader', 'flextime-staging', {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
    subjects,
  });
const netpol = (spec: Record<string, unknown>) => object('networking.k8s.io/v1', 'NetworkPolicy', 'api-svc', 'flextime-staging', { spec });
const constraint = (spec: Record<string, unknown>) =>
  object('constraints.gatekeeper.sh/v1beta1', 'K8sRequiredProbes', 'require-probes', undefined, { spec });
const falcoConfig = (rules: string) => object('v1', 'ConfigMap', 'falco-rules', 'falco', { data: { 'flextime_rules.yaml': rules } });
const pdb = (spec: Record<string, unknown>) => object('policy/v1', 'PodDisruptionBudget', 'api-svc', 'flextime-staging', { spec });
const hpa = (minReplicas: number, maxReplicas = 20) =>
  object('autoscaling/v2', 'HorizontalPodAutoscaler', 'api-svc', 'flextime-staging', { spec: { minReplicas, maxReplicas } });

describe('objects deleted (prune)', () => {
  it('flags an object that is gone', () => {
    expect(flags('prune', [deployment()], [])).toEqual([
      'Deployment flextime-staging/api-svc: deleted; ArgoCD prunes it (dist/staging/x/deployment-api-svc.yaml)',
    ]);
  });
  it('does not flag an object that only moved to another file', () => {
    const d = deployment();
    const b = [at('staging', 'a', d)];
    const a = [at('staging', 'b', d)];
    expect(assessRisks(diffObjects(b, a), { before: b, after: a, options: {} }).filter((f) => f.rule === 'prune')).toEqual([]);
  });
});

describe('RBAC widened', () => {
  const base = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];
  it('flags a new verb', () => {
    expect(flags('rbac-widened', [role(base)], [role([{ ...base[0], verbs: ['get', 'list', 'delete'] }])])).toEqual([
      'Role flextime-staging/reader: grants delete core/pods',
    ]);
  });
  it('flags a new resource and a wildcard', () => {
    expect(flags('rbac-widened', [role(base, 'ClusterRole')], [role([...base, { apiGroups: [''], resources: ['secrets'], verbs: ['*'] }], 'ClusterRole')]))
      .toEqual(['ClusterRole reader: grants * core/secrets']);
  });
  it('lists gained permissions compactly, grouped by verbs', () => {
    const wide = { apiGroups: ['', 'apps'], resources: ['pods', 'deployments'], verbs: ['get', 'list', 'watch'] };
    expect(flags('rbac-widened', [], [role([wide, { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }])])).toEqual([
      'Role flextime-staging/reader: grants get,list,watch core/pods, core/deployments, apps/pods, apps/deployments; create core/pods/exec',
    ]);
  });
  it('flags a new subject', () => {
    const sa = { kind: 'ServiceAccount', name: 'api-svc', namespace: 'flextime-staging' };
    expect(flags('rbac-widened', [binding([sa])], [binding([sa, { kind: 'Group', name: 'developers' }])])).toEqual([
      'RoleBinding flextime-staging/reader: binds Role reader to Group developers',
    ]);
  });
  it('does not flag removing a verb, reordering rules, or narrowing to resourceNames', () => {
    const two = [...base, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }];
    expect(flags('rbac-widened', [role(two)], [role([...two].reverse())])).toEqual([]);
    expect(flags('rbac-widened', [role(base)], [role([{ ...base[0], verbs: ['get'] }])])).toEqual([]);
    expect(flags('rbac-widened', [role(base)], [role([{ ...base[0], resourceNames: ['one'] }])])).toEqual([]);
  });
});

describe('NetworkPolicy reachability widened (conservative fallback)', () => {
  const allowFrontend = { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }], ports: [{ port: 3000 }] };
  const spec = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api-svc' } }, policyTypes: ['Ingress', 'Egress'], ingress: [allowFrontend], egress: [] };
  it('flags a new ingress rule', () => {
    const extra = { from: [{ namespaceSelector: {} }] };
    expect(flags('network-widened', [netpol(spec)], [netpol({ ...spec, ingress: [allowFrontend, extra] })])).toEqual([
      `NetworkPolicy flextime-staging/api-svc: new or changed ingress rule ${JSON.stringify(extra)}`,
    ]);
  });
  it('flags a removed policy', () => {
    expect(flags('network-widened', [netpol(spec)], [])).toEqual([
      'NetworkPolicy flextime-staging/api-svc: policy removed: the pods it selected lose its isolation',
    ]);
  });
  it('does not flag a removed rule, or a new default-deny policy', () => {
    expect(flags('network-widened', [netpol(spec)], [netpol({ ...spec, ingress: [] })])).toEqual([]);
    expect(flags('network-widened', [], [netpol({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] })])).toEqual([]);
  });
});

describe('NetworkPolicy reachability widened (lib/network/reachability.ts evaluator)', () => {
  const options = { reachability };
  const denyAll = { ...netpol({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] }), metadata: { name: 'default-deny', namespace: 'flextime-staging' } };
  const fromIngress = (ports: unknown[][]) => netpol({
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api-svc' } },
    policyTypes: ['Ingress'],
    ingress: ports.map((p) => ({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: p })),
  });
  const allow3000 = fromIngress([[{ port: 3000 }]]);
  it('flags a connection from a namespace that could not connect before', () => {
    const monitoring = netpol({
      ...(allow3000.spec as object),
      ingress: [...(allow3000.spec as { ingress: unknown[] }).ingress, { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9464 }] }],
    });
    expect(flags('network-widened', [denyAll, allow3000, deployment()], [denyAll, monitoring, deployment()], options)).toEqual([
      'allowed connection: new: monitoring/peer(any) → flextime-staging/api-svc:9464/TCP',
    ]);
  });
  it('flags egress newly allowed to addresses outside the cluster', () => {
    const egress = netpol({ podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: [{ port: 443 }] }] });
    expect(flags('network-widened', [denyAll, deployment()], [denyAll, egress, deployment()], options)).toEqual([
      'allowed connection: new: flextime-staging/api-svc → outside-the-cluster:443/TCP',
    ]);
  });
  it('does not flag rules rewritten with the same meaning (which the conservative fallback would flag)', () => {
    const before = fromIngress([[{ port: 3000 }, { port: 9464 }]]);
    const after = fromIngress([[{ port: 3000 }], [{ port: 9464, protocol: 'TCP' }]]);
    expect(flags('network-widened', [denyAll, before, deployment()], [denyAll, after, deployment()], options)).toEqual([]);
    expect(flags('network-widened', [denyAll, before, deployment()], [denyAll, after, deployment()])).not.toEqual([]);
  });
});

describe('replicas, minReplicas and PDB lowered', () => {
  it('flags fewer replicas, a lower HPA floor and a weaker PDB', () => {
    expect(flags('capacity-lowered', [deployment()], [deployment('staging', (d) => { (d.spec as { replicas: number }).replicas = 2; })]))
      .toEqual(['Deployment flextime-staging/api-svc: spec.replicas 3 → 2']);
    expect(flags('capacity-lowered', [hpa(3)], [hpa(2)])).toEqual(['HorizontalPodAutoscaler flextime-staging/api-svc: spec.minReplicas 3 → 2']);
    expect(flags('capacity-lowered', [pdb({ minAvailable: 2 })], [pdb({ minAvailable: 1 })])).toEqual([
      'PodDisruptionBudget flextime-staging/api-svc: minAvailable 2 → 1',
    ]);
    expect(flags('capacity-lowered', [pdb({ minAvailable: 2 })], [])).toEqual([
      'PodDisruptionBudget flextime-staging/api-svc: PodDisruptionBudget removed: voluntary evictions are no longer limited',
    ]);
  });
  it('does not flag raised values', () => {
    expect(flags('capacity-lowered', [deployment()], [deployment('staging', (d) => { (d.spec as { replicas: number }).replicas = 4; })])).toEqual([]);
    expect(flags('capacity-lowered', [hpa(3)], [hpa(4, 30)])).toEqual([]);
    expect(flags('capacity-lowered', [pdb({ maxUnavailable: 1 })], [pdb({ maxUnavailable: 0 })])).toEqual([]);
  });
});

describe('requests/limits changed by more than 50 %', () => {
  it('flags a limit doubled and a request removed', () => {
    const after = deployment('staging', (d) => {
      container(d).resources.limits.cpu = '2';
      delete container(d).resources.requests.memory;
    });
    expect(flags('resources-changed', [deployment()], [after])).toEqual([
      'Deployment flextime-staging/api-svc: container api-svc requests.memory 512Mi → (none)',
      'Deployment flextime-staging/api-svc: container api-svc limits.cpu 1 → 2 (+100 %)',
    ]);
  });
  it('does not flag a change of 50 % or less, or the same value written differently', () => {
    const after = deployment('staging', (d) => {
      container(d).resources.requests.cpu = '375m';
      container(d).resources.limits.cpu = '1000m';
      container(d).resources.limits.memory = '1024Mi';
    });
    expect(flags('resources-changed', [deployment()], [after])).toEqual([]);
  });
});

describe('security context weakened or PSS exception added', () => {
  it('flags privilege escalation allowed and a new exception annotation', () => {
    const after = deployment('staging', (d) => {
      container(d).securityContext.allowPrivilegeEscalation = true;
      d.metadata.annotations = { 'flextime.io/pss-exception': 'needs ptrace for profiler' };
    });
    expect(flags('security-weakened', [deployment()], [after])).toEqual([
      'Deployment flextime-staging/api-svc: container api-svc: allowPrivilegeEscalation not false',
      'Deployment flextime-staging/api-svc: exception annotation flextime.io/pss-exception: needs ptrace for profiler',
    ]);
  });
  it('flags an exception recorded on the pod template', () => {
    const after = deployment('staging', (d) => {
      (d.spec as { template: { metadata: Record<string, unknown> } }).template.metadata.annotations = { 'exceptions.hardened-workload/withoutProbes': 'batch worker' };
    });
    expect(flags('security-weakened', [deployment()], [after])).toEqual([
      'Deployment flextime-staging/api-svc: exception annotation exceptions.hardened-workload/withoutProbes: batch worker',
    ]);
  });
  it('flags a new workload that is not hardened, and a namespace enforce level lowered', () => {
    const weak = deployment('staging', (d) => { podSpec(d).hostNetwork = true; });
    expect(flags('security-weakened', [], [weak])).toEqual(['Deployment flextime-staging/api-svc: hostNetwork: true']);
    const ns = (level: string) => ({ ...object('v1', 'Namespace', 'flextime-staging', undefined), metadata: { name: 'flextime-staging', labels: { 'pod-security.kubernetes.io/enforce': level } } });
    expect(flags('security-weakened', [ns('restricted')], [ns('baseline')])).toEqual([
      'Namespace flextime-staging: pod-security.kubernetes.io/enforce restricted → baseline',
    ]);
  });
  it('does not flag moving a setting from container to pod level, or a new hardened workload', () => {
    const after = deployment('staging', (d) => {
      podSpec(d).securityContext = { runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } };
      container(d).securityContext.runAsNonRoot = true;
    });
    expect(flags('security-weakened', [deployment()], [after])).toEqual([]);
    expect(flags('security-weakened', [], [deployment()])).toEqual([]);
  });
});

describe('image changed', () => {
  it('flags a new image with old → new digest', () => {
    const after = deployment('staging', (d) => { container(d).image = `ghcr.io/flextime/api-svc:1.5.0@${DIGEST_B}`; });
    expect(flags('image-changed', [deployment()], [after])).toEqual([
      `Deployment flextime-staging/api-svc: spec.template.spec.containers[api-svc].image: ghcr.io/flextime/api-svc:1.4.2@${DIGEST_A} → ghcr.io/flextime/api-svc:1.5.0@${DIGEST_B}`,
    ]);
  });
  it('does not flag other container changes', () => {
    const after = deployment('staging', (d) => { container(d).imagePullPolicy = 'IfNotPresent'; });
    expect(flags('image-changed', [deployment()], [after])).toEqual([]);
  });
});

describe('anything in production', () => {
  const options = { protectedGroups: ['production'] };
  const app = (rev: string) => object('argoproj.io/v1alpha1', 'Application', 'production-api-svc', 'argocd', {
    spec: { destination: { namespace: 'flextime-production' }, source: { targetRevision: rev } },
  });
  it('flags a change in the production folder and an Application deploying to a production namespace', () => {
    const after = deployment('production', (d) => { (d.spec as { replicas: number }).replicas = 4; });
    expect(flags('protected', [deployment('production')], [after], options)).toEqual(['Deployment flextime-production/api-svc: 1 field(s) changed']);
    // The namespace is known to be production's because dist/production has objects in it.
    expect(flags('protected', [app('main'), deployment('production')], [app('release'), deployment('production')], options))
      .toEqual(['Application argocd/production-api-svc: 1 field(s) changed']);
    expect(flags('protected', [app('main')], [app('release')], { protectedNamespaces: ['flextime-production'] }))
      .toEqual(['Application argocd/production-api-svc: 1 field(s) changed']);
  });
  it('does not flag the same change in staging, or an Application deploying elsewhere', () => {
    const after = deployment('staging', (d) => { (d.spec as { replicas: number }).replicas = 4; });
    expect(flags('protected', [deployment()], [after], options)).toEqual([]);
    expect(flags('protected', [app('main'), deployment('staging')], [app('release'), deployment('staging')], options)).toEqual([]);
  });
});

describe('CRD-bound policy disabled', () => {
  it('flags a Gatekeeper constraint moved from deny to warn, and one removed', () => {
    expect(flags('policy-disabled', [constraint({})], [constraint({ enforcementAction: 'warn' })])).toEqual([
      'K8sRequiredProbes require-probes: enforcementAction deny → warn',
    ]);
    expect(flags('policy-disabled', [constraint({ enforcementAction: 'deny' })], [])).toEqual([
      'K8sRequiredProbes require-probes: Gatekeeper constraint removed',
    ]);
  });
  const ns = (env: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `flextime-${env}`, labels: { 'flextime.io/environment': env } } });
  const scoped = (name: string, action: string, envs: string[]) => ({
    ...object('constraints.gatekeeper.sh/v1beta1', 'FlexTimeAllowedImages', name, undefined),
    spec: { enforcementAction: action, match: { namespaceSelector: { matchExpressions: [{ key: 'flextime.io/environment', operator: 'In', values: envs }] } } },
  });
  it('flags production moved from the deny constraint to the warn constraint', () => {
    const before = [ns('staging'), ns('production'), scoped('images-deny', 'deny', ['staging', 'production']), scoped('images-warn', 'warn', ['development'])];
    const after = [ns('staging'), ns('production'), scoped('images-deny', 'deny', ['staging']), scoped('images-warn', 'warn', ['development', 'production'])];
    expect(flags('policy-disabled', before, after)).toEqual(['FlexTimeAllowedImages constraints: flextime-production: deny → warn']);
  });
  it('does not flag production moved from one deny constraint to another', () => {
    const before = [ns('production'), scoped('a-deny', 'deny', ['production']), scoped('b-deny', 'deny', [])];
    const after = [ns('production'), scoped('a-deny', 'deny', []), scoped('b-deny', 'deny', ['production'])];
    expect(flags('policy-disabled', before, after)).toEqual([]);
  });
  it('flags a Falco rule disabled', () => {
    const rules = (enabled: boolean) => `- rule: Shell in app container\n  desc: x\n  condition: spawned_process\n  output: shell\n  priority: WARNING\n  enabled: ${enabled}\n`;
    expect(flags('policy-disabled', [falcoConfig(rules(true))], [falcoConfig(rules(false))])).toEqual([
      "ConfigMap falco/falco-rules: Falco rule 'Shell in app container' disabled",
    ]);
  });
  it('does not flag warn → deny, or a Falco rule text edit', () => {
    expect(flags('policy-disabled', [constraint({ enforcementAction: 'warn' })], [constraint({ enforcementAction: 'deny' })])).toEqual([]);
    const rule = (priority: string) => `- rule: Shell in app container\n  condition: spawned_process\n  priority: ${priority}\n`;
    expect(flags('policy-disabled', [falcoConfig(rule('WARNING'))], [falcoConfig(rule('CRITICAL'))])).toEqual([]);
  });
  it('reads Falco rules from YAML text anywhere in an object, later entries deciding', () => {
    const text = '- rule: A\n  condition: x\n- rule: B\n  condition: y\n- rule: A\n  enabled: false\n  override: {enabled: replace}\n';
    expect([...falcoRules(object('argoproj.io/v1alpha1', 'Application', 'falco', 'argocd', { spec: { values: { customRules: { 'r.yaml': text } } } }))])
      .toEqual([['A', false], ['B', true]]);
  });
});
