/**
 * Admission policy (Gatekeeper), runtime detection (Falco), vulnerability alerts and the
 * compliance map: rendered from config, enforcement per environment, every policy and rule
 * mapped to a control, and every Falco condition referring only to defined names.
 */
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config/index.ts';
import { constraintsOf, CONTROLS_ANNOTATION, FALCO_RULES_CONFIGMAP, FALCO_RULES_FILE } from '../charts/security.ts';
import { CONTROLS } from '../charts/security-rules/controls.ts';
import { FALCO_DEFAULT_NAMES, flexTimeFalcoRules } from '../charts/security-rules/falco.ts';
import { POLICIES } from '../charts/security-rules/gatekeeper-policies.ts';
import { complianceMarkdown } from '../lib/compliance.ts';
import { conditionReferences, FalcoRules } from '../lib/falco-rules.ts';
import { GatekeeperPolicy, type GatekeeperPolicyProps } from '../lib/gatekeeper-policy.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { configError, find, objects, rawConfig, renderPlatform } from './helpers.ts';

type Raw = ReturnType<typeof rawConfig> & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const env = (c: Raw, name: string): any => c.environments.find((e: { name: string }) => e.name === name);
function errorAfter(change: (config: Raw) => void): string {
  const config = rawConfig() as Raw;
  change(config);
  return configError(config);
}

const files = renderPlatform();
const security = objects('dist/cluster/security/', files);
const templates = security.filter((o) => o.kind === 'ConstraintTemplate');
const constraints = security.filter((o) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1');
type Spec = { enforcementAction: string; match: { namespaceSelector?: { matchExpressions: { key: string; operator: string; values?: string[] }[] }; excludedNamespaces?: string[] } };
const spec = (o: KubeObject) => o.spec as Spec;

describe('Gatekeeper policies', () => {
  it('renders one ConstraintTemplate per policy, named after its kind in lower case', () => {
    expect(templates.map((t) => t.metadata.name).sort()).toEqual(POLICIES.map((p) => p.kind.toLowerCase()).sort());
    const template = find('ConstraintTemplate', 'flextimecontainersecurity', 'dist/cluster/security/', files);
    expect((template.spec as { crd: { spec: { names: { kind: string } } } }).crd.spec.names.kind).toBe('FlexTimeContainerSecurity');
  });

  it('denies in staging and production and warns in development, one Constraint per enforcement level', () => {
    const deny = find('FlexTimeContainerSecurity', 'container-security-deny', '', files);
    const warn = find('FlexTimeContainerSecurity', 'container-security-warn', '', files);
    expect(spec(deny).enforcementAction).toBe('deny');
    expect(spec(deny).match.namespaceSelector!.matchExpressions).toEqual([{ key: 'flextime.io/environment', operator: 'In', values: ['staging', 'production'] }]);
    expect(spec(warn).enforcementAction).toBe('warn');
    expect(spec(warn).match.namespaceSelector!.matchExpressions).toEqual([{ key: 'flextime.io/environment', operator: 'In', values: ['development'] }]);
    expect(constraints.filter((c) => c.kind === 'FlexTimeContainerSecurity')).toHaveLength(2);
  });

  it('follows config: development set to deny leaves a single deny Constraint covering all environments', () => {
    const config = rawConfig() as Raw;
    env(config, 'development').security.enforcementAction = 'deny';
    const policy = POLICIES.find((p) => p.name === 'container-security')!;
    const result = constraintsOf(policy, loadConfig(config));
    expect(result.map((c) => c.name)).toEqual(['container-security-deny']);
    expect(result[0]!.match.namespaceSelector!.matchExpressions![0]!.values).toEqual(['development', 'staging', 'production']);
  });

  it('requires digests only where the environment says so', () => {
    expect(constraints.filter((c) => c.kind === 'FlexTimeImageDigest').map((c) => c.metadata.name)).toEqual(['image-digest-deny']);
    const digest = find('FlexTimeImageDigest', 'image-digest-deny', '', files);
    expect(spec(digest).match.namespaceSelector!.matchExpressions[0]!.values).toEqual(['staging', 'production']);
  });

  it('reviews namespaces outside the environments at the platform level, minus the exempt ones', () => {
    const platform = find('FlexTimeHostIsolation', 'host-isolation-platform', '', files);
    const { gatekeeper } = loadConfig().security;
    expect(spec(platform).enforcementAction).toBe(gatekeeper.platformEnforcementAction);
    expect(spec(platform).match.namespaceSelector!.matchExpressions).toEqual([{ key: 'flextime.io/environment', operator: 'DoesNotExist' }]);
    // plus the add-on namespaces config/addons.ts runs at Pod Security `privileged` (node agents)
    expect(spec(platform).match.excludedNamespaces).toEqual([...gatekeeper.exemptNamespaces, 'chaos-mesh', 'observability']);
  });

  it('excludes the exempt namespaces from every Constraint but the cluster-scoped one', () => {
    const exempt = loadConfig().security.gatekeeper.exemptNamespaces;
    for (const c of constraints.filter((c) => c.metadata.name !== 'rbac-wildcards-platform')) {
      expect(spec(c).match.excludedNamespaces, c.metadata.name).toEqual(expect.arrayContaining([...exempt]));
    }
    const ours = find('FlexTimeRbacWildcards', 'rbac-wildcards-platform', '', files);
    expect((ours.spec as { match: { labelSelector: unknown; scope: string } }).match).toMatchObject({
      scope: 'Cluster',
      labelSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'flextime' } },
    });
  });

  it('passes the allowed registries and required labels from config as parameters', () => {
    const images = find('FlexTimeAllowedImages', 'allowed-images-deny', '', files);
    expect((images.spec as { parameters: unknown }).parameters).toEqual({ registries: ['ghcr.io/flextime/'] });
    const labels = find('FlexTimeRequiredLabels', 'required-labels-deny', '', files);
    expect((labels.spec as { parameters: unknown }).parameters).toEqual({
      labels: ['app.kubernetes.io/name', 'app.kubernetes.io/part-of', 'flextime.io/environment'],
    });
  });

  it('lets ArgoCD apply Constraints before their kinds exist', () => {
    for (const c of constraints) {
      expect(c.metadata.annotations?.['argocd.argoproj.io/sync-options'], c.metadata.name).toBe('SkipDryRunOnMissingResource=true');
    }
  });
});

