/**
 * Scenario 9 — Gatekeeper admission and audit (issue 18).
 *
 * Runbook: after the bootstrap (scenario 1), with the real Gatekeeper manager answering the
 * chart's validating webhook (e2e/controllers/gatekeeper.ts), a platform engineer checks
 * `kubectl get constrainttemplates,constraints`, tries what the policies forbid in production
 * (server-side dry-runs: nothing is created) and reads the audit results on the constraints.
 *
 * Expected:
 *   1. every ConstraintTemplate dist/ renders is created (its constraint CRD exists) and every
 *      rendered constraint is enforced at its rendered enforcementAction; the API server called
 *      the webhook for the platform's objects, never failed open, and Gatekeeper denied none;
 *   2. in production, a privileged container, a `:latest` image and a chaos experiment are each
 *      rejected with the policy's message, while the unchanged workload is admitted;
 *   3. the audit (every auditInterval of the add-on, 60 s) reports zero violations on every rendered
 *      constraint; a planted constraint the platform violates fails that same check;
 *   4. (issue 20) the live manager's /metrics exports every gatekeeper_* metric the rendered
 *      security dashboard reads, with the labels it uses, and agrees with that audit:
 *      gatekeeper_violations{enforcement_action="deny"} is the sum of the live deny constraints'
 *      totalViolations (the plant's included), the last audit run began at or after it, and the
 *      scenario's own refusals are counted as denied requests.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAddonApps } from '../controllers/addons.ts';
import type { GatekeeperHandle } from '../controllers/gatekeeper.ts';
import {
  assertNoViolations, constraintsPath, coversNamespace, describeConstraint, loggedDenials, notEnforced, renderedPolicies, violationLines,
  waitConstraints, waitTemplatesCreated, webhookCalls, type ConstraintRef,
} from '../controllers/gatekeeper-status.ts';
import { dashboardGatekeeperReads, LAST_RUN, REQUESTS, VIOLATIONS, waitGatekeeperMetrics } from '../controllers/gatekeeper-metrics.ts';
import { KubeError, kubePath, type KubeObject } from '../controllers/kube.ts';
import { platformContext, PLATFORM_SETUP_MS, seconds, type Ctx } from './context.ts';

const NS = 'flextime-production';
/** A production Deployment ArgoCD synced: the compliant base each forbidden variant starts from. */
const BASE = 'scheduler-svc';
const IN_FORCE_WITHIN_MS = 60_000;
const PLANT: ConstraintRef = { kind: 'FlexTimeRequiredLabels', name: 'e2e-planted-owner-label', enforcementAction: 'deny' };
const PLANTED_LABEL = 'flextime.io/e2e-planted-owner';
/** Beyond two audit intervals for the metrics: one loaded audit took 36 s (docs/e2e.md). */
const METRICS_SLACK_MS = 30_000;

let ctx: Ctx;
let gk: GatekeeperHandle;
let policies: ReturnType<typeof renderedPolicies>;

beforeAll(async () => {
  ctx = await platformContext();
  gk = ctx.h.controllers.gatekeeper as unknown as GatekeeperHandle;
  if (!gk) throw new Error(`Gatekeeper is not running in this e2e (controllers: ${Object.keys(ctx.h.controllers).join(', ') || 'none'})`);
  policies = renderedPolicies(ctx.h.root);
}, PLATFORM_SETUP_MS);

afterAll(async () => {
  await ctx?.kube.delete(`${constraintsPath(PLANT.kind)}/${PLANT.name}`).catch(() => undefined);
});

/** A copy of the running Deployment under another name, for a dry-run create. */
function variant(base: KubeObject, name: string, change: (container: KubeObject) => void = () => {}): KubeObject {
  const spec = structuredClone(base.spec);
  change(spec.template.spec.containers[0]);
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS, labels: base.metadata!.labels }, spec };
}

const ADMITTED = '(admitted)';

/** Server-side dry-run create: the API server's refusal message, or ADMITTED. */
async function refusal(path: string, obj: KubeObject): Promise<string> {
  try {
    await ctx.kube.request('POST', `${path}?dryRun=All`, obj);
    return ADMITTED;
  } catch (e) {
    if (e instanceof KubeError && typeof e.body === 'object' && e.status === 403) return String(e.body.message);
    throw e;
  }
}

