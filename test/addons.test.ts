/**
 * The add-on Applications against what the rest of the repository renders: every name the
 * charts' values refer to (ConfigMaps, Secrets, AlertmanagerConfig, dashboards) exists in
 * dist/ in the add-on's namespace, Prometheus selects every ServiceMonitor and rule we render
 * or enable, and the values that keep add-ons inside our policies (Service types, Pod Security).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { PROMETHEUS_SELECTOR_LABELS } from '../config/addons.ts';
import type { RenderedFile } from '../lib/synth/engine.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { configError, find, objects, ownCluster, rawConfig, renderPlatform } from './helpers.ts';

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface HelmSource { chart: string; targetRevision: string; helm: { releaseName: string; valuesObject: Values } }

let files: RenderedFile[];
let dist: KubeObject[];
const platform = loadConfig();
const addonApp = (addon: string) => find('Application', `addon-flextime-${addon}`, 'argocd/apps/', files);
const source = (addon: string) => (addonApp(addon).spec as { source: HelmSource }).source;
const values = (addon: string) => source(addon).helm.valuesObject;
const namespaceOf = (addon: string) => (addonApp(addon).spec as { destination: { namespace: string } }).destination.namespace;
const labelsMatch = (selector: { matchLabels: Record<string, string> }, labels: Record<string, string> = {}) =>
  Object.entries(selector.matchLabels).every(([k, v]) => labels[k] === v);
const kps = () => values('kube-prometheus-stack');

beforeAll(() => {
  files = renderPlatform();
  dist = objects('dist/', files);
});

/**
 * Every ServiceMonitor an add-on's values switch on, with the labels it gets: the keys differ per
 * chart (`additionalLabels`, cert-manager's and trivy's `labels`), so the walk accepts both.
 */
function enabledServiceMonitors(v: Values, path = ''): { path: string; labels: Record<string, string> }[] {
  const found: { path: string; labels: Record<string, string> }[] = [];
  for (const [key, child] of Object.entries(v)) {
    if (!child || typeof child !== 'object' || Array.isArray(child)) continue;
    const here = path ? `${path}.${key}` : key;
    if (/^servicemonitor$/i.test(key) && child.enabled === true) found.push({ path: here, labels: child.additionalLabels ?? child.labels ?? child.selector ?? {} });
    else found.push(...enabledServiceMonitors(child, here));
  }
  return found;
}