describe('compliance control ids', () => {
  const known = new Set(Object.keys(CONTROLS));

  it('every ConstraintTemplate and Constraint carries at least one known control id', () => {
    expect(templates.length + constraints.length).toBeGreaterThan(20);
    for (const o of [...templates, ...constraints]) {
      const ids = o.metadata.annotations?.[CONTROLS_ANNOTATION]?.split(', ') ?? [];
      expect(ids.length, `${o.kind} ${o.metadata.name}`).toBeGreaterThan(0);
      for (const id of ids) expect(known.has(id), `${o.metadata.name}: ${id}`).toBe(true);
    }
  });

  it('every Falco rule carries at least one known control id as a tag', () => {
    const configMap = find('ConfigMap', FALCO_RULES_CONFIGMAP, 'dist/cluster/security/', files);
    const items = parse((configMap as unknown as { data: Record<string, string> }).data[FALCO_RULES_FILE]!) as Array<{ rule?: string; tags?: string[] }>;
    const rules = items.filter((i) => i.rule);
    expect(rules.length).toBeGreaterThanOrEqual(6);
    for (const rule of rules) {
      const ids = (rule.tags ?? []).filter((t) => known.has(t));
      expect(ids.length, rule.rule).toBeGreaterThan(0);
    }
  });

  it('refuses a policy without controls', () => {
    expect(() => new GatekeeperPolicy(new Chart(new App(), 'c'), 'p', { ...minimalPolicy(), controls: [] }))
      .toThrow("'controls' of TestPolicy must name at least one control id; every policy maps to a control");
  });

  it('refuses a compliance map entry that names an unknown control', () => {
    expect(() => complianceMarkdown({
      title: 't', intro: [], frameworks: { x: 'X' }, controls: { 'X-1': { framework: 'x', title: 'one' } },
      implementations: [{ name: 'thing', mechanism: 'm', summary: 's', where: [], controls: ['X-2'] }],
    })).toThrow("implementation 'thing' names unknown control 'X-2'");
  });

  it('generates docs/compliance.md listing each control with its policies and where they are enforced', async () => {
    const { buildApp } = await import('../charts/index.ts');
    const { renderDocuments } = await import('../lib/synth/engine.ts');
    const doc = renderDocuments(buildApp(loadConfig())).find((d) => d.path === 'docs/compliance.md')!;
    expect(doc.content).toContain('| CIS-K8S-5.2.5 | Minimize the admission of containers wishing to share the host network namespace | Gatekeeper FlexTimeHostIsolation (admission policy) |');
    expect(doc.content).toContain('`host-isolation-deny` (deny): Pods and workload Pod templates in flextime-staging, flextime-production');
    expect(doc.content).toContain('| NIST-RA-5 | Vulnerability Monitoring and Scanning | Alert FlextimeCriticalImageVulnerability');
    expect(doc.content).toContain('Falco rule "FlexTime package manager at runtime" (runtime detection)');
  });
});

