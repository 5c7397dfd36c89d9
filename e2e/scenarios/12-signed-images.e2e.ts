/**
 * Scenario 12 — Signed images only (issue 20): production enforces, staging warns. The verifier is
 * Sigstore policy-controller's admission webhook, for real (v0.13.1, the release chart 0.10.6
 * deploys; e2e/controllers/policy-controller.ts), called by the API server through the chart's
 * Service and webhook configurations; the images live in a throw-away ghcr.io on 127.0.0.1.
 *
 * Runbook:
 *   1. The release workflow's keyless identity cannot sign offline: the e2e's release key takes
 *      its place in the served repository (the one substitution: each rendered ClusterImagePolicy's
 *      authority `service-release-workflow` becomes a `key` authority of the same name; globs,
 *      modes and match selectors as rendered), committed and synced by ArgoCD like any change
 *      (by hand outside the production window); policy-controller compiles both policies.
 *   2. `policy.sigstore.dev` is registered as the chart renders it (namespaceSelector from our
 *      values): the API server calls policy-controller for pods in flextime-production and
 *      flextime-staging (registered only now: the platform's own images exist in no registry here).
 *   3. production: a pod whose image is signed with the release key is created; the unsigned
 *      image is refused with policy-controller's message naming the image and the policy.
 *   4. staging: the unsigned image is created, with policy-controller's warning.
 * The webhook registration and the key commit are undone at the end.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELEASE_AUTHORITY } from '../../charts/security-rules/image-signatures.ts';
import { registryClient } from '../../test/signed-images-registry.ts';
import { requireTool } from '../../test/tools.ts';
import { verdictLine, waitAdmissionAnswer } from '../controllers/admission-probe.ts';
import { kubePath, type KubeObject } from '../controllers/kube.ts';
import type { PolicyControllerHandle } from '../controllers/policy-controller.ts';
import { syncRevision } from './canary-rollout.ts';
import { platformContext, PLATFORM_SETUP_MS, seconds, type Ctx } from './context.ts';
import { create, deletePod, disablePodWebhooks, enablePodWebhooks, swapAuthorities, testPod, waitCompiled } from './signed-images.ts';

/** What the platform promises (hand-written, not read from config): the policy per environment and its mode. */
const EXPECTED = {
  production: { deployment: 'dist/production/scheduler-svc/deployment-scheduler-svc.yaml', policy: 'flextime-signed-images-enforce' },
  staging: { deployment: 'dist/staging/scheduler-svc/deployment-scheduler-svc.yaml', policy: 'flextime-signed-images-warn' },
};
const POLICY_FILES = Object.values(EXPECTED).map((e) => `dist/cluster/security/clusterimagepolicy-${e.policy}.yaml`);
const SECURITY_APP = 'cluster-flextime-security';
const ADMIN = 'e2e-platform-admin';
/** A commit reaching the cluster through ArgoCD (refresh, sync; by hand outside the window), as in scenarios 6 and 11. */
const SYNC_WITHIN_MS = 120_000;
/** policy-controller reconciling a policy or a webhook configuration: informer events, milliseconds when idle. */
const WITHIN_MS = 60_000;

let ctx: Ctx;
let pc: PolicyControllerHandle;
let keyCommit: string | undefined;
const image = { signed: '', unsigned: '' };
let publicKey = '';
const created: KubeObject[] = [];

const pod = (env: keyof typeof EXPECTED, variant: string, ref: string) => testPod(ctx.h.root, EXPECTED[env].deployment, `e2e-signed-images-${variant}`, ref);

beforeAll(async () => {
  ctx = await platformContext();
  pc = ctx.h.controllers?.['policy-controller'] as PolicyControllerHandle;
  if (!pc) throw new Error('policy-controller is not running in this e2e (no controllers["policy-controller"] handle): see the global setup output');
  const registry = registryClient({ ...pc.registry, crane: requireTool('crane'), cosign: requireTool('cosign') });
  const release = await registry.keyPair('release');
  publicKey = readFileSync(release.pub, 'utf8');
  image.signed = await registry.push('flextime/scheduler-svc', 'built and signed by the release workflow (e2e scenario 12)');
  image.unsigned = await registry.push('flextime/scheduler-svc', 'pushed by hand, never signed (e2e scenario 12)');
  await registry.sign(image.signed, release.key);
  console.log(`ghcr.io (throw-away): signed ${image.signed}, unsigned ${image.unsigned}`);
}, PLATFORM_SETUP_MS);

