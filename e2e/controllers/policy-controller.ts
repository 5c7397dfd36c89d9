/**
 * The signed-images add-on's webhook, for real: Sigstore policy-controller v0.13.1 (chart 0.10.6,
 * config/addons-signing.ts), cmd/webhook built by `scripts/install-tools policy-controller-webhook`,
 * run as one local process against the e2e API server, with a throw-away ghcr.io beside it
 * (test/signed-images-registry.ts: go-containerregistry's registry behind an HTTPS proxy).
 *
 * policy-controller is a knative webhook: it issues its own serving certificate for
 * `webhook.<namespace>.svc` into Secret webhook-certs and fills in the rules, CA bundle and path
 * of the webhook configurations the chart creates — but only of webhooks that reference a Service.
 * The e2e has no kube-proxy; as for KEDA's APIService (keda.ts), that Service is an ExternalName
 * 127.0.0.1: the API server dials the name (so the process) and checks the certificate for the
 * Service's DNS name, which is what knative issued. Everything else is the chart's
 * (policy-controller-chart.ts), and every difference is listed in `differences`.
 *
 * Started before ArgoCD, with the webhooks on ClusterImagePolicies registered: every policy ArgoCD
 * syncs passes policy-controller's own validation, defaulting and conversion, and its reconciler
 * compiles them into config-image-policies. The webhook on pods (`policy.sigstore.dev`) is the
 * chart's configuration too, but scenario 12 registers it after the bootstrap and removes it at
 * its end (handle.podWebhooks): the platform's own images (config's digests) exist in no registry
 * here, so with production on enforce every production pod of the bootstrap would be refused.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { requireTool, toolPath } from '../../test/tools.ts';
import { startTestRegistry } from '../../test/signed-images-registry.ts';
import { waitAdmissionAnswer } from './admission-probe.ts';
import { kubePath, type Kube, type KubeObject } from './kube.ts';
import * as chart from './policy-controller-chart.ts';
import type { ControllerContext, ControllerEntry, PlatformController } from './platform-controllers.ts';
import { freePort, startProcess } from './processes.ts';

export const POLICY_CONTROLLER_CHART = 'policy-controller';
const CIP_CRD = 'clusterimagepolicies.policy.sigstore.dev';
const CRDS = kubePath('apiextensions.k8s.io/v1', 'customresourcedefinitions');
const START_TIMEOUT_MS = 60_000;

/** What scenario 12 needs (serialisable). */
export interface PolicyControllerHandle extends Record<string, unknown> {
  readonly namespace: string;
  /** The throw-away ghcr.io: where images are pushed and signed (registryClient), and its environment. */
  readonly registry: { readonly dir: string; readonly env: NodeJS.ProcessEnv };
  /** `policy.sigstore.dev` (validating + mutating) as the chart renders it from our values. */
  readonly podWebhooks: readonly KubeObject[];
  /** ConfigMap the webhook compiles the ClusterImagePolicies into. */
  readonly compiledPolicies: string;
  readonly logFile: string;
  readonly startSeconds: number;
}

/** The chart's values as the rendered add-on Application sets them. */
function addonValues(ctx: ControllerContext): { namespace: string; values: chart.ChartValues } {
  const addon = ctx.addons.find((a) => a.chart === POLICY_CONTROLLER_CHART);
  if (!addon) throw new Error(`no ${POLICY_CONTROLLER_CHART} add-on in argocd/apps: nothing to run`);
  const file = join(ctx.root, 'argocd', 'apps', addon.file);
  const user = parseYaml(readFileSync(file, 'utf8')).spec.source.helm?.valuesObject ?? {};
  return { namespace: addon.namespace, values: chart.chartValues(user, file) };
}

/** v0.13.1 listens on fixed ports of every interface: say which one is taken instead of failing later. */
async function requireFreePorts(ports: number[]): Promise<void> {
  for (const port of ports) {
    const free = await new Promise<boolean>((res) => {
      const s = net.createServer().once('error', () => res(false)).listen(port, () => s.close(() => res(true)));
    });
    if (!free) throw new Error(`port ${port} is in use: policy-controller v0.13.1 always serves its webhook on ${chart.WEBHOOK_PORT} and its probes on ${chart.PROBE_PORT}`);
  }
}

/** Swaps the CRD verify generated for the chart's (webhook conversion + status), then waits until the webhook put its CA bundle in. */
async function chartCrd(kube: Kube, namespace: string): Promise<void> {
  const crd = await kube.get(`${CRDS}/${CIP_CRD}`);
  await kube.request('PUT', `${CRDS}/${CIP_CRD}`, chart.crdAsTheChartShipsIt(crd, namespace));
}

async function waitConversionReady(kube: Kube): Promise<void> {
  await kube.waitFor({
    path: CRDS, name: CIP_CRD, timeoutMs: START_TIMEOUT_MS,
    what: `CRD ${CIP_CRD} with policy-controller's CA bundle in its conversion webhook`,
    describe: ([c]) => JSON.stringify(c?.spec?.conversion ?? 'no CRD'),
  }, ([c]) => (c?.spec?.conversion?.webhook?.clientConfig?.caBundle ? c : undefined));
}

