/**
 * dist/cluster/security: Gatekeeper ConstraintTemplates and Constraints (charts/security-rules/
 * gatekeeper-policies.ts), the FlexTime Falco rules as the ConfigMap `falco-flextime-rules` and
 * the Falcosidekick Slack webhook as an ExternalSecret (both in the Falco namespace).
 * dist/<env>/security: the alert on critical image vulnerabilities (Trivy Operator metrics).
 * docs/compliance.md: control → policies and rules → where enforced, generated from the same data.
 *
 * Enforcement per environment: constraints select namespaces by their `flextime.io/environment`
 * label; environments are grouped by `security.enforcementAction`, one Constraint per group.
 */
import type { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { Environment, Platform } from '../config/index.ts';
import { complianceMarkdown, type ControlImplementation } from '../lib/compliance.ts';
import { GatekeeperPolicy, type ConstraintProps, type EnforcementAction } from '../lib/gatekeeper-policy.ts';
import { recommendedLabels } from '../lib/labels.ts';
import { goDuration } from '../lib/external-secrets.ts';
import { modelObject } from '../lib/model-object.ts';
import { GeneratedDocument } from '../lib/synth/document.ts';
import { clusterChart, envChart, ENVIRONMENT_LABEL, namespaceOf, type EnvContext } from './context.ts';
import { PROMETHEUS_SELECTOR_LABELS } from './monitoring.ts';
import { SECURITY_DASHBOARD_TITLE, SECURITY_PANELS } from './dashboard-security.ts';
import { REPORT_CHECKS } from './security-rules/compliance-reports.ts';
import { CONTROLS, FRAMEWORKS } from './security-rules/controls.ts';
import { flexTimeFalcoRules } from './security-rules/falco.ts';
import { imageSignaturePolicies } from './security-rules/image-signatures.ts';
import { POD_KINDS, POLICIES, type PolicyDefinition } from './security-rules/gatekeeper-policies.ts';
import { PODS_LIB } from './security-rules/rego.ts';

const SOURCE = 'charts/security.ts';
const OUTPUT_DIR = 'dist/cluster/security';
/** Annotation with the compliance control ids of a policy (comma-separated). */
export const CONTROLS_ANNOTATION = 'flextime.io/controls';
/** The ConfigMap the Falco add-on mounts at /etc/falco/rules.d (see docs/security.md). */
export const FALCO_RULES_CONFIGMAP = 'falco-flextime-rules';
export const FALCO_RULES_FILE = 'flextime-rules.yaml';
/** The Secret Falcosidekick reads its Slack webhook from (`falcosidekick.config.existingSecret`). */
export const FALCOSIDEKICK_SECRET_NAME = 'falcosidekick-slack';
/** Label kube-prometheus-stack's Prometheus selects PrometheusRules by (config/addons.ts). */
const PROMETHEUS_RULE_LABELS = PROMETHEUS_SELECTOR_LABELS;
const POD_KIND_NAMES = new Set(POD_KINDS.flatMap((k) => k.kinds));
const ENFORCEMENT_ORDER: readonly EnforcementAction[] = ['deny', 'warn', 'dryrun'];

export function securityChart(app: App, platform: Platform): void {
  const chart = clusterChart(app, 'security', SOURCE);
  const labels = (name: string, component: string) =>
    recommendedLabels({ name, instance: name, component, partOf: platform.partOf });

  const implementations: ControlImplementation[] = [];
  for (const policy of POLICIES) {
    const constraints = constraintsOf(policy, platform);
    const gp = new GatekeeperPolicy(chart, policy.kind, {
      kind: policy.kind,
      description: policy.description,
      rego: policy.rego,
      libs: [PODS_LIB],
      parameters: policy.parameters,
      controls: policy.controls,
      controlsAnnotation: CONTROLS_ANNOTATION,
      labels: labels(policy.name, 'admission-policy'),
      // Constraint kinds exist only after Gatekeeper has processed the template: skip their dry run
      // and apply them one wave after the templates (the sync retry covers a slow Gatekeeper).
      constraintAnnotations: { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true', 'argocd.argoproj.io/sync-wave': '1' },
      constraints,
    });
    implementations.push({
      name: `Gatekeeper ${policy.kind}`,
      mechanism: 'admission policy',
      summary: policy.description,
      where: constraints.map((c) => `\`${c.name}\` (${c.enforcementAction}): ${describeMatch(c, platform)}`),
      controls: policy.controls,
      // Constraint CRDs print TOTAL-VIOLATIONS: the audit's count per constraint.
      liveResult: [`${panel('gatekeeperViolations')}; per constraint: \`kubectl get ${gp.templateName}\` (TOTAL-VIOLATIONS)`],
      definedIn: [
        `${OUTPUT_DIR}/constrainttemplate-${gp.templateName}.yaml`,
        ...constraints.map((c) => `${OUTPUT_DIR}/${gp.templateName}-${c.name}.yaml`),
      ],
    });
  }

  const falco = flexTimeFalcoRules(platform);
  const falcoNs = platform.security.falco.namespace;
  new k8s.KubeConfigMap(chart, 'FalcoRules', {
    metadata: { name: FALCO_RULES_CONFIGMAP, namespace: falcoNs, labels: labels('falco-flextime-rules', 'runtime-detection') },
    data: { [FALCO_RULES_FILE]: falco.ruleSet.toYaml() },
  });
  modelObject(chart, 'FalcosidekickSlack', new ExternalSecret({
    metadata: { name: FALCOSIDEKICK_SECRET_NAME, namespace: falcoNs, labels: labels(FALCOSIDEKICK_SECRET_NAME, 'runtime-detection') },
    spec: {
      refreshInterval: goDuration('1h'),
      secretStoreRef: { kind: 'ClusterSecretStore', name: platform.security.falco.secretStore },
      // template.metadata: without it ESO copies the ExternalSecret's labels and annotations
      // (ArgoCD's tracking id among them) onto the Secret, which ArgoCD then lists as its own,
      // OutOfSync (found by the e2e with ESO running, issue 18); SyncedSecret does the same.
      target: {
        name: FALCOSIDEKICK_SECRET_NAME, creationPolicy: 'Orphan', deletionPolicy: 'Retain',
        template: { engineVersion: 'v2', metadata: { labels: labels(FALCOSIDEKICK_SECRET_NAME, 'runtime-detection') } },
      },
      // Falcosidekick reads its settings from environment variables of this Secret.
      data: [{ secretKey: 'SLACK_WEBHOOKURL', remoteRef: { key: platform.security.falco.slackWebhookSecretKey, property: 'webhook-url' } }],
    },
  }));
  for (const rule of falco.rules) {
    implementations.push({
      name: `Falco rule "${rule.rule}"`,
      mechanism: 'runtime detection',
      summary: rule.desc,
      where: [`Falco on every node, ${rule.priority}: ${platform.environments.map((e) => namespaceOf(platform, e)).join(', ')} → Falcosidekick (Slack from ${platform.security.falco.slackMinimumPriority}, Prometheus)`],
      controls: rule.controls,
      liveResult: [`${panel('falcoRules')} (rule "${rule.rule}")`],
      definedIn: [`${OUTPUT_DIR}/configmap-${FALCO_RULES_CONFIGMAP}.yaml`],
    });
  }

  const signatures = imageSignaturePolicies(chart, platform, (name) => labels(name, 'admission-policy'), CONTROLS_ANNOTATION);
  if (signatures) implementations.push(signatures);

  const alerted = platform.environments.filter((e) => e.security.vulnerabilityAlert !== 'none');
  implementations.push({
    name: `Alert ${VULNERABILITY_ALERT}`,
    mechanism: 'vulnerability scanning (Trivy Operator) + alert',
    summary: 'Trivy Operator scans every workload image (VulnerabilityReports, ConfigAuditReports); an image with a fixable critical vulnerability raises an alert.',
    where: alerted.map((e) => `${namespaceOf(platform, e)}: severity ${e.security.vulnerabilityAlert}`),
    controls: ['CIS-EKS-5.1.1', 'NIST-RA-5', 'NIST-SI-3', 'SOC2-CC7.1'],
    liveResult: [`${panel('imageVulnerabilities')}; \`kubectl get vulnerabilityreports -A\``],
    definedIn: alerted.map((e) => `dist/${e.name}/security/prometheusrule-${VULNERABILITY_RULE}.yaml`),
  });

  new GeneratedDocument(chart, 'ComplianceMap', {
    path: 'docs/compliance.md',
    content: complianceMarkdown({
      title: 'Compliance map',
      intro: [
        '<!-- Generated by `npm run synth` from charts/security.ts (charts/security-rules/*.ts); do not edit by hand. -->',
        'Each control below is implemented by admission policies (OPA Gatekeeper), runtime detection rules (Falco) or vulnerability alerts (Trivy Operator). Every policy and rule carries its control ids: Gatekeeper objects in the `flextime.io/controls` annotation, Falco rules as tags. How the pieces fit together: docs/security.md.',
        'Live result: where the running cluster shows whether the control holds — the daily compliance reports of Trivy Operator (`kubectl get clustercompliancereports`, regenerated every day at 05:00 UTC), Gatekeeper\'s audit of every existing object, Falco events and vulnerability reports, each on a panel of the Grafana dashboard *FlexTime Security*. Node-level EKS CIS checks (section 3) are not evaluated: the node collector is off (it needs host paths that trivy-system\'s baseline Pod Security refuses), so those controls show no failure without having been checked; EKS managed node groups cover them.',
        `Environment enforcement: ${platform.environments.map((e) => `${e.name} \`${e.security.enforcementAction}\``).join(', ')}; namespaces outside the environments \`${platform.security.gatekeeper.platformEnforcementAction}\`. Exempt from every constraint: ${platform.security.gatekeeper.exemptNamespaces.join(', ')}.`,
      ],
      frameworks: FRAMEWORKS,
      controls: CONTROLS,
      implementations,
      reports: reportLines(platform),
    }),
  });
}

