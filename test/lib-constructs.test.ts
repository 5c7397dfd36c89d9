/**
 * The lib/ constructs that had no test of their own, one describe each (named by file): what
 * they render, field by field against literals, and the props they refuse.
 */
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { modelObject } from '../lib/model-object.ts';
import { DashboardConfigMap } from '../lib/monitoring/dashboard-configmap.ts';
import { RuleSet } from '../lib/monitoring/prometheus-rule.ts';
import { MetricsScrape } from '../lib/monitoring/service-monitor.ts';
import { GuardedNamespace, podSecurityLabels } from '../lib/namespace.ts';
import { PublicIngress, type PublicIngressProps } from '../lib/public-ingress.ts';
import { RecommendationOnlyVpa } from '../lib/vertical-autoscaler.ts';

// Rendered objects are read field by field and compared with literals: a loose shape is enough.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any; data?: any };
const chart = () => new Chart(new App(), 'test');
const rendered = (c: Chart) => c.toJson() as Obj[];
const one = (c: Chart, kind: string) => rendered(c).find((o) => o.kind === kind)!;
const labels = { 'app.kubernetes.io/name': 'x' };

describe('lib/namespace.ts GuardedNamespace', () => {
  const props = {
    name: 'team-a', labels, podSecurityVersion: 'v1.32',
    quota: { requests: { cpu: '4', memory: '8Gi' }, limits: { cpu: '8', memory: '16Gi' }, pods: 40, services: 10, persistentVolumeClaims: 2, loadBalancers: 0, nodePorts: 0 },
    containerLimits: {
      defaultRequest: { cpu: '100m', memory: '128Mi', ephemeralStorage: '64Mi' },
      default: { cpu: '500m', memory: '512Mi', ephemeralStorage: '256Mi' },
      max: { cpu: '2', memory: '4Gi', ephemeralStorage: '2Gi' },
    },
  };

  it('renders the Namespace with Pod Security restricted in all three modes, pinned to a version', () => {
    const c = chart();
    new GuardedNamespace(c, 'ns', props);
    expect(rendered(c).map((o) => o.kind)).toEqual(['Namespace', 'ResourceQuota', 'LimitRange']);
    expect(one(c, 'Namespace').metadata.labels).toEqual({
      'app.kubernetes.io/name': 'x',
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.32',
      'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/audit-version': 'v1.32',
      'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.32',
    });
    expect(one(c, 'Namespace').metadata.annotations).toBeUndefined();
  });

  it('caps the namespace with a ResourceQuota and gives containers defaults and a ceiling', () => {
    const c = chart();
    new GuardedNamespace(c, 'ns', props);
    expect(one(c, 'ResourceQuota').spec.hard).toEqual({
      'requests.cpu': '4', 'requests.memory': '8Gi', 'limits.cpu': '8', 'limits.memory': '16Gi',
      pods: 40, services: 10, persistentvolumeclaims: 2, 'services.loadbalancers': 0, 'services.nodeports': 0,
    });
    expect(one(c, 'LimitRange').spec.limits).toEqual([{
      type: 'Container',
      defaultRequest: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' },
      default: { 'cpu': '500m', 'memory': '512Mi', 'ephemeral-storage': '256Mi' },
      max: { 'cpu': '2', 'memory': '4Gi', 'ephemeral-storage': '2Gi' },
    }]);
  });

  it('labels a privileged namespace for node agents when asked', () => {
    expect(podSecurityLabels('privileged', 'v1.30')['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });
});

describe('lib/public-ingress.ts PublicIngress', () => {
  const props: PublicIngressProps = {
    name: 'api', namespace: 'apps', labels, host: 'api.example.com', ingressClassName: 'nginx',
    backend: { service: 'api', port: 'http' }, clusterIssuer: 'letsencrypt', proxyBodySize: '1m',
    timeouts: { connect: 5, read: 60, send: 60 }, rateLimit: { rps: 20, burstMultiplier: 5, connections: 50 },
  };

  it('serves one host over TLS only, with timeouts and per-client rate limits as nginx annotations', () => {
    const c = chart();
    const ingress = new PublicIngress(c, 'in', props);
    expect(ingress.tlsSecretName).toBe('api-tls');
    const o = one(c, 'Ingress');
    expect(o.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true', 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/proxy-body-size': '1m', 'nginx.ingress.kubernetes.io/proxy-connect-timeout': '5',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '60', 'nginx.ingress.kubernetes.io/proxy-send-timeout': '60',
      'nginx.ingress.kubernetes.io/limit-rps': '20', 'nginx.ingress.kubernetes.io/limit-burst-multiplier': '5',
      'nginx.ingress.kubernetes.io/limit-connections': '50',
    });
    expect(o.spec.tls).toEqual([{ hosts: ['api.example.com'], secretName: 'api-tls' }]);
    expect(o.spec.rules[0].http.paths).toEqual([{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }]);
  });

  it('gets its certificate from the ClusterIssuer (ECDSA P-256, rotated, renewed 30 days early)', () => {
    const c = chart();
    new PublicIngress(c, 'in', props);
    expect(one(c, 'Certificate').spec).toEqual({
      secretName: 'api-tls', dnsNames: ['api.example.com'],
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt' },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' }, renewBefore: '720h',
      secretTemplate: { labels },
    });
  });

  it('refuses a rate limit or timeout below 1', () => {
    expect(() => new PublicIngress(chart(), 'in', { ...props, rateLimit: { ...props.rateLimit, rps: 0 } })).toThrow("'rps' (0) must be a whole number >= 1");
    expect(() => new PublicIngress(chart(), 'in', { ...props, timeouts: { ...props.timeouts, read: 2.5 } })).toThrow("'read' (2.5) must be a whole number >= 1");
  });
});

describe('lib/vertical-autoscaler.ts RecommendationOnlyVpa', () => {
  it('recommends only: updateMode Off, pointed at its workload', () => {
    const c = chart();
    new RecommendationOnlyVpa(c, 'v', { name: 'api', namespace: 'apps', labels, target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' } });
    expect(one(c, 'VerticalPodAutoscaler').spec).toEqual({ targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, updatePolicy: { updateMode: 'Off' } });
  });
});

describe('lib/model-object.ts modelObject', () => {
  it('refuses an object its Kubernetes model rejects, naming kind and name', () => {
    const model = { validate: () => { throw new Error('spec.x: wrong type'); }, toJSON: () => ({ apiVersion: 'v1', kind: 'Thing', metadata: { name: 'bad' } }) };
    expect(() => modelObject(chart(), 'm', model)).toThrow("Thing 'bad' does not match its schema: spec.x: wrong type");
  });
});

describe('lib/monitoring/service-monitor.ts MetricsScrape', () => {
  it('scrapes the metrics port of the selected Services in its own namespace only', () => {
    const c = chart();
    new MetricsScrape(c, 's', { name: 'api', namespace: 'apps', labels, selector: { app: 'api' } });
    expect(one(c, 'ServiceMonitor').spec).toEqual({
      jobLabel: 'app.kubernetes.io/name', selector: { matchLabels: { app: 'api' } }, namespaceSelector: { matchNames: ['apps'] },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    });
  });

  it('refuses an empty selector (it would scrape every Service)', () => {
    expect(() => new MetricsScrape(chart(), 's', { name: 'api', namespace: 'apps', labels, selector: {} }))
      .toThrow("'selector' of ServiceMonitor 'api' must not be empty; it would scrape every Service in apps");
  });
});

describe('lib/monitoring/prometheus-rule.ts RuleSet', () => {
  const alert = { alert: 'Down', expr: 'up == 0', for: '5m', labels: { severity: 'critical' }, annotations: { summary: 's', description: 'd', runbook_url: 'https://r' } };

  it('renders the groups as a PrometheusRule', () => {
    const c = chart();
    new RuleSet(c, 'r', { name: 'alerts', namespace: 'mon', labels, groups: [{ name: 'g', rules: [alert] }] });
    expect(one(c, 'PrometheusRule').spec).toEqual({ groups: [{ name: 'g', rules: [alert] }] });
  });

  it('refuses an alert without severity, runbook or with an unknown severity, and duplicate groups', () => {
    const build = (rules: unknown[], names = ['g']) => () => new RuleSet(chart(), 'r', { name: 'alerts', namespace: 'mon', labels, groups: names.map((name) => ({ name, rules })) as never });
    expect(build([{ ...alert, labels: {} }])).toThrow("alert 'Down' in group 'g' has no 'severity' label");
    expect(build([{ ...alert, annotations: { summary: 's', description: 'd' } }])).toThrow("alert 'Down' in group 'g' has no 'runbook_url' annotation");
    expect(build([{ ...alert, labels: { severity: 'page' } }])).toThrow("alert 'Down' in group 'g': 'severity' (page) must be one of critical, warning, info");
    expect(build([alert], ['g', 'g'])).toThrow("rule group 'g' appears twice in PrometheusRule 'alerts'");
  });
});

describe('lib/monitoring/dashboard-configmap.ts DashboardConfigMap', () => {
  it('ships the dashboard as <uid>.json with the sidecar label and folder annotation', () => {
    const c = chart();
    const cm = new DashboardConfigMap(c, 'd', { name: 'dash', namespace: 'mon', labels, dashboard: { uid: 'flex', title: 'Flex' } as never, folder: { annotation: 'grafana_folder', name: 'FlexTime' } });
    expect(cm.fileName).toBe('flex.json');
    const o = one(c, 'ConfigMap');
    expect(o.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'x', grafana_dashboard: '1' });
    expect(o.metadata.annotations).toEqual({ grafana_folder: 'FlexTime' });
    expect(o.data).toEqual({ 'flex.json': '{\n  "uid": "flex",\n  "title": "Flex"\n}\n' });
  });

  it('refuses a dashboard without uid and one too big for a ConfigMap ArgoCD applies', () => {
    expect(() => new DashboardConfigMap(chart(), 'd', { name: 'dash', namespace: 'mon', labels, dashboard: { title: 'Flex' } as never }))
      .toThrow("dashboard 'Flex' of ConfigMap 'dash' needs a 'uid'");
    expect(() => new DashboardConfigMap(chart(), 'd', { name: 'dash', namespace: 'mon', labels, dashboard: { uid: 'big', title: 'x'.repeat(300_000) } as never }))
      .toThrow(/^dashboard 'big' is 300\d\d\d bytes; a ConfigMap applied by ArgoCD must stay under 262144$/);
  });
});
