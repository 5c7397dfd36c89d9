/**
 * The Gatekeeper add-on's manager, for real: the v3.23.0 binary scripts/install-tools builds
 * (the release config/addons.ts pins as chart 3.23.0, and gator's), run as one local process
 * against the e2e API server with the webhook, audit, status and generate operations the
 * chart's controller-manager and audit pods share between them.
 *
 * The add-on stays "CRDs only" (addons.ts): its chart is not rendered, so the e2e provides what
 * the chart would have put around the manager, each a listed difference:
 *   - a serving certificate for 127.0.0.1 from a CA made at run time (the chart: a Service and
 *     Gatekeeper's cert rotation); the ValidatingWebhookConfiguration is the chart's, rendered
 *     from our values by gatekeeper-chart.ts, with clientConfig.url + caBundle;
 *   - the label the chart's post-install hook puts on its namespace (admission.gatekeeper.sh/ignore);
 *   - a Pod object standing for the process, scheduling-gated so it never runs: Gatekeeper owns
 *     its status objects (ConstraintPodStatus, …) by its Pod, and the garbage collector deletes
 *     objects whose owner does not exist;
 *   - the audit covers only the kinds constraints match (the chart audits every kind).
 * Started before ArgoCD, so every object ArgoCD applies passes this webhook.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { effectiveValues, managerFlags, validatingWebhookConfiguration, CHART_VERSION, type Values } from './gatekeeper-chart.ts';
import { waitAdmissionAnswer } from './admission-probe.ts';
import { kubePath } from './kube.ts';
import type { ControllerContext, ControllerEntry, PlatformController } from './platform-controllers.ts';
import { issue, makeCa } from '../cluster/pki.ts';
import { freePort, PROCESS_LABEL, startProcess, waitForPort, type Proc } from './processes.ts';

export const GATEKEEPER_CHART = 'gatekeeper';
/** Name of the Pod that stands for the process (status objects are named and owned by it). */
export const MANAGER_POD = 'gatekeeper-e2e-manager';
const START_TIMEOUT_MS = 60_000;
/** A Namespace only check-ignore-label.gatekeeper.sh refuses (server-side dry-run, never created). */
const IGNORE_LABEL_PROBE = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'e2e-gatekeeper-probe', labels: { 'admission.gatekeeper.sh/ignore': 'probe' } } };

/** What scenario 9 needs (serialisable). */
export interface GatekeeperHandle {
  readonly namespace: string;
  readonly webhookUrl: string;
  /** CA of the webhook's serving certificate (PEM file). */
  readonly caFile: string;
  readonly readyzUrl: string;
  readonly metricsUrl: string;
  readonly logFile: string;
  readonly auditIntervalSeconds: number;
  readonly webhookConfiguration: string;
  readonly failurePolicy: string;
  readonly startSeconds: number;
}

/** The Pod the process stands for: never scheduled (a scheduling gate nobody removes). */
function managerPod(namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: MANAGER_POD,
      namespace,
      labels: { app: 'gatekeeper', 'control-plane': 'controller-manager', [PROCESS_LABEL]: 'gatekeeper' },
      annotations: { 'flextime.io/e2e-stand-in': 'identity of the Gatekeeper manager that runs as a local process (e2e/controllers/gatekeeper.ts); never scheduled' },
    },
    spec: {
      schedulingGates: [{ name: 'flextime.io/runs-outside-the-cluster' }],
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'manager',
        image: `openpolicyagent/gatekeeper:v${CHART_VERSION}`,
        resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '512Mi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsUser: 1000, runAsGroup: 999, runAsNonRoot: true },
      }],
    },
  };
}