/** "FlexTime Security → *<panel>*": where docs/compliance.md sends a reader for a live result. */
function panel(name: keyof typeof SECURITY_PANELS): string {
  return `${SECURITY_DASHBOARD_TITLE} → *${SECURITY_PANELS[name]}*`;
}

/** Control id → the daily report controls that check it, for the "Live result" column. */
function reportLines(platform: Platform): Record<string, string[]> {
  const trivy = platform.addons.find((a) => a.name === 'trivy-operator');
  const specs = (trivy?.values as { compliance?: { specs?: readonly string[] } } | undefined)?.compliance?.specs ?? [];
  return Object.fromEntries(Object.entries(REPORT_CHECKS).map(([id, checks]) => [id, checks!.map((c) => {
    if (!specs.includes(c.report)) throw new Error(`${id}: the daily report '${c.report}' is not in the trivy-operator add-on's compliance.specs (${specs.join(', ') || 'none'})`);
    return `daily report \`${c.report}\` control ${c.control}${c.name ? ` (${c.name})` : ''} → ${panel('complianceFailing')}`;
  })]));
}

/** dist/<env>/security: the critical-vulnerability alert, where config asks for one. */
export function environmentSecurityChart(app: App, ctx: EnvContext): void {
  const severity = ctx.env.security.vulnerabilityAlert;
  if (severity === 'none') return;
  const chart = envChart(app, ctx, 'security', SOURCE);
  const { namespace, env, platform } = ctx;
  modelObject(chart, 'VulnerabilityAlert', new PrometheusRule({
    metadata: {
      name: VULNERABILITY_RULE,
      namespace,
      labels: { ...ctx.labels(VULNERABILITY_RULE, 'vulnerability-scanning'), ...PROMETHEUS_RULE_LABELS },
    },
    spec: {
      groups: [{
        name: 'flextime-vulnerabilities',
        rules: [{
          alert: VULNERABILITY_ALERT,
          // trivy-operator exports one series per scanned container image and severity.
          expr: `sum by (namespace, resource_kind, resource_name, container_name, image_repository, image_tag, image_digest) (trivy_image_vulnerabilities{namespace="${namespace}",severity="Critical"}) > 0`,
          for: '15m',
          labels: { severity, environment: env.name },
          annotations: {
            summary: 'Image {{ $labels.image_repository }} has critical vulnerabilities',
            description: `{{ $value }} fixable critical vulnerabilities in {{ $labels.image_repository }}@{{ $labels.image_digest }} (container {{ $labels.container_name }} of {{ $labels.resource_kind }}/{{ $labels.resource_name }} in ${namespace}). Rebuild on a patched base image and promote it; see the VulnerabilityReport in the namespace.`,
            runbook_url: `${platform.observability.alerting.runbookBaseUrl}/${VULNERABILITY_ALERT}.md`,
          },
        }],
      }],
    },
  }));
}

