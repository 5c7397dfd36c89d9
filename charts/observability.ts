/**
 * dist/cluster/observability: what guards the observability namespace (kube-prometheus-stack,
 * the OTel Collector, Jaeger; issue 19 class 8).
 *
 *   default-deny          every pod, both directions
 *   otel-collector        OTLP in from api-svc/scheduler-svc of the environments; metrics to Prometheus; out to Jaeger
 *   jaeger                OTLP from the collector; UI only from oauth2-proxy; metrics to Prometheus
 *   oauth2-proxy          the UI's login (Big 12 SSO), from ingress-nginx; out to Jaeger and the SSO issuer
 *   monitoring-stack      the rest (Prometheus, Alertmanager, Grafana, operator, kube-state-metrics):
 *                         in from the namespace, Argo Rollouts' analyses and the cluster VPC (API server
 *                         webhooks); out to the cluster and the internet (scrapes, receivers, SSO), never
 *                         the instance metadata service
 *
 * The Jaeger UI is reachable only through oauth2-proxy at `jaeger.<production domain>`.
 */
import type { App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Platform } from '../config/index.ts';
import { SyncedSecret } from '../lib/external-secrets.ts';
import { recommendedLabels, selectorLabels } from '../lib/labels.ts';
import { ProbeCheck } from '../lib/pod-props.ts';
import { PublicIngress } from '../lib/public-ingress.ts';
import { HardenedWorkload, Replicas } from '../lib/workload.ts';
import { clusterChart } from './context.ts';
import { COLLECTOR, JAEGER } from './tracing.ts';

const SOURCE = 'charts/observability.ts';
export const OAUTH2_PROXY = 'oauth2-proxy';
const PROXY_PORT = 4180;
const NAME = 'app.kubernetes.io/name';
const DNS: k8s.NetworkPolicyPort[] = [{ port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' }, { port: k8s.IntOrString.fromNumber(53), protocol: 'TCP' }];
const port = (n: number): k8s.NetworkPolicyPort => ({ port: k8s.IntOrString.fromNumber(n), protocol: 'TCP' });
const pods = (labels: Record<string, string>, namespace?: string): k8s.NetworkPolicyPeer => ({
  podSelector: { matchLabels: labels },
  ...(namespace ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } } : {}),
});

