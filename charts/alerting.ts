/**
 * dist/cluster/alerting: Alertmanager routing for every environment, and the ExternalSecrets
 * of the receiver credentials and of Grafana's OAuth client secret.
 *
 *   Watchdog (always firing)         → the dead man's switch, every minute: it pages when they stop
 *   critical in a paging environment → PagerDuty + Slack + e-mail to the operations team
 *   critical of the cluster itself   → the same (no `environment` label: kube-prometheus-stack's
 *                                      rules, which watch the cluster production runs on)
 *   critical elsewhere               → Slack
 *   warning                          → Slack + Microsoft Teams
 *   anything else (InfoInhibitor)    → nowhere
 * A critical alert mutes the warning alert of the same name in the same environment.
 */
import type { App } from 'cdk8s';
import type { Platform } from '../config/index.ts';
import { SyncedSecret } from '../lib/external-secrets.ts';
import { recommendedLabels } from '../lib/labels.ts';
import { AlertRouting } from '../lib/monitoring/alert-routing.ts';
import { clusterChart } from './context.ts';
import { monitoringNamespace } from './monitoring.ts';

const SOURCE = 'charts/alerting.ts';

/** Referenced by kube-prometheus-stack values: `alertmanager.alertmanagerSpec.alertmanagerConfiguration.name`. */
export const ALERTMANAGER_CONFIG_NAME = 'flextime-alert-routing';
export const RECEIVER_SECRET_NAME = 'alertmanager-receivers';
/** Referenced by kube-prometheus-stack values: `grafana.envFromSecret`. */
export const GRAFANA_OAUTH_SECRET = 'grafana-oauth';

/** Keys of the receiver Secret = JSON properties of the Secrets Manager secret `alerting.secretKey`. */
export const RECEIVER_KEYS = {
  pagerDuty: 'pagerduty-routing-key',
  slack: 'slack-webhook-url',
  teams: 'teams-webhook-url',
  smtpPassword: 'smtp-password',
  /** URL of the external dead man's switch (a heartbeat check that pages when Watchdog stops). */
  deadMansSwitch: 'deadmans-switch-url',
} as const;

export function alertingChart(app: App, platform: Platform): void {
  const chart = clusterChart(app, 'alerting', SOURCE);
  const { alerting, grafana } = platform.observability;
  const namespace = monitoringNamespace(platform);
  const labels = (name: string, component: string) =>
    recommendedLabels({ name, instance: name, component, partOf: platform.partOf });

  new SyncedSecret(chart, 'receiver-secret', {
    name: RECEIVER_SECRET_NAME,
    namespace,
    labels: labels(RECEIVER_SECRET_NAME, 'alerting'),
    storeName: platform.secretStore.name,
    keys: Object.values(RECEIVER_KEYS).map((key) => ({ secretKey: key, remoteKey: alerting.secretKey, property: key })),
  });

  const slack = { urlKey: RECEIVER_KEYS.slack, channel: alerting.slackChannel };
  new AlertRouting(chart, 'routing', {
    name: ALERTMANAGER_CONFIG_NAME,
    namespace,
    labels: labels(ALERTMANAGER_CONFIG_NAME, 'alerting'),
    secretName: RECEIVER_SECRET_NAME,
    groupBy: ['alertname', 'environment', 'namespace'],
    inhibitEqual: ['alertname', 'environment', 'namespace'],
    defaultReceiver: 'null',
    receivers: [
      { name: 'null' },
      {
        name: 'oncall',
        pagerDutyKey: RECEIVER_KEYS.pagerDuty,
        slack,
        email: { ...alerting.email, passwordKey: RECEIVER_KEYS.smtpPassword },
      },
      { name: 'slack', slack },
      { name: 'slack-and-teams', slack, teamsUrlKey: RECEIVER_KEYS.teams },
      { name: 'deadmans-switch', webhookUrlKey: RECEIVER_KEYS.deadMansSwitch },
    ],
    routes: [
      { matchers: { alertname: 'Watchdog' }, receiver: 'deadmans-switch', repeatInterval: '1m' },
      { matchers: { alertname: 'InfoInhibitor' }, receiver: 'null' },
      {
        // `environment=""` also matches alerts without the label: the cluster's own critical alerts.
        matchers: { severity: 'critical', environment: `~|${[...alerting.pagingEnvironments].sort().join('|')}` },
        receiver: 'oncall',
        repeatInterval: '1h',
      },
      { matchers: { severity: 'critical' }, receiver: 'slack' },
      { matchers: { severity: 'warning' }, receiver: 'slack-and-teams' },
    ],
  });

  // ArgoCD's notification service (terraform-bootstrap/cluster/argocd.tf `notifications`): the Slack
  // token the Applications' subscriptions are sent with.
  new SyncedSecret(chart, 'argocd-notifications', {
    name: 'argocd-notifications-secret',
    namespace: platform.gitops.namespace,
    labels: labels('argocd-notifications-secret', 'gitops'),
    storeName: platform.secretStore.name,
    keys: [{ secretKey: 'slack-token', remoteKey: alerting.secretKey, property: 'argocd-slack-token' }],
  });

  new SyncedSecret(chart, 'grafana-oauth', {
    name: GRAFANA_OAUTH_SECRET,
    namespace,
    labels: labels(GRAFANA_OAUTH_SECRET, 'grafana'),
    storeName: platform.secretStore.name,
    keys: [{ secretKey: 'GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET', remoteKey: grafana.oauthSecretKey, property: 'client-secret' }],
  });
}