describe('GatekeeperPolicy construct', () => {
  it('names the template after the kind and renders each constraint with its match', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const policy = new GatekeeperPolicy(chart, 'p', minimalPolicy());
    expect(policy.templateName).toBe('testpolicy');
    const [template, constraint] = chart.toJson() as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(template!.metadata.annotations).toEqual({ description: 'A test.', 'policy.controls': 'X-1, X-2' });
    expect(template!.spec.targets[0].target).toBe('admission.k8s.gatekeeper.sh');
    expect(constraint).toMatchObject({ kind: 'TestPolicy', metadata: { name: 'test-warn' }, spec: { enforcementAction: 'warn', match: { scope: '*' }, parameters: { limit: 3 } } });
  });

  it('refuses a parameter the template does not declare', () => {
    const props = minimalPolicy();
    expect(() => new GatekeeperPolicy(new Chart(new App(), 'c'), 'p', { ...props, constraints: [{ ...props.constraints[0]!, parameters: { limt: 3 } }] }))
      .toThrow("constraint 'test-warn': parameter 'limt' is not declared in 'parameters' of TestPolicy (declared: limit)");
  });

  it('refuses a kind that is not CamelCase', () => {
    expect(() => new GatekeeperPolicy(new Chart(new App(), 'c'), 'p', { ...minimalPolicy(), kind: 'test-policy' }))
      .toThrow("'kind' (test-policy) must be CamelCase letters and digits, starting upper-case");
  });

  it('refuses Rego without a violation rule', () => {
    expect(() => new GatekeeperPolicy(new Chart(new App(), 'c'), 'p', { ...minimalPolicy(), rego: 'package x\n\ndeny contains 1 if true\n' }))
      .toThrow('\'rego\' of TestPolicy must define violation[{"msg": msg}]');
  });

  it('refuses two constraints with the same name', () => {
    const props = minimalPolicy();
    expect(() => new GatekeeperPolicy(new Chart(new App(), 'c'), 'p', { ...props, constraints: [props.constraints[0]!, props.constraints[0]!] }))
      .toThrow("constraint name 'test-warn' of TestPolicy is used twice");
  });
});

function minimalPolicy(): GatekeeperPolicyProps {
  return {
    kind: 'TestPolicy',
    description: 'A test.',
    rego: 'package testpolicy\n\nviolation contains {"msg": "no"} if input.parameters.limit > 2\n',
    parameters: { limit: { type: 'integer' } },
    controls: ['X-1', 'X-2'],
    constraints: [{ name: 'test-warn', enforcementAction: 'warn', match: { kinds: [{ apiGroups: [''], kinds: ['Pod'] }] }, parameters: { limit: 3 } }],
  };
}

describe('Falco rules', () => {
  const { ruleSet } = flexTimeFalcoRules(loadConfig());

  it('uses only lists and macros it defines or that Falco\'s default ruleset defines (listed explicitly)', () => {
    const defined = new Set<string>([...ruleSet.lists.map((l) => l.name), ...ruleSet.macros.map((m) => m.name), ...FALCO_DEFAULT_NAMES]);
    const used = [...ruleSet.macros.map((m) => m.condition), ...ruleSet.rules.map((r) => r.condition)].flatMap(conditionReferences);
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !defined.has(name))).toEqual([]);
    // and every default name we rely on is really used (the list is not padding)
    for (const name of FALCO_DEFAULT_NAMES) expect(used, name).toContain(name);
  });

  it('finds list and macro references but not fields, operators or compared values', () => {
    expect(conditionReferences('spawned_process and k8s.pod.label[app.kubernetes.io/name] = "x-y" and not proc.name in (shell_binaries, my_list) and evt.dir = < and fd.typechar = 4'))
      .toEqual(['my_list', 'shell_binaries', 'spawned_process']);
    expect(conditionReferences("fd.name startswith /etc/ and evt.res = EINPROGRESS and fd.typechar = 'f'")).toEqual([]);
  });

  it('refuses a rule that uses an undefined name, which Falco would read as a literal', () => {
    expect(() => new FalcoRules({
      lists: [{ name: 'shells', items: ['bash'] }],
      rules: [{ rule: 'r', desc: 'd', condition: 'proc.name in (shels)', output: 'o', priority: 'WARNING' }],
    })).toThrow("rule 'r' uses 'shels', which is not a list or macro defined before it nor an external name; quote literal values or put them in a list");
  });

  it('refuses a macro that uses a macro defined after it', () => {
    expect(() => new FalcoRules({
      macros: [{ name: 'a', condition: 'b and evt.num > 0' }, { name: 'b', condition: 'evt.num > 1' }],
      rules: [{ rule: 'r', desc: 'd', condition: 'a', output: 'o', priority: 'WARNING' }],
    })).toThrow("macro 'a' uses 'b', which is not a list or macro defined before it nor an external name; quote literal values or put them in a list");
  });

  it('watches the outbound connections of scheduler-svc and PgBouncer against their allowed ports from config', () => {
    const rules = ruleSet.rules.filter((r) => r.rule.startsWith('FlexTime unexpected outbound connection from '));
    expect(rules.map((r) => r.rule)).toEqual(['FlexTime unexpected outbound connection from pgbouncer', 'FlexTime unexpected outbound connection from scheduler-svc']);
    expect(ruleSet.lists.find((l) => l.name === 'flextime_scheduler_svc_egress_ports')!.items).toEqual([53, 4317, 6379, 6432]);
    expect(rules[1]!.condition).toContain('k8s.pod.label[app.kubernetes.io/name] = "scheduler-svc" and not fd.sport in (flextime_scheduler_svc_egress_ports)');
  });

  it('limits every rule to the environment namespaces', () => {
    expect(ruleSet.lists.find((l) => l.name === 'flextime_namespaces')!.items).toEqual(['flextime-development', 'flextime-staging', 'flextime-production']);
    for (const rule of ruleSet.rules) expect(rule.condition, rule.rule).toContain('flextime_app_container');
  });

  it('ships as the ConfigMap the Falco add-on mounts, and the Slack webhook as an ExternalSecret without a value', () => {
    const configMap = find('ConfigMap', FALCO_RULES_CONFIGMAP, 'dist/cluster/security/', files);
    expect(configMap.metadata.namespace).toBe('falco');
    const secret = find('ExternalSecret', 'falcosidekick-slack', 'dist/cluster/security/', files);
    expect(secret.spec).toMatchObject({
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' },
      data: [{ secretKey: 'SLACK_WEBHOOKURL', remoteRef: { key: 'flextime/falco/slack', property: 'webhook-url' } }],
    });
    expect(JSON.stringify(secret)).not.toMatch(/hooks\.slack\.com/);
  });
});