describe('Prometheus selects what we render and what the add-ons enable', () => {
  it('selects ServiceMonitors, PodMonitors and rules by the one label of config/addons.ts: its Helm release', () => {
    const spec = kps().prometheus.prometheusSpec;
    for (const key of ['serviceMonitorSelector', 'podMonitorSelector', 'ruleSelector']) {
      expect(spec[key], key).toEqual({ matchLabels: PROMETHEUS_SELECTOR_LABELS });
    }
    // The chart's own ServiceMonitors (kubelet, apiserver, …) carry release=<Helm release name>.
    expect(PROMETHEUS_SELECTOR_LABELS).toEqual({ release: source('kube-prometheus-stack').helm.releaseName });
  });

  it('matches every ServiceMonitor, PodMonitor and PrometheusRule rendered into dist/', () => {
    const spec = kps().prometheus.prometheusSpec;
    const selectorOf: Record<string, { matchLabels: Record<string, string> }> = {
      ServiceMonitor: spec.serviceMonitorSelector, PodMonitor: spec.podMonitorSelector, PrometheusRule: spec.ruleSelector,
    };
    const monitored = dist.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/') && selectorOf[o.kind]);
    expect(monitored.filter((o) => o.kind === 'PrometheusRule').length).toBeGreaterThan(3);
    expect(monitored.filter((o) => o.kind === 'ServiceMonitor').length).toBeGreaterThan(3);
    for (const o of monitored) expect(labelsMatch(selectorOf[o.kind]!, o.metadata.labels), `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).toBe(true);
  });

  it('labels every ServiceMonitor an add-on enables so that Prometheus selects it', () => {
    const selector = kps().prometheus.prometheusSpec.serviceMonitorSelector;
    const all = platform.addons.flatMap((a) => enabledServiceMonitors(values(a.name)).map((m) => ({ ...m, addon: a.name })));
    expect(all.map((m) => `${m.addon}: ${m.path}`)).toEqual(expect.arrayContaining([
      'falco: falcosidekick.serviceMonitor',
      'trivy-operator: serviceMonitor',
      'cert-manager: prometheus.servicemonitor',
      'external-secrets: serviceMonitor',
      'cluster-autoscaler: serviceMonitor',
    ]));
    for (const m of all) expect(labelsMatch(selector, m.labels), `${m.addon}: ${m.path}`).toBe(true);
  });

  it('finds an enabled ServiceMonitor without the label (the check above can fail)', () => {
    const missing = enabledServiceMonitors({ controller: { metrics: { serviceMonitor: { enabled: true } } }, other: { serviceMonitor: { enabled: false } } });
    expect(missing).toEqual([{ path: 'controller.metrics.serviceMonitor', labels: {} }]);
    expect(labelsMatch(kps().prometheus.prometheusSpec.serviceMonitorSelector, missing[0]!.labels)).toBe(false);
  });
});

describe('kube-prometheus-stack', () => {
  it('routes alerts with the rendered global AlertmanagerConfig and does not merge it a second time', () => {
    const am = kps().alertmanager.alertmanagerSpec;
    const global = find('AlertmanagerConfig', am.alertmanagerConfiguration.name, 'dist/', files);
    expect(global.metadata.namespace).toBe(namespaceOf('kube-prometheus-stack'));
    expect(labelsMatch(am.alertmanagerConfigSelector, global.metadata.labels)).toBe(false);
  });

  it('logs Grafana in with the SSO issuer of config and the client secret of the rendered ExternalSecret', () => {
    const grafana = kps().grafana;
    const oauth = grafana['grafana.ini']['auth.generic_oauth'];
    for (const key of ['auth_url', 'token_url', 'api_url']) expect(oauth[key], key).toMatch(new RegExp(`^${platform.sso.issuer}/protocol/openid-connect/`));
    expect(oauth.client_id).toBe(platform.observability.grafana.oauthClientId);
    expect(oauth.role_attribute_path).toBe(platform.observability.grafana.roleAttributePath);
    const secret = dist.find((o) => o.kind === 'ExternalSecret' && (o.spec as { target: { name: string } }).target.name === grafana.envFromSecret)!;
    expect(secret.metadata.namespace).toBe(namespaceOf('kube-prometheus-stack'));
    expect((secret.spec as { data: { secretKey: string }[] }).data.map((d) => d.secretKey)).toContain('GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET');
    expect(JSON.stringify(kps())).not.toMatch(/client_secret/);
  });

  it('loads every rendered dashboard ConfigMap through the sidecar, from its own namespace only', () => {
    const sidecar = kps().grafana.sidecar.dashboards;
    const dashboards = dist.filter((o) => o.kind === 'ConfigMap' && o.metadata.name!.startsWith('grafana-dashboard-'));
    expect(dashboards.length).toBeGreaterThan(0);
    for (const cm of dashboards) {
      expect(cm.metadata.labels?.[sidecar.label], cm.metadata.name).toBe(sidecar.labelValue);
      expect(cm.metadata.namespace, cm.metadata.name).toBe(sidecar.searchNamespace);
      expect(cm.metadata.annotations, cm.metadata.name).toHaveProperty(sidecar.folderAnnotation);
    }
    expect(sidecar.searchNamespace).toBe(namespaceOf('kube-prometheus-stack'));
  });
});

describe('Falco', () => {
  it('mounts the rendered FlexTime rules ConfigMap read-only at /etc/falco/rules.d', () => {
    const v = values('falco');
    const volume = v.mounts.volumes.find((x: { configMap?: { name: string } }) => x.configMap)!;
    const cm = find('ConfigMap', volume.configMap.name, 'dist/cluster/security/', files);
    expect(cm.metadata.namespace).toBe(namespaceOf('falco'));
    expect(v.mounts.volumeMounts).toEqual([{ name: volume.name, mountPath: '/etc/falco/rules.d', readOnly: true }]);
  });

  it('gives Falcosidekick the Slack webhook of the rendered ExternalSecret, from the configured priority', () => {
    const sidekick = values('falco').falcosidekick;
    expect(sidekick.enabled).toBe(true);
    const secret = find('ExternalSecret', sidekick.config.existingSecret, 'dist/cluster/security/', files);
    expect(secret.metadata.namespace).toBe(namespaceOf('falco'));
    expect((secret.spec as { data: { secretKey: string }[] }).data.map((d) => d.secretKey)).toEqual(['SLACK_WEBHOOKURL']);
    expect(sidekick.config.slack.minimumpriority).toBe(platform.security.falco.slackMinimumPriority.toLowerCase());
    expect(sidekick.serviceMonitor).toEqual({ enabled: true, additionalLabels: PROMETHEUS_SELECTOR_LABELS });
  });

  it('runs the container metadata collector and installs into the namespace the security chart writes to', () => {
    expect(values('falco').collectors).toEqual({ enabled: true, containerEngine: { enabled: true } });
    expect(namespaceOf('falco')).toBe(platform.security.falco.namespace);
  });
});

describe('Gatekeeper', () => {
  it('pins the chart to the release of the gator CLI that tests our policies', () => {
    expect(source('gatekeeper').targetRevision).toBe('3.23.0');
    const tools = 'scripts/install-tools';
    expect(readFileSync(tools, 'utf8')).toMatch(/^gator\s+v3\.23\.0\s/m);
  });

  it('syncs every Constraint with its ConstraintTemplate, after it and without a dry run of the missing kind', () => {
    const security = objects('dist/cluster/security/', files);
    const templates = security.filter((o) => o.kind === 'ConstraintTemplate');
    const constraints = security.filter((o) => o.apiVersion.startsWith('constraints.gatekeeper.sh/'));
    expect(constraints.length).toBeGreaterThan(0);
    const kinds = new Set(templates.map((t) => (t.spec as { crd: { spec: { names: { kind: string } } } }).crd.spec.names.kind));
    const wave = (o: KubeObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    for (const c of constraints) {
      expect(kinds.has(c.kind), `${c.kind} has its template in the same folder`).toBe(true);
      expect(c.metadata.annotations?.['argocd.argoproj.io/sync-options'], c.metadata.name).toBe('SkipDryRunOnMissingResource=true');
      expect(wave(c), c.metadata.name).toBeGreaterThan(Math.max(...templates.map(wave)));
    }
    const syncing = objects('argocd/apps/', files).filter((a) => (a.spec as { source: { path?: string } }).source.path === 'dist/cluster/security');
    expect(syncing.map((a) => a.metadata.name)).toEqual(['cluster-flextime-security']);
    expect((syncing[0]!.spec as { syncPolicy: { retry?: object } }).syncPolicy.retry).toBeDefined();
  });
});

describe('Trivy Operator', () => {
  it('writes vulnerability and config-audit reports and exposes trivy_image_vulnerabilities to Prometheus', () => {
    const v = values('trivy-operator');
    expect(v.operator).toMatchObject({ vulnerabilityScannerEnabled: true, configAuditScannerEnabled: true });
    expect(v.serviceMonitor).toEqual({ enabled: true, labels: PROMETHEUS_SELECTOR_LABELS });
    const alert = find('PrometheusRule', 'flextime-image-vulnerabilities', 'dist/production/security/', files);
    expect(JSON.stringify(alert.spec)).toContain('trivy_image_vulnerabilities');
  });

  it('runs no node-collector, whose host paths the namespace Pod Security level refuses', () => {
    expect(platform.addons.find((a) => a.name === 'trivy-operator')!.podSecurity).toBe('baseline');
    expect(values('trivy-operator').operator.infraAssessmentScannerEnabled).toBe(false);
  });
});

describe('chaos-mesh', () => {
  it('exposes its dashboard as ClusterIP: the service-exposure policy allows NodePort only for the ingress controller', () => {
    expect(values('chaos-mesh').dashboard.service).toEqual({ type: 'ClusterIP' });
    expect(platform.security.gatekeeper.loadBalancerNamespaces).not.toContain(namespaceOf('chaos-mesh'));
  });

  it('rejects a NodePort dashboard in config', () => {
    const raw = rawConfig();
    (raw.addons.find((a) => a.name === 'chaos-mesh')!.values as Values).dashboard.service.type = 'NodePort';
    expect(configError(raw)).toContain('addons[chaos-mesh].values.dashboard.service.type = "NodePort": must be one of "ClusterIP"');
  });
});

describe('cluster-autoscaler', () => {
  const ca = () => values('cluster-autoscaler');

  it('discovers the node groups of its own cluster, by the EKS name and region Terraform reports', () => {
    const outputs = platform.aws.outputs.clusters.flextime!;
    expect(ca().autoDiscovery).toEqual({ clusterName: outputs.cluster_name });
    expect(ca().awsRegion).toBe(outputs.region);
    expect(ca().cloudProvider).toBe('aws');
    expect(source('cluster-autoscaler')).toMatchObject({ chart: 'cluster-autoscaler', targetRevision: '9.46.6' });
  });

  it('runs as the ServiceAccount the cluster-autoscaler IAM role trusts, with that role', () => {
    const sa = platform.aws.serviceAccounts.clusterAutoscaler;
    expect(namespaceOf('cluster-autoscaler')).toBe(sa.namespace);
    expect(ca().rbac.serviceAccount).toEqual({
      name: sa.name,
      annotations: { 'eks.amazonaws.com/role-arn': platform.aws.outputs.clusters.flextime!.cluster_autoscaler_role_arn },
    });
    expect(ca().serviceMonitor.namespace).toBe(sa.namespace);
  });

  it('runs under restricted Pod Security in its own namespace (dist/cluster/namespaces)', () => {
    const namespace = objects('dist/cluster/namespaces/').find((o) => o.kind === 'Namespace' && o.metadata.name === 'cluster-autoscaler');
    expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(ca().securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(ca().containerSecurityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('gives a new cluster its own cluster name, region and role', () => {
    const raw = rawConfig();
    raw.clusters.push(ownCluster(raw, 'flextime-production', 'production'));
    raw.environments.find((e) => e.name === 'production')!.cluster = 'flextime-production';
    const role = 'arn:aws:iam::111111111111:role/flextime-production-cluster-autoscaler';
    raw.aws.outputs.clusters['flextime-production'] = { ...raw.aws.outputs.clusters.flextime!, cluster_name: 'flextime-production', region: 'us-west-2', cluster_autoscaler_role_arn: role };
    raw.aws.outputs.environments.production = { ...raw.aws.outputs.environments.production!, cluster_name: 'flextime-production' };
    const app = find('Application', 'addon-flextime-production-cluster-autoscaler', 'argocd/apps/', renderPlatform(loadConfig(raw)));
    const v = (app.spec as { source: HelmSource }).source.helm.valuesObject;
    expect([v.autoDiscovery.clusterName, v.awsRegion, v.rbac.serviceAccount.annotations['eks.amazonaws.com/role-arn']]).toEqual(['flextime-production', 'us-west-2', role]);
  });

  it('refuses to install it where its IAM role does not trust its ServiceAccount', () => {
    const raw = rawConfig();
    raw.aws.serviceAccounts.clusterAutoscaler.namespace = 'kube-system';
    expect(() => renderPlatform(loadConfig(raw))).toThrow('addons[cluster-autoscaler].namespace = "cluster-autoscaler": must be aws.serviceAccounts.clusterAutoscaler.namespace ("kube-system"), the only namespace its IAM role trusts');
  });
});

describe('add-on values config errors', () => {
  it('rejects an empty Prometheus selector, which would select every ServiceMonitor', () => {
    const raw = rawConfig();
    (raw.addons.find((a) => a.name === 'kube-prometheus-stack')!.values as Values).prometheus.prometheusSpec.ruleSelector = { matchLabels: {} };
    expect(configError(raw)).toContain('addons[kube-prometheus-stack].values.prometheus.prometheusSpec.ruleSelector.matchLabels = {}: must not be empty (an empty selector selects everything)');
  });

  it('rejects a Falcosidekick priority Falcosidekick does not know', () => {
    const raw = rawConfig();
    (raw.addons.find((a) => a.name === 'falco')!.values as Values).falcosidekick.config.slack.minimumpriority = 'WARNING';
    expect(configError(raw)).toContain('addons[falco].values.falcosidekick.config.slack.minimumpriority = "WARNING": must be one of "emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"');
  });
});

describe('AppProject of the security folder', () => {
  it('puts dist/cluster/security in the platform project, which allows the Falco namespace on the cluster', () => {
    const app = find('Application', 'cluster-flextime-security', 'argocd/apps/', files);
    const spec = app.spec as { project: string; destination: { server: string } };
    expect(spec.project).toBe('platform');
    const written = new Set(objects('dist/cluster/security/', files).flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])));
    expect([...written]).toEqual([platform.security.falco.namespace]);
    const destinations = (find('AppProject', 'platform', 'argocd/projects/', files).spec as { destinations: { server: string; namespace: string }[] }).destinations;
    expect(destinations).toContainEqual({ server: spec.destination.server, namespace: platform.security.falco.namespace });
  });
});