export const VULNERABILITY_ALERT = 'FlextimeCriticalImageVulnerability';
export const VULNERABILITY_RULE = 'flextime-image-vulnerabilities';

/**
 * The constraints of one policy: environments grouped by enforcementAction (one Constraint
 * each, `<policy>-<action>`), plus `<policy>-platform` for what lies outside the environments.
 */
export function constraintsOf(policy: PolicyDefinition, platform: Platform): ConstraintProps[] {
  const gk = platform.security.gatekeeper;
  const parameters = policy.values?.(platform);
  const constraints: ConstraintProps[] = [];
  if (policy.environments) {
    const envs = platform.environments.filter((e) => policy.environments!.when?.(e) ?? true);
    for (const action of ENFORCEMENT_ORDER) {
      const group: Environment[] = envs.filter((e) => e.security.enforcementAction === action);
      if (group.length === 0) continue;
      constraints.push({
        name: `${policy.name}-${action}`,
        enforcementAction: action,
        match: {
          kinds: policy.environments.kinds,
          scope: 'Namespaced',
          excludedNamespaces: gk.exemptNamespaces,
          namespaceSelector: { matchExpressions: [{ key: ENVIRONMENT_LABEL, operator: 'In', values: group.map((e) => e.name) }] },
        },
        ...(parameters ? { parameters } : {}),
      });
    }
  }
  if (policy.platform) {
    const p = policy.platform;
    const cluster = p.scope === 'Cluster';
    constraints.push({
      name: `${policy.name}-platform`,
      enforcementAction: gk.platformEnforcementAction,
      match: {
        kinds: p.kinds,
        scope: p.scope ?? 'Namespaced',
        ...(cluster ? {} : {
          excludedNamespaces: [...gk.exemptNamespaces, ...(p.excludedNamespaces?.(platform) ?? [])],
          namespaceSelector: { matchExpressions: [{ key: ENVIRONMENT_LABEL, operator: 'DoesNotExist' }] },
        }),
        ...(p.labelSelector ? { labelSelector: p.labelSelector(platform) } : {}),
      },
      ...(parameters ? { parameters } : {}),
    });
  }
  return constraints;
}

/** "namespaces of staging, production" for the compliance map. */
function describeMatch(c: ConstraintProps, platform: Platform): string {
  const all = c.match.kinds.flatMap((k) => k.kinds);
  // The pod-carrying kinds are listed in charts/security-rules/gatekeeper-policies.ts (POD_KINDS).
  const kinds = all.includes('Pod') && all.includes('Deployment')
    ? ['Pods and workload Pod templates', ...all.filter((k) => !POD_KIND_NAMES.has(k))].join(', ')
    : all.join(', ');
  const env = c.match.namespaceSelector?.matchExpressions?.find((e) => e.key === ENVIRONMENT_LABEL);
  if (env?.operator === 'In') {
    const names = platform.environments.filter((e) => env.values?.includes(e.name)).map((e) => namespaceOf(platform, e));
    return `${kinds} in ${names.join(', ')}`;
  }
  if (env?.operator === 'DoesNotExist') return `${kinds} in every other namespace except ${c.match.excludedNamespaces?.join(', ')}`;
  const selector = Object.entries(c.match.labelSelector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
  return `${kinds}${selector ? ` labelled ${selector}` : ''}`;
}
