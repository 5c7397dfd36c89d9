/**
 * A PrometheusRule (prometheus-operator) from rule groups, checked for what on-call needs: every
 * alert carries a severity and says what is wrong and where the runbook is.
 * @see https://prometheus-operator.dev/docs/developer/alerting/
 */
import { Construct } from 'constructs';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { modelObject } from '../model-object.ts';
import { isAlertingRule, type RuleGroup } from './rules.ts';

export interface RuleSetProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the object; include the label the Prometheus `ruleSelector` matches. */
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly RuleGroup[];
  /**
   * Labels every alerting rule must set.
   * @default ['severity']
   */
  readonly requiredLabels?: readonly string[];
  /**
   * Annotations every alerting rule must set.
   * @default ['summary', 'description', 'runbook_url']
   */
  readonly requiredAnnotations?: readonly string[];
  /**
   * Allowed values of the `severity` label.
   * @default ['critical', 'warning', 'info']
   */
  readonly severities?: readonly string[];
}

export class RuleSet extends Construct {
  public readonly groups: readonly RuleGroup[];

  constructor(scope: Construct, id: string, props: RuleSetProps) {
    super(scope, id);
    const requiredLabels = props.requiredLabels ?? ['severity'];
    const requiredAnnotations = props.requiredAnnotations ?? ['summary', 'description', 'runbook_url'];
    const severities = props.severities ?? ['critical', 'warning', 'info'];
    if (props.groups.length === 0) throw new Error(`'groups' of PrometheusRule '${props.name}' must not be empty`);
    const groupNames = new Set<string>();
    for (const group of props.groups) {
      if (groupNames.has(group.name)) throw new Error(`rule group '${group.name}' appears twice in PrometheusRule '${props.name}'`);
      groupNames.add(group.name);
      for (const rule of group.rules.filter(isAlertingRule)) {
        const where = `alert '${rule.alert}' in group '${group.name}'`;
        for (const label of requiredLabels) {
          if (!rule.labels[label]) throw new Error(`${where} has no '${label}' label`);
        }
        for (const annotation of requiredAnnotations) {
          if (!rule.annotations[annotation]) throw new Error(`${where} has no '${annotation}' annotation`);
        }
        const severity = rule.labels.severity;
        if (severity !== undefined && !severities.includes(severity)) {
          throw new Error(`${where}: 'severity' (${severity}) must be one of ${severities.join(', ')}`);
        }
      }
    }
    this.groups = props.groups;
    modelObject(this, 'Resource', new PrometheusRule({
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        groups: props.groups.map((g) => ({
          name: g.name,
          ...(g.interval ? { interval: g.interval } : {}),
          rules: g.rules.map((r) => ({ ...r })),
        })),
      },
    }));
  }
}