async function start(ctx: ControllerContext): Promise<PlatformController> {
  const t0 = Date.now();
  const { namespace, values } = addonValues(ctx);
  const binary = toolPath('policy-controller-webhook');
  if (!existsSync(binary)) throw new Error(`${binary} missing: run scripts/install-tools policy-controller-webhook`);
  await requireFreePorts([chart.WEBHOOK_PORT, chart.PROBE_PORT]);
  mkdirSync(join(ctx.workDir, 'home'), { recursive: true });
  const registry = await startTestRegistry({ dir: join(ctx.workDir, 'registry'), crane: requireTool('crane'), cosign: requireTool('cosign') });
  const policyWebhooks = chart.policyWebhooks(namespace, values);
  const podWebhooks = chart.podWebhooks(namespace, values);
  const cleanups: Array<() => Promise<unknown>> = [() => registry.stop()];
  const stop = async () => {
    // The webhooks out first (failurePolicy Fail), so the API server does not call a stopped process.
    for (const w of [...podWebhooks, ...policyWebhooks]) {
      await ctx.kube.delete(kubePath('admissionregistration.k8s.io/v1', `${w.kind!.toLowerCase()}s`, undefined, w.metadata!.name)).catch(() => undefined);
    }
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    for (const o of [...chart.configObjects(namespace, values), chart.service(namespace)]) {
      await ctx.kube.apply(o, o.kind === 'Service' ? 'services' : o.kind === 'Secret' ? 'secrets' : 'configmaps');
    }
    const settings = chart.processSettings(namespace, values);
    const [profilingPort, metricsPort] = [await freePort(), await freePort()];
    const proc = startProcess('policy-controller', binary, [...settings.args, '--disable-tuf'], {
      logFile: join(ctx.workDir, 'policy-controller.log'),
      env: {
        ...settings.env, ...registry.proxyEnv,
        KUBECONFIG: ctx.cluster.kubeconfig, HOME: join(ctx.workDir, 'home'),
        PROFILING_PORT: String(profilingPort), METRICS_PROMETHEUS_PORT: String(metricsPort),
      },
    });
    cleanups.push(() => proc.stop());
    for (const w of policyWebhooks) await ctx.kube.apply(w, `${w.kind!.toLowerCase()}s`);
    // The API server → webhook path works: a policy with neither images nor authorities is refused by it.
    await waitAdmissionAnswer(ctx.kube, {
      path: kubePath('policy.sigstore.dev/v1beta1', 'clusterimagepolicies'), timeoutMs: START_TIMEOUT_MS, proc,
      body: { apiVersion: 'policy.sigstore.dev/v1beta1', kind: 'ClusterImagePolicy', metadata: { name: 'e2e-policy-controller-probe' }, spec: { images: [] } },
      what: `the API server to call ${values.webhook.webhookNames.validating}`,
    }, (a) => !a.admitted && a.message.includes(`admission webhook "${values.webhook.webhookNames.validating}" denied the request`));
    // Conversion only now that the webhook serves with its certificate: between the switch and the CA
    // bundle it fills in, every read of a policy at the other version fails (ms instead of seconds).
    await chartCrd(ctx.kube, namespace);
    await waitConversionReady(ctx.kube);
    const startSeconds = (Date.now() - t0) / 1000;
    ctx.log(`policy-controller: ${chart.APP_VERSION} webhook answering through Service ${namespace}/${chart.SERVICE} (ExternalName 127.0.0.1:${chart.WEBHOOK_PORT}); started in ${startSeconds.toFixed(1)} s (log ${proc.logFile})`);
    const handle: PolicyControllerHandle = {
      namespace, registry: { dir: join(ctx.workDir, 'registry'), env: registry.env }, podWebhooks,
      compiledPolicies: chart.COMPILED_POLICIES, logFile: proc.logFile, startSeconds,
    };
    return { name: 'policy-controller', assesses: [], differences: differences(namespace, values), handle, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function differences(ns: string, v: chart.ChartValues): string[] {
  const p = 'policy-controller';
  return [
    `${p}: the ${chart.APP_VERSION} webhook runs as one local process (.tools/bin/policy-controller-webhook) instead of the chart's ${chart.CHART_VERSION} Deployment of 2 replicas; its Deployment, ServiceAccount, RBAC, PDB and lease clean-up hook are not installed (the add-on stays "CRDs only"); the chart's ConfigMaps, Secret ${chart.CERT_SECRET} and webhook configurations are created by the e2e with the chart's names`,
    `${p}: Service ${ns}/${chart.SERVICE} is an ExternalName 127.0.0.1 (no kube-proxy: the API server dials an ExternalName Service's name) and every webhook's clientConfig.service.port is ${chart.WEBHOOK_PORT}, the process's port (chart: a ClusterIP Service on 443 → targetPort 8443); v0.13.1 serves on *:${chart.WEBHOOK_PORT} and probes on *:${chart.PROBE_PORT} whatever its flags say`,
    `${p}: the ClusterImagePolicy CRD is verify's (.tools/crds) with the chart's webhook conversion and status subresource put in by the e2e`,
    `${p}: --disable-tuf (the public TUF mirror is out of reach; the chart starts with TUF), and registry access goes through the e2e's throw-away ghcr.io (HTTPS_PROXY + a run-time CA), not the real ghcr.io`,
    `${p}: ${v.webhookName} (pods and the kinds that template them, namespaceSelector as rendered) is registered only by scenario 12, after the bootstrap, and removed at its end: the platform's images exist in no registry here, so production (enforce) would refuse every pod of the bootstrap`,
  ];
}

export const policyController: ControllerEntry = { name: 'policy-controller', start };