describe('critical vulnerability alert', () => {
  it('pages in production, warns in staging and is absent in development, from config', () => {
    const severity = (e: string) => {
      const rule = objects(`dist/${e}/security/`, files).find((o) => o.kind === 'PrometheusRule');
      return (rule?.spec as { groups: { rules: { labels: { severity: string } }[] }[] } | undefined)?.groups[0]!.rules[0]!.labels.severity;
    };
    expect(severity('production')).toBe('critical');
    expect(severity('staging')).toBe('warning');
    expect(severity('development')).toBeUndefined();
  });

  it('reads trivy-operator\'s critical findings in the environment namespace only', () => {
    const rule = find('PrometheusRule', 'flextime-image-vulnerabilities', 'dist/production/', files);
    const expr = (rule.spec as { groups: { rules: { expr: string }[] }[] }).groups[0]!.rules[0]!.expr;
    expect(expr).toContain('trivy_image_vulnerabilities{namespace="flextime-production",severity="Critical"}');
    expect(rule.metadata.labels?.release).toBe('kube-prometheus-stack');
  });
});

describe('security config', () => {
  it('rejects an exempt environment namespace, which would switch its policies off', () => {
    expect(errorAfter((c) => { c.security.gatekeeper.exemptNamespaces.push('flextime-production'); }))
      .toContain("security.gatekeeper.exemptNamespaces[10] = \"flextime-production\": environment namespace 'flextime-production' cannot be exempt from admission policy; set environments[].security.enforcementAction instead");
  });

  it('rejects a service image from a registry the admission policy would deny', () => {
    expect(errorAfter((c) => { env(c, 'development').services['api-svc'].image = 'docker.io/flextime/api-svc:1.5.0'; }))
      .toContain("environments[development].services.api-svc.image = \"docker.io/flextime/api-svc:1.5.0\": image 'docker.io/flextime/api-svc:1.5.0' is not from an allowed registry (security.gatekeeper.allowedRegistries: ghcr.io/flextime/)");
  });

  it('rejects an unknown enforcement action', () => {
    expect(errorAfter((c) => { env(c, 'staging').security.enforcementAction = 'block'; }))
      .toContain('environments[staging].security.enforcementAction = "block": must be one of "deny", "warn", "dryrun"');
  });

  it('requires digests wherever requireImageDigest is set, development included', () => {
    expect(errorAfter((c) => { env(c, 'development').security.requireImageDigest = true; }))
      .toContain("environments[development].services.api-svc.image = \"ghcr.io/flextime/api-svc:1.5.0-rc.1\": image 'ghcr.io/flextime/api-svc:1.5.0-rc.1' must be pinned by digest (repo@sha256:…) in development");
  });

  it('rejects a registry prefix without the trailing slash', () => {
    expect(errorAfter((c) => { c.security.gatekeeper.allowedRegistries = ['ghcr.io/flextime']; }))
      .toContain('security.gatekeeper.allowedRegistries[0] = "ghcr.io/flextime": must be a registry prefix ending in "/", such as "ghcr.io/flextime/"');
  });
});
