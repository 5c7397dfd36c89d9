/**
 * Alertmanager routing as one AlertmanagerConfig (prometheus-operator v1alpha1) meant to be the
 * Alertmanager's *global* configuration (`alertmanagerSpec.alertmanagerConfiguration.name`):
 * used that way the operator adds no `namespace` matcher, so it routes alerts of every
 * namespace. Receiver credentials are references to keys of one Secret, never values.
 * @see https://prometheus-operator.dev/docs/developer/alerting/#using-alertmanagerconfig-resources-as-global-configuration
 */
import { Construct } from 'constructs';
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig';
import { modelObject } from '../model-object.ts';

/** Where one receiver sends. Credentials are keys of `AlertRoutingProps.secretName`. */
export interface ReceiverSpec {
  readonly name: string;
  /** Secret key holding a PagerDuty Events API v2 routing key. @default - no PagerDuty */
  readonly pagerDutyKey?: string;
  /** Slack incoming-webhook URL (secret key) and channel. @default - no Slack */
  readonly slack?: { readonly urlKey: string; readonly channel: string };
  /** Microsoft Teams Workflows webhook URL (secret key). @default - no Teams */
  readonly teamsUrlKey?: string;
  /**
   * Generic webhook URL (secret key), e.g. a dead man's switch that raises its own page when
   * the always-firing Watchdog stops arriving. @default - no webhook
   */
  readonly webhookUrlKey?: string;
  /** E-mail through an SMTP relay; the password is a secret key. @default - no e-mail */
  readonly email?: {
    readonly to: string;
    readonly from: string;
    readonly smarthost: string;
    readonly username: string;
    readonly passwordKey: string;
  };
}

/** One route below the root: alerts matching all `matchers` go to `receiver`. */
export interface RouteSpec {
  /** Label → value (`=`) or, when the value starts with `~`, label → regex (`=~`). */
  readonly matchers: Readonly<Record<string, string>>;
  readonly receiver: string;
  /** @default - the root's repeat interval */
  readonly repeatInterval?: string;
}

export interface AlertRoutingProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Secret (in `namespace`) holding every credential key the receivers name. */
  readonly secretName: string;
  readonly receivers: readonly ReceiverSpec[];
  /** First match wins. */
  readonly routes: readonly RouteSpec[];
  /** Receiver of alerts no route matches. */
  readonly defaultReceiver: string;
  /** @default ['alertname', 'namespace'] */
  readonly groupBy?: readonly string[];
  /** @default '30s' */
  readonly groupWait?: string;
  /** @default '5m' */
  readonly groupInterval?: string;
  /** @default '4h' */
  readonly repeatInterval?: string;
  /**
   * Labels that must be equal for a critical alert to mute a warning one.
   * @default ['alertname', 'namespace']
   */
  readonly inhibitEqual?: readonly string[];
}

export class AlertRouting extends Construct {
  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    const names = new Set<string>();
    for (const r of props.receivers) {
      if (names.has(r.name)) throw new Error(`receiver '${r.name}' is defined twice`);
      names.add(r.name);
    }
    for (const target of [props.defaultReceiver, ...props.routes.map((r) => r.receiver)]) {
      if (!names.has(target)) throw new Error(`route to receiver '${target}', which is not defined; defined: ${[...names].join(', ')}`);
    }
    const secret = (key: string) => ({ name: props.secretName, key });
    const matchers = (m: Readonly<Record<string, string>>) =>
      Object.entries(m).map(([name, value]) =>
        value.startsWith('~') ? { name, value: value.slice(1), matchType: '=~' as const } : { name, value, matchType: '=' as const });

    modelObject(this, 'Resource', new AlertmanagerConfig({
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        route: {
          receiver: props.defaultReceiver,
          groupBy: [...(props.groupBy ?? ['alertname', 'namespace'])],
          groupWait: props.groupWait ?? '30s',
          groupInterval: props.groupInterval ?? '5m',
          repeatInterval: props.repeatInterval ?? '4h',
          routes: props.routes.map((r) => ({
            receiver: r.receiver,
            matchers: matchers(r.matchers),
            ...(r.repeatInterval ? { repeatInterval: r.repeatInterval } : {}),
          })),
        },
        inhibitRules: [{
          sourceMatch: [{ name: 'severity', value: 'critical', matchType: '=' }],
          targetMatch: [{ name: 'severity', value: 'warning', matchType: '=' }],
          equal: [...(props.inhibitEqual ?? ['alertname', 'namespace'])],
        }],
        receivers: props.receivers.map((r) => ({
          name: r.name,
          ...(r.pagerDutyKey ? {
            pagerdutyConfigs: [{
              routingKey: secret(r.pagerDutyKey),
              severity: '{{ .CommonLabels.severity }}',
              description: '{{ .CommonAnnotations.summary }}',
              sendResolved: true,
            }],
          } : {}),
          ...(r.slack ? {
            slackConfigs: [{
              apiURL: secret(r.slack.urlKey),
              channel: r.slack.channel,
              sendResolved: true,
              title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})',
              text: '{{ range .Alerts }}{{ .Annotations.description }}\n<{{ .Annotations.runbook_url }}|Runbook>\n{{ end }}',
            }],
          } : {}),
          ...(r.teamsUrlKey ? {
            msteamsv2Configs: [{
              webhookURL: secret(r.teamsUrlKey),
              sendResolved: true,
              title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}',
              text: '{{ range .Alerts }}{{ .Annotations.description }} ({{ .Annotations.runbook_url }})\n{{ end }}',
            }],
          } : {}),
          ...(r.webhookUrlKey ? { webhookConfigs: [{ urlSecret: secret(r.webhookUrlKey), sendResolved: false }] } : {}),
          ...(r.email ? {
            emailConfigs: [{
              to: r.email.to,
              from: r.email.from,
              smarthost: r.email.smarthost,
              authUsername: r.email.username,
              authPassword: secret(r.email.passwordKey),
              requireTLS: true,
              sendResolved: true,
            }],
          } : {}),
        })),
      },
    }));
  }
}