/** An AdmissionReview sent to the webhook itself (what the API server sends), its response. */
function review(obj: KubeObject): Promise<{ allowed: boolean; status?: { message?: string } }> {
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'e2e-9', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
      name: obj.metadata!.name, namespace: NS, operation: 'CREATE', userInfo: { username: 'flextime-e2e' }, object: obj, dryRun: true,
    },
  });
  const agent = new Agent({ ca: readFileSync(gk.caFile) });
  return new Promise((resolve, reject) => {
    const req = request(gk.webhookUrl, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()).response));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('9 gatekeeper', () => {
  it('every rendered template and constraint is in force; the webhook answered for the platform, never failed open and denied none of it', async () => {
    const t0 = Date.now();
    await waitTemplatesCreated(ctx.kube, policies.templates, IN_FORCE_WITHIN_MS);
    const live = await waitConstraints(ctx.kube, policies.constraints, { what: 'every rendered constraint enforced by Gatekeeper', timeoutMs: IN_FORCE_WITHIN_MS, check: notEnforced });
    const action = (c: ConstraintRef) => live.find((o) => o.kind === c.kind && o.metadata?.name === c.name)?.spec?.enforcementAction ?? 'deny';
    expect(policies.constraints.filter((c) => action(c) !== c.enforcementAction).map((c) => `${describeConstraint(c)}: ${action(c)}, rendered ${c.enforcementAction}`), 'constraints not at their rendered enforcementAction').toEqual([]);
    const byAction = [...new Set(policies.constraints.map((c) => c.enforcementAction))].map((a) => `${policies.constraints.filter((c) => c.enforcementAction === a).length} ${a}`).join(', ');
    console.log(`${policies.templates.length} ConstraintTemplates created, ${policies.constraints.length} constraints enforced (${byAction}) in ${seconds(Date.now() - t0)}; webhook failurePolicy ${gk.failurePolicy}`);

    const calls = await webhookCalls(ctx.kube);
    console.log(`API server → Gatekeeper: ${calls.answered} calls answered, ${calls.denied} denied, ${calls.failedOpen} failed open, ${calls.callErrors} call errors`);
    expect(calls.answered, 'admission calls Gatekeeper answered').toBeGreaterThan(0);
    expect(calls.failedOpen, `calls the API server let through because the webhook did not answer (failurePolicy ${gk.failurePolicy}):\n${calls.lines.join('\n')}`).toBe(0);
    expect(calls.callErrors, `calls that failed:\n${calls.lines.join('\n')}`).toBe(0);
    expect(loggedDenials(gk.logFile), 'objects Gatekeeper denied before this scenario').toEqual([]);
  });

  it('in production a privileged container, a :latest image and a chaos experiment are rejected with the policy message; the unchanged workload is admitted', async () => {
    const deployments = kubePath('apps/v1', 'deployments', NS);
    const base = await ctx.kube.get(`${deployments}/${BASE}`);
    expect(await refusal(deployments, variant(base, 'e2e-gatekeeper-control')), `a copy of ${NS}/${BASE} as ArgoCD synced it`).toBe(ADMITTED);

    const denied = 'admission webhook "validation.gatekeeper.sh" denied the request: ';
    const privileged = await refusal(deployments, variant(base, 'e2e-gatekeeper-privileged', (c) => {
      // The API server refuses privileged together with allowPrivilegeEscalation: false.
      c.securityContext = { ...c.securityContext, privileged: true, allowPrivilegeEscalation: undefined };
    }));
    expect(privileged).toContain(denied);
    expect(privileged).toContain("[container-security-deny] Deployment 'e2e-gatekeeper-privileged': container 'scheduler-svc' must not be privileged");

    const latest = await refusal(deployments, variant(base, 'e2e-gatekeeper-latest', (c) => (c.image = 'ghcr.io/flextime/scheduler-svc:latest')));
    expect(latest).toContain(denied);
    expect(latest).toContain("[allowed-images-deny] Deployment 'e2e-gatekeeper-latest': container 'scheduler-svc' image 'ghcr.io/flextime/scheduler-svc:latest' must name a tag or digest other than 'latest'");

    const chaos = await refusal(kubePath('chaos-mesh.org/v1alpha1', 'podchaos', NS), {
      apiVersion: 'chaos-mesh.org/v1alpha1', kind: 'PodChaos', metadata: { name: 'e2e-gatekeeper-chaos', namespace: NS },
      spec: { action: 'pod-kill', mode: 'one', selector: { namespaces: [NS], labelSelectors: { 'app.kubernetes.io/name': BASE } } },
    });
    expect(chaos).toContain(denied);
    expect(chaos).toContain("[chaos-containment-deny] PodChaos 'e2e-gatekeeper-chaos': chaos experiments are not allowed in flextime-production; only environments with chaos in config run them");

    // A bare privileged Pod: Pod Security (restricted, enforced) refuses it before any webhook
    // runs, so Gatekeeper's verdict on the Pod itself is asked directly, as the API server would.
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'e2e-gatekeeper-privileged', namespace: NS, labels: base.spec.template.metadata.labels }, spec: structuredClone(base.spec.template.spec) };
    pod.spec.containers[0].securityContext = { ...pod.spec.containers[0].securityContext, privileged: true, allowPrivilegeEscalation: undefined };
    expect(await refusal(kubePath('v1', 'pods', NS), pod), 'the API server on a bare privileged Pod').toMatch(/violates PodSecurity "restricted:[^"]+": privileged/);
    const verdict = await review(pod);
    expect(verdict.allowed, 'Gatekeeper on a bare privileged Pod').toBe(false);
    expect(verdict.status?.message).toContain("[container-security-deny] Pod 'e2e-gatekeeper-privileged': container 'scheduler-svc' must not be privileged");
    console.log(`rejected: ${[privileged, latest, chaos].map((m) => m.split('\n').find((l) => /must not be privileged|other than 'latest'|chaos experiments are not allowed/.test(l))).join(' | ')}`);
  });

  it('the audit reports zero violations on every rendered constraint (add-ons included); a planted constraint the platform violates fails the same check', async () => {
    const t0 = Date.now();
    await ctx.kube.request('POST', constraintsPath(PLANT.kind), {
      apiVersion: 'constraints.gatekeeper.sh/v1beta1', kind: PLANT.kind, metadata: { name: PLANT.name },
      spec: { enforcementAction: 'deny', match: { kinds: [{ apiGroups: ['apps'], kinds: ['Deployment'] }], namespaces: [NS] }, parameters: { labels: [PLANTED_LABEL] } },
    });
    await waitConstraints(ctx.kube, [PLANT], { what: 'the planted constraint enforced', timeoutMs: IN_FORCE_WITHIN_MS, check: notEnforced });
    // Its admission side: the workload ArgoCD synced would now be refused.
    expect(await refusal(kubePath('apps/v1', 'deployments', NS), variant(await ctx.kube.get(kubePath('apps/v1', 'deployments', NS, BASE)), 'e2e-gatekeeper-control')))
      .toContain(`[${PLANT.name}] Deployment 'e2e-gatekeeper-control' must carry the label '${PLANTED_LABEL}'`);

    const since = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const all = [...policies.constraints, PLANT];
    const audited = await waitConstraints(ctx.kube, all, {
      what: `an audit begun after ${since} on every constraint`,
      timeoutMs: gk.auditIntervalSeconds * 3_000 + 60_000,
      check: (o) => (o?.status?.auditTimestamp > since ? undefined : `last audit ${o?.status?.auditTimestamp ?? 'never'}`),
    });
    const isPlant = (o: KubeObject) => o.kind === PLANT.kind && o.metadata?.name === PLANT.name;
    console.log(`audit of ${audited[0].status.auditTimestamp} read ${seconds(Date.now() - t0)} after planting`);
    assertNoViolations(audited.filter((o) => !isPlant(o)));

    // The same check on the planted constraint fails, naming it and what violates it.
    const planted = audited.filter(isPlant);
    expect(() => assertNoViolations(planted)).toThrow(/FlexTimeRequiredLabels\/e2e-planted-owner-label: totalViolations [1-9]/);
    expect(planted[0].status.violations.map((v: KubeObject) => `${v.namespace}/${v.name}: ${v.message}`)).toContain(`${NS}/${BASE}: Deployment '${BASE}' must carry the label '${PLANTED_LABEL}'`);
    console.log(`planted: ${violationLines(planted)[0]}`);

    // The same audit as metrics, against what the security dashboard (dist/) reads, while the plant exists.
    const m = await waitGatekeeperMetrics(ctx.kube, {
      url: gk.metricsUrl, reads: dashboardGatekeeperReads(ctx.h.root), auditStart: audited[0].status.auditTimestamp, mustInclude: PLANT,
      timeoutMs: gk.auditIntervalSeconds * 2_000 + METRICS_SLACK_MS,
    });
    console.log(`metrics: ${VIOLATIONS}{enforcement_action="deny"} ${m.violationsDeny} = Σ totalViolations of ${m.denyConstraints} deny constraints (audit ${m.auditTimestamp}); ${LAST_RUN} ${new Date(m.lastRunTime * 1000).toISOString()}; ${REQUESTS}{admission_status="deny"} ${m.deniedRequests}; the dashboard's ${[...new Set(dashboardGatekeeperReads(ctx.h.root).map((r) => r.metric))].length} gatekeeper_* metrics exported with their labels`);
    await ctx.kube.delete(`${constraintsPath(PLANT.kind)}/${PLANT.name}`);

    // What "add-ons included" covers here: add-ons rendered from their real chart have objects in
    // the cluster to audit; CRDs-only add-ons contribute their namespace and CRDs, no workload.
    const constraintObjs = audited.filter((o) => !isPlant(o));
    for (const a of readAddonApps(ctx.h.root)) {
      const ns = await ctx.kube.get(`/api/v1/namespaces/${a.namespace}`);
      const pods = (await ctx.kube.list(kubePath('v1', 'pods', a.namespace))).length;
      const covering = constraintObjs.filter((c) => coversNamespace(c, ns)).map((c) => c.metadata!.name);
      console.log(`audit of add-on ${a.app} (${a.vendoredDir ? 'real chart' : 'CRDs only'}) in ${a.namespace}: ${pods} pods; namespace covered by ${covering.length} of ${constraintObjs.length} constraints${covering.length ? ` (${covering.join(', ')})` : ''}`);
    }
  });
});
