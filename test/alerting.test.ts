import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AlertRouting, type AlertRoutingProps } from '../lib/monitoring/alert-routing.ts';
import { loadConfig } from '../config/index.ts';
import { RECEIVER_KEYS } from '../charts/alerting.ts';
import { find, renderPlatform } from './helpers.ts';

const platform = loadConfig();
const files = renderPlatform();
const config = find('AlertmanagerConfig', 'flextime-alert-routing', 'dist/cluster/alerting/', files);
type Spec = {
  route: { receiver: string; groupBy: string[]; routes: { receiver: string; matchers: { name: string; value: string; matchType: string }[] }[] };
  receivers: Record<string, unknown>[];
  inhibitRules: unknown[];
};
const spec = config.spec as Spec;
const receiver = (name: string) => spec.receivers.find((r) => r.name === name)!;

describe('Alertmanager routing', () => {
  it('lives beside Alertmanager as its global configuration', () => {
    expect(config.apiVersion).toBe('monitoring.coreos.com/v1alpha1');
    expect(config.metadata.namespace).toBe(platform.addons.find((a) => a.name === 'kube-prometheus-stack')!.namespace);
  });

  it('pages production and cluster-level (no environment label) critical alerts to PagerDuty, Slack and the operations team by e-mail', () => {
    const route = spec.route.routes.find((r) => r.receiver === 'oncall')!;
    expect(route.matchers).toEqual([
      { name: 'severity', value: 'critical', matchType: '=' },
      { name: 'environment', value: '|production', matchType: '=~' },
    ]);
    expect(receiver('oncall')).toMatchObject({
      pagerdutyConfigs: [{ routingKey: { name: 'alertmanager-receivers', key: 'pagerduty-routing-key' } }],
      slackConfigs: [{ channel: '#flextime-alerts', apiURL: { name: 'alertmanager-receivers', key: 'slack-webhook-url' } }],
      emailConfigs: [{ to: 'ops-team@flextime.app', authPassword: { name: 'alertmanager-receivers', key: 'smtp-password' } }],
    });
  });

  it('sends other critical alerts to Slack and warnings to Slack and Microsoft Teams', () => {
    expect(spec.route.routes.map((r) => r.receiver)).toEqual(['deadmans-switch', 'null', 'oncall', 'slack', 'slack-and-teams']);
    expect(receiver('deadmans-switch')).toMatchObject({ webhookConfigs: [{ urlSecret: { name: 'alertmanager-receivers', key: 'deadmans-switch-url' } }] });
    expect(receiver('slack-and-teams')).toMatchObject({
      slackConfigs: [{ channel: '#flextime-alerts' }],
      msteamsv2Configs: [{ webhookURL: { name: 'alertmanager-receivers', key: 'teams-webhook-url' } }],
    });
    expect(spec.route.receiver).toBe('null');
  });

  it('groups by alert and environment, and lets a critical alert mute the warning of the same name', () => {
    expect(spec.route.groupBy).toEqual(['alertname', 'environment', 'namespace']);
    expect(spec.inhibitRules).toEqual([{
      sourceMatch: [{ name: 'severity', value: 'critical', matchType: '=' }],
      targetMatch: [{ name: 'severity', value: 'warning', matchType: '=' }],
      equal: ['alertname', 'environment', 'namespace'],
    }]);
  });

  it('reads every credential from an ExternalSecret and holds no value itself', () => {
    const secret = find('ExternalSecret', 'alertmanager-receivers', 'dist/cluster/alerting/', files);
    const data = (secret.spec as { data: { secretKey: string; remoteRef: { key: string; property: string } }[] }).data;
    expect(data.map((d) => d.secretKey).sort()).toEqual(Object.values(RECEIVER_KEYS).sort());
    expect(data.every((d) => d.remoteRef.key === platform.observability.alerting.secretKey)).toBe(true);
    expect(JSON.stringify(spec)).not.toMatch(/hooks\.slack\.com|events\.pagerduty\.com|webhook\.office\.com/);
  });

  it('reads Grafana\'s OAuth client secret from an ExternalSecret', () => {
    const secret = find('ExternalSecret', 'grafana-oauth', 'dist/cluster/alerting/', files);
    expect((secret.spec as { data: unknown[] }).data).toEqual([{
      secretKey: 'GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET',
      remoteRef: { key: platform.observability.grafana.oauthSecretKey, property: 'client-secret' },
    }]);
  });
});

describe('AlertRouting', () => {
  const base: AlertRoutingProps = {
    name: 'r', namespace: 'm', labels: {}, secretName: 's', defaultReceiver: 'null',
    receivers: [{ name: 'null' }], routes: [],
  };
  const build = (props: Partial<AlertRoutingProps>) => new AlertRouting(new Chart(new App(), 'c'), 'r', { ...base, ...props });

  it('rejects a route to an undefined receiver', () => {
    expect(() => build({ routes: [{ matchers: { severity: 'critical' }, receiver: 'pager' }] }))
      .toThrow("route to receiver 'pager', which is not defined; defined: null");
  });
  it('rejects a receiver defined twice', () => {
    expect(() => build({ receivers: [{ name: 'null' }, { name: 'null' }] })).toThrow("receiver 'null' is defined twice");
  });
});
