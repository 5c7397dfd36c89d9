/**
 * dist/<env>/ingress: the public HTTPS entry of api-svc (api.<domain>) and its Certificate;
 * dist/cluster/ingress: the ACME ClusterIssuers and the security-headers ConfigMap that the
 * ingress-nginx controller adds to every response (its settings: `ingressControllerSettings` in config/network.ts).
 */
import type { App } from 'cdk8s';
import { ClusterIssuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer';
import type { Platform } from '../config/index.ts';
import { HTTP01_SOLVER, type Ingress } from '../config/schema-network.ts';
import { recommendedLabels } from '../lib/labels.ts';
import { modelObject } from '../lib/model-object.ts';
import { PublicIngress, SecurityHeaders } from '../lib/public-ingress.ts';
import { clusterChart, envChart, type EnvContext } from './context.ts';

const SOURCE = 'charts/ingress.ts';
/** The service behind the public entry. */
export const PUBLIC_SERVICE = 'api-svc';

export function ingressChart(app: App, ctx: EnvContext): void {
  const chart = envChart(app, ctx, 'ingress', SOURCE);
  const { platform, env } = ctx;
  const { ingress } = platform;
  const service = platform.services.find((s) => s.name === PUBLIC_SERVICE);
  if (!service) throw new Error(`the public entry needs service '${PUBLIC_SERVICE}' in config services`);
  new PublicIngress(chart, 'ApiSvc', {
    name: PUBLIC_SERVICE,
    namespace: ctx.namespace,
    labels: ctx.labels(PUBLIC_SERVICE, service.component),
    host: `api.${env.domain}`,
    ingressClassName: ingress.className,
    backend: { service: PUBLIC_SERVICE, port: 'http' },
    clusterIssuer: env.ingress.issuer,
    proxyBodySize: ingress.proxyBodySize,
    timeouts: ingress.timeouts,
    rateLimit: { ...env.ingress.rateLimit, exemptCidrs: loadTestSources(platform, env) },
  });
}

/**
 * Where the load generators' requests come from when they target `env`: the pod network (the
 * private subnets, VPC CNI) of its cluster. Per-IP limits would throttle the whole nightly run,
 * which comes from one or two pod IPs; public clients arrive with their own addresses (the NLB
 * preserves them), so the exemption covers in-cluster callers only.
 */
function loadTestSources(platform: Platform, env: EnvContext['env']): string[] | undefined {
  if (platform.loadTesting.target !== env.name) return undefined;
  const network = platform.clusters.find((c) => c.name === env.cluster)?.network;
  if (!network) throw new Error(`'loadTesting.target' (${env.name}) needs clusters[${env.cluster}].network: the load test's source range is exempt from its rate limits`);
  return network.zones.map((z) => z.private);
}

export function clusterIngressChart(app: App, platform: Platform): void {
  const chart = clusterChart(app, 'ingress', SOURCE);
  const { ingress } = platform;
  const labels = (name: string, component: string) => recommendedLabels({ name, instance: name, component, partOf: platform.partOf });

  new SecurityHeaders(chart, 'SecurityHeaders', {
    name: ingress.headersConfigMap,
    namespace: ingress.controllerNamespace,
    labels: labels(ingress.headersConfigMap, 'ingress'),
    headers: ingress.securityHeaders,
  });

  for (const issuer of ingress.acme.issuers) {
    modelObject(chart, `ClusterIssuer-${issuer.name}`, new ClusterIssuer({
      metadata: { name: issuer.name, labels: labels(issuer.name, 'certificate-issuer') },
      spec: {
        acme: {
          server: issuer.server,
          email: ingress.acme.email,
          privateKeySecretRef: { name: `${issuer.name}-account-key` },
          solvers: [acmeSolver(ingress)],
        },
      },
    }));
  }
}

function acmeSolver(ingress: Ingress) {
  const { solver } = ingress.acme;
  if (solver.kind === 'http01') {
    // Solver pods are created in the Certificate's namespace, where default-deny holds: the label
    // lets the intent table admit the controller to them (network.workloads `acme-http01-solver`).
    return { http01: { ingress: { ingressClassName: ingress.className, podTemplate: { metadata: { labels: { 'app.kubernetes.io/name': HTTP01_SOLVER } } } } } };
  }
  // Credentials: cert-manager's ServiceAccount assumes its IAM role through IRSA (ambient credentials).
  return { dns01: { route53: { region: solver.region, ...(solver.hostedZoneId ? { hostedZoneID: solver.hostedZoneId } : {}) } } };
}