/** GET url until 200; fails at once when the process exits, or after the timeout. */
async function waitHttpOk(proc: Proc, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  void proc.started.exited.then(({ code, signal }) => (exited = `exited (${code ?? signal})`));
  let last = 'no answer';
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
      last = `HTTP ${r.status} ${(await r.text()).slice(0, 200)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (exited) throw new Error(`gatekeeper ${exited} before ${url} answered 200:\n${proc.tail()}`);
    if (Date.now() > deadline) throw new Error(`expected ${url} to answer 200 within ${timeoutMs / 1000} s, saw ${last}:\n${proc.tail()}`);
    // An HTTP endpoint has no event to wait on; ask again shortly.
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function start(ctx: ControllerContext): Promise<PlatformController> {
  const t0 = Date.now();
  const addon = ctx.addons.find((a) => a.chart === GATEKEEPER_CHART);
  if (!addon) throw new Error(`no ${GATEKEEPER_CHART} add-on in argocd/apps: nothing to run`);
  const binary = join(ctx.root, '.tools', 'bin', 'gatekeeper');
  if (!existsSync(binary)) throw new Error(`${binary} missing: run scripts/install-tools gatekeeper`);
  const appFile = join(ctx.root, 'argocd', 'apps', addon.file);
  const userValues: Values = parseYaml(readFileSync(appFile, 'utf8')).spec.source.helm?.valuesObject ?? {};
  const values = effectiveValues(userValues, appFile);
  const ns = addon.namespace;
  mkdirSync(ctx.workDir, { recursive: true });
  const certDir = join(ctx.workDir, 'certs');
  const auditCache = join(ctx.workDir, 'audit-cache');
  mkdirSync(auditCache);
  // The manager reads tls.crt/tls.key from its --cert-dir.
  const ca = makeCa(certDir, 'gatekeeper');
  issue(ca, 'tls', { ips: ['127.0.0.1'] }, 'gatekeeper-webhook-service.gatekeeper-system.svc');
  const caPem = readFileSync(ca.cert, 'utf8');
  const [port, healthPort, metricsPort] = [await freePort(), await freePort(), await freePort()];

  // What the chart's post-install hook does (postInstall.labelNamespace, on by default); the
  // Pod Security labels it also sets stay as dist/ renders them (ArgoCD owns them).
  await ctx.kube.patch(`/api/v1/namespaces/${ns}`, { metadata: { labels: { 'admission.gatekeeper.sh/ignore': 'no-self-managing' } } });
  await ctx.kube.ensure(kubePath('v1', 'pods', ns), managerPod(ns));

  const proc = startProcess('gatekeeper', binary, [
    '--operation=webhook', '--operation=audit', '--operation=status', '--operation=generate',
    `--host=127.0.0.1`, `--port=${port}`, `--cert-dir=${certDir}`, '--disable-cert-rotation',
    `--health-addr=127.0.0.1:${healthPort}`, '--metrics-backend=prometheus', `--prometheus-port=${metricsPort}`,
    // The add-on's own interval (managerFlags does not render it: this process is both pods). A 10 s
    // audit, as the e2e once ran, kept one of the two cores busy for the whole run once the platform
    // was up (each audit took ~10 s), slowing every other scenario; scenario 9 waits for one audit.
    `--audit-interval=${values.auditInterval}`, `--api-cache-dir=${auditCache}`,
    // The chart's 10 s delay lets a terminating pod drain its webhook traffic; a local stop needs none.
    '--shutdown-delay=0',
    ...managerFlags(values, ns),
    // After the chart's flags, so it wins: audit only the kinds some constraint matches (the
    // chart lists every kind the API serves). Same results — a kind no constraint matches has no
    // violations — at a fraction of the API server load of a 10 s audit on a 2-core machine.
    '--audit-match-kind-only=true',
  ], {
    logFile: join(ctx.workDir, 'gatekeeper.log'),
    env: { KUBECONFIG: ctx.cluster.kubeconfig, POD_NAME: MANAGER_POD, POD_NAMESPACE: ns, NAMESPACE: ns, CONTAINER_NAME: 'manager' },
  });
  const vwcName = String(values.validatingWebhookName);
  const stop = async () => {
    // Take the webhook out first, so the API server does not call a stopped process.
    await ctx.kube.delete(`/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${vwcName}`).catch(() => undefined);
    await proc.stop();
  };
  try {
    const readyzUrl = `http://127.0.0.1:${healthPort}/readyz`;
    await waitHttpOk(proc, readyzUrl, START_TIMEOUT_MS);
    await waitForPort(proc, port, START_TIMEOUT_MS);
    const vwc = validatingWebhookConfiguration(values, { base: `https://127.0.0.1:${port}`, caPem, namespace: ns });
    await ctx.kube.apply(vwc, 'validatingwebhookconfigurations');
    // The API server → webhook path works: a Namespace carrying the ignore label is refused.
    await waitAdmissionAnswer(ctx.kube, {
      path: '/api/v1/namespaces', body: IGNORE_LABEL_PROBE, timeoutMs: 30_000, proc,
      what: "the API server to call Gatekeeper's check-ignore-label webhook",
    }, (a) => !a.admitted && /check-ignore-label\.gatekeeper\.sh.*Only exempt namespace can have the admission\.gatekeeper\.sh\/ignore label/.test(a.message));
    const startSeconds = (Date.now() - t0) / 1000;
    ctx.log(`gatekeeper: v${CHART_VERSION} manager answering at https://127.0.0.1:${port}/v1/admit (failurePolicy ${values.validatingWebhookFailurePolicy}), audit every ${values.auditInterval} s; started in ${startSeconds.toFixed(1)} s (log ${proc.logFile})`);
    const handle: GatekeeperHandle = {
      namespace: ns,
      webhookUrl: `https://127.0.0.1:${port}/v1/admit`,
      caFile: ca.cert,
      readyzUrl,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      logFile: proc.logFile,
      auditIntervalSeconds: Number(values.auditInterval),
      webhookConfiguration: vwcName,
      failurePolicy: String(values.validatingWebhookFailurePolicy),
      startSeconds,
    };
    return {
      name: 'gatekeeper',
      // ArgoCD (2.14 and 3.3) has no health check for Gatekeeper's kinds: nothing to switch on.
      assesses: [],
      differences: [
        `gatekeeper: the v${CHART_VERSION} manager runs as one local process (.tools/bin/gatekeeper, operations webhook, audit, status, generate) instead of the chart's 3 controller-manager replicas and audit pod; no mutation webhook (dist/ renders no mutators); the rest of the chart (Deployments, Services, RBAC, hooks) is not installed`,
        `gatekeeper: webhook at https://127.0.0.1:${port} with a CA made at run time (the chart: Service gatekeeper-webhook-service + cert rotation); ValidatingWebhookConfiguration ${vwcName} as chart ${CHART_VERSION} renders it from our values, clientConfig.url instead of the Service`,
        `gatekeeper: the audit (every ${values.auditInterval} s, the add-on's auditInterval) covers only the kinds constraints match (--audit-match-kind-only; the chart: ${values.auditMatchKindOnly})`,
        `gatekeeper: Pod ${ns}/${MANAGER_POD} stands for the process (owner of its status objects) and is scheduling-gated, never run`,
      ],
      handle: { ...handle },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export const gatekeeperController: ControllerEntry = { name: 'gatekeeper', start };