export function observabilityChart(app: App, platform: Platform): void {
  const chart = clusterChart(app, 'observability', SOURCE);
  const { tracing } = platform.observability;
  const namespace = tracing.namespace;
  const labels = (name: string, component = 'network-policy') => recommendedLabels({ name, instance: name, component, partOf: platform.partOf });
  const production = platform.environments.find((e) => e.name === 'production') ?? platform.environments[0]!;
  const issuerRanges = production.network.cidrs['oidc-issuer'];
  if (!Array.isArray(issuerRanges)) throw new Error(`'environments[${production.name}].network.cidrs.oidc-issuer' must list the SSO issuer's ranges: oauth2-proxy (Jaeger's login) reaches it`);
  const vpc = platform.clusters.find((c) => c.name === production.cluster)?.network?.vpcCidr;
  if (!vpc) throw new Error(`clusters[${production.cluster}].network is needed: the API server reaches the monitoring stack's webhooks from the VPC`);
  const metadata = platform.network.neverReachable;
  const dns: k8s.NetworkPolicyEgressRule = { to: [pods({ 'k8s-app': 'kube-dns' }, 'kube-system')], ports: DNS };
  const prometheus = pods({ [NAME]: 'prometheus' });
  const policy = (name: string, podSelector: k8s.LabelSelector, ingress: k8s.NetworkPolicyIngressRule[], egress: k8s.NetworkPolicyEgressRule[]) =>
    new k8s.KubeNetworkPolicy(chart, `policy-${name}`, {
      metadata: { name, namespace, labels: labels(name) },
      spec: { podSelector, policyTypes: ['Ingress', 'Egress'], ingress, egress },
    });

  policy('default-deny', {}, [], []);
  const apps = platform.services.map((s) => s.name);
  policy(COLLECTOR, { matchLabels: { [NAME]: COLLECTOR } }, [
    { from: [{ namespaceSelector: { matchExpressions: [{ key: 'flextime.io/environment', operator: 'Exists' }] }, podSelector: { matchExpressions: [{ key: NAME, operator: 'In', values: apps }] } }], ports: [port(4317), port(4318)] },
    { from: [prometheus], ports: [port(8888), port(8889)] },
  ], [{ to: [pods({ [NAME]: JAEGER })], ports: [port(4317)] }, dns]);
  policy(JAEGER, { matchLabels: { [NAME]: JAEGER } }, [
    { from: [pods({ [NAME]: COLLECTOR })], ports: [port(4317)] },
    { from: [pods({ [NAME]: OAUTH2_PROXY })], ports: [port(16686)] },
    { from: [prometheus], ports: [port(8888)] },
  ], [dns]);
  policy(OAUTH2_PROXY, { matchLabels: { [NAME]: OAUTH2_PROXY } }, [
    { from: [pods({ [NAME]: 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }, 'ingress-nginx')], ports: [port(PROXY_PORT)] },
  ], [
    { to: [pods({ [NAME]: JAEGER })], ports: [port(16686)] },
    { to: issuerRanges.map((cidr) => ({ ipBlock: { cidr } })), ports: [port(443)] },
    dns,
  ]);
  policy('monitoring-stack', { matchExpressions: [{ key: NAME, operator: 'NotIn', values: [COLLECTOR, JAEGER, OAUTH2_PROXY] }] }, [
    { from: [{ podSelector: {} }] },
    { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'argo-rollouts' } }, podSelector: {} }], ports: [port(9090)] },
    { from: [{ ipBlock: { cidr: vpc } }] },
  ], [
    { to: [{ namespaceSelector: {}, podSelector: {} }] },
    { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...metadata] } }] },
  ]);

  // Jaeger's UI behind the Big 12 SSO login.
  const ui = tracing.ui;
  const host = `jaeger.${production.domain}`;
  const secret = new SyncedSecret(chart, 'oauth2-proxy-secret', {
    name: OAUTH2_PROXY,
    namespace,
    labels: labels(OAUTH2_PROXY, 'tracing'),
    storeName: platform.secretStore.name,
    keys: [
      { secretKey: 'OAUTH2_PROXY_CLIENT_SECRET', remoteKey: ui.oauthSecretKey, property: 'client-secret' },
      { secretKey: 'OAUTH2_PROXY_COOKIE_SECRET', remoteKey: ui.oauthSecretKey, property: 'cookie-secret' },
    ],
  });
  const identity = { name: OAUTH2_PROXY, instance: OAUTH2_PROXY, component: 'tracing', partOf: platform.partOf };
  new HardenedWorkload(chart, 'oauth2-proxy', {
    name: OAUTH2_PROXY,
    namespace,
    labels: recommendedLabels(identity),
    selectorLabels: selectorLabels(identity),
    replicas: Replicas.fixed(2),
    servicePorts: [{ name: 'http', port: PROXY_PORT, targetPort: 'http' }],
    pod: {
      priorityClassName: platform.platformPriorityClass,
      containers: [{
        name: OAUTH2_PROXY,
        image: ui.image,
        args: [
          '--provider=oidc',
          `--oidc-issuer-url=${platform.sso.issuer}`,
          `--client-id=${ui.oauthClientId}`,
          `--oidc-groups-claim=${platform.sso.groupsClaim}`,
          ...ui.allowedGroups.map((g) => `--allowed-group=${g}`),
          '--email-domain=*',
          `--redirect-url=https://${host}/oauth2/callback`,
          `--upstream=http://${JAEGER}.${namespace}.svc.cluster.local:16686`,
          `--http-address=0.0.0.0:${PROXY_PORT}`,
          '--reverse-proxy=true',
          '--cookie-secure=true',
          '--skip-provider-button=true',
        ],
        envFrom: [{ secretRef: { name: secret.secretName } }],
        ports: [{ name: 'http', containerPort: PROXY_PORT }],
        resources: ui.resources,
        probes: { liveness: ProbeCheck.http('/ping', 'http'), readiness: ProbeCheck.http('/ready', 'http') },
      }],
    },
  });
  new PublicIngress(chart, 'jaeger-ui', {
    name: 'jaeger-ui',
    namespace,
    labels: labels('jaeger-ui', 'tracing'),
    host,
    ingressClassName: platform.ingress.className,
    backend: { service: OAUTH2_PROXY, port: 'http' },
    clusterIssuer: production.ingress.issuer,
    proxyBodySize: '1m',
    timeouts: platform.ingress.timeouts,
    rateLimit: production.ingress.rateLimit,
  });
}