afterAll(async () => {
  if (!ctx || !pc) return;
  await disablePodWebhooks(ctx.kube, pc);
  for (const p of created) await deletePod(ctx.kube, p).catch((e) => console.log(`restore: ${(e as Error).message}`));
  if (keyCommit) {
    const revert = await ctx.revertAndPush(keyCommit);
    await syncRevision(ctx.kube, SECURITY_APP, revert, ADMIN, SYNC_WITHIN_MS).catch((e) => console.log(`restore: ${(e as Error).message}`));
  }
}, 240_000);

describe('12 signed images', () => {
  it('the release key stands in for the keyless identity in the served repository; ArgoCD syncs both policies through policy-controller\'s own webhooks and it compiles them', async () => {
    const names = swapAuthorities(ctx.h.gitWorkdir, POLICY_FILES, publicKey);
    expect(names).toEqual(Object.values(EXPECTED).map((e) => e.policy));
    keyCommit = await ctx.commitAndPush(`e2e: the release key in place of the keyless identity ${RELEASE_AUTHORITY} (scenario 12)`);
    const t0 = Date.now();
    const { byHand } = await syncRevision(ctx.kube, SECURITY_APP, keyCommit, ADMIN, SYNC_WITHIN_MS);
    const synced = Date.now() - t0;
    await waitCompiled(ctx.kube, pc, names, publicKey, WITHIN_MS);
    console.log(`${SECURITY_APP} synced ${keyCommit.slice(0, 12)}${byHand ? ' by hand (outside the production window)' : ''} in ${seconds(synced)}; compiled by policy-controller ${seconds(Date.now() - t0 - synced)} later`);
  });

  it('policy.sigstore.dev registered as the chart renders it: the API server calls policy-controller for pods of the opted-in namespaces', async () => {
    const t0 = Date.now();
    await enablePodWebhooks(ctx.kube, pc, WITHIN_MS);
    // A dry-run only the webhook answers with a warning: the unsigned image in staging (warn).
    const probe = pod('staging', 'probe', image.unsigned);
    await waitAdmissionAnswer(ctx.kube, {
      path: kubePath('v1', 'pods', probe.metadata!.namespace), body: probe, timeoutMs: WITHIN_MS,
      what: `a dry-run of the unsigned image in ${probe.metadata!.namespace} admitted with ${EXPECTED.staging.policy}'s warning`,
    }, (v) => v.admitted && v.warnings.some((w) => w.includes(`failed policy: ${EXPECTED.staging.policy}`)));
    console.log(`policy.sigstore.dev answering ${seconds(Date.now() - t0)} after its registration`);
  });

  it('production (enforce) admits a pod whose image is signed with the release key', async () => {
    const p = pod('production', 'signed', image.signed);
    const v = await create(ctx.kube, p);
    if (v.admitted) created.push(p);
    expect(v, `expected the signed image to be admitted in ${p.metadata!.namespace} without warnings, saw it ${verdictLine(v)}`).toEqual({ admitted: true, message: '', warnings: [] });
  });

  it('production (enforce) refuses the unsigned image, naming the image and the policy', async () => {
    const p = pod('production', 'unsigned', image.unsigned);
    const v = await create(ctx.kube, p);
    if (v.admitted) {
      created.push(p);
      throw new Error(`expected the unsigned image to be refused in ${p.metadata!.namespace} by ${EXPECTED.production.policy} (enforce), saw it ${verdictLine(v)}`);
    }
    console.log(`refused: ${v.message}`);
    expect(v.message).toContain(`admission webhook "policy.sigstore.dev" denied the request: validation failed: failed policy: ${EXPECTED.production.policy}: spec.containers[0].image`);
    expect(v.message).toContain(`${image.unsigned} signature key validation failed for authority ${RELEASE_AUTHORITY} for ${image.unsigned}: no signatures found`);
  });

  it('staging (warn) admits the unsigned image with policy-controller\'s warning', async () => {
    const p = pod('staging', 'unsigned', image.unsigned);
    const v = await create(ctx.kube, p);
    if (v.admitted) created.push(p);
    expect(v.admitted, `expected the unsigned image to be admitted in ${p.metadata!.namespace} (warn), saw it ${verdictLine(v)}`).toBe(true);
    const warnings = v.warnings.join('\n');
    console.log(`warnings: ${warnings}`);
    expect(warnings).toContain(`failed policy: ${EXPECTED.staging.policy}: spec.containers[0].image`);
    expect(warnings).toContain(`signature key validation failed for authority ${RELEASE_AUTHORITY} for ${image.unsigned}: no signatures found`);
  });
});
