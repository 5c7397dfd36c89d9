/**
 * Signed images only (issue 20), for real: policy-controller's own verification code
 * (image-policy-check, tools/policy-controller: pkg/policy of v0.13.1, which calls the admission
 * webhook's ValidatePolicy) evaluates the ClusterImagePolicies synth renders now, with the
 * no-match policy of the rendered add-on Application, on rendered workloads whose images are
 * replaced by images pushed to a throw-away ghcr.io (test/signed-images-registry.ts).
 *
 * The one substitution (signed-images-authority.ts): each policy's keyless authority
 * `service-release-workflow` is swapped for a `key` authority holding a public key generated at
 * run time. Globs, modes, match selectors and the no-match policy are used as rendered. The same
 * policies as the real webhook in the e2e cluster: scenario 12 (docs/security.md "Signed images").
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { RELEASE_AUTHORITY } from '../charts/security-rules/image-signatures.ts';
import { find, objects, renderPlatform } from './helpers.ts';
import { withTestKeyAuthority } from './signed-images-authority.ts';
import { startTestRegistry, type TestRegistry } from './signed-images-registry.ts';
import { requireTool, skipWithout } from './tools.ts';

const run = promisify(execFile);

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Verdict { exitCode: number; images: Array<{ image: string; errors: string[]; warnings: string[] }> }

// One install-tools row builds all three (image-policy-check, cosign, crane); requireTool names a missing one.
describe.skipIf(skipWithout('image-policy-check'))('signed images, verified by policy-controller', () => {
  let dir: string;
  let registry: TestRegistry;
  let policyFiles: string[];
  let noMatchPolicy: string;
  let rendered: ReturnType<typeof renderPlatform>;
  const image = { signed: '', unsigned: '', otherKey: '' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flextime-signed-images-'));
    registry = await startTestRegistry({ dir, crane: requireTool('crane'), cosign: requireTool('cosign') });
    const release = await registry.keyPair('release');
    const stranger = await registry.keyPair('stranger');
    image.signed = await registry.push('flextime/api-svc', 'built and signed by the release workflow');
    image.unsigned = await registry.push('flextime/api-svc', 'pushed by hand, never signed');
    image.otherKey = await registry.push('flextime/api-svc', 'signed, but by a key the policy does not trust');
    await registry.sign(image.signed, release.key);
    await registry.sign(image.otherKey, stranger.key);

    rendered = renderPlatform();
    const policies = objects('dist/cluster/security/', rendered).filter((o) => o.kind === 'ClusterImagePolicy') as Obj[];
    const publicKey = readFileSync(release.pub, 'utf8');
    policyFiles = policies.map((p) => {
      const file = join(dir, `${p.metadata.name}.yaml`);
      writeFileSync(file, stringify(withTestKeyAuthority(p, publicKey)));
      return file;
    });
    const app = find('Application', 'addon-flextime-policy-controller', 'argocd/apps/', rendered) as Obj;
    noMatchPolicy = app.spec.source.helm.valuesObject.webhook.configData['no-match-policy'];
  }, 240_000);

  afterAll(async () => {
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A rendered Deployment with every ghcr.io/flextime image of its pod template replaced by `ref`. */
  function workload(kind: 'Deployment', name: string, env: string, ref: string, edit?: (o: Obj) => void): Obj {
    const obj = structuredClone(find(kind, name, `dist/${env}/`, rendered)) as Obj;
    replaceImages(obj.spec.template.spec, ref);
    edit?.(obj);
    return obj;
  }

  /** A Pod as the Rollout controller makes it: the rendered template's labels and spec. */
  function rolloutPod(env: string, ref: string): Obj {
    const rollout = find('Rollout', 'api-svc', `dist/${env}/`, rendered) as Obj;
    const pod = structuredClone({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-svc-test', namespace: rollout.metadata.namespace, labels: rollout.spec.template.metadata.labels }, spec: rollout.spec.template.spec });
    replaceImages(pod.spec, ref);
    return pod;
  }

  function replaceImages(podSpec: Obj, ref: string): void {
    for (const c of [...(podSpec.initContainers ?? []), ...podSpec.containers]) {
      if (String(c.image).startsWith('ghcr.io/flextime/')) c.image = ref;
    }
  }

  async function admit(obj: Obj): Promise<Verdict> {
    const file = join(dir, `${obj.kind}-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify(obj));
    const args = [...policyFiles.flatMap((f) => ['--policy', f]), '--no-match-policy', noMatchPolicy, '--resource', file];
    try {
      const { stdout } = await run(requireTool('image-policy-check'), args, { env: registry.env, timeout: 120_000 });
      return { exitCode: 0, ...JSON.parse(stdout) };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      if (err.code !== 1 || !err.stdout) throw new Error(`image-policy-check failed (${err.code}): ${err.stderr}`);
      return { exitCode: 1, ...JSON.parse(err.stdout) };
    }
  }

  const errorsOf = (v: Verdict) => v.images.flatMap((i) => i.errors).join('\n');
  const warningsOf = (v: Verdict) => v.images.flatMap((i) => i.warnings).join('\n');

  it('production admits the signed image (scheduler-svc Deployment)', async () => {
    const v = await admit(workload('Deployment', 'scheduler-svc', 'production', image.signed));
    expect(v.images.map((i) => i.image)).toContain(image.signed);
    expect([v.exitCode, errorsOf(v), warningsOf(v)]).toEqual([0, '', '']);
  }, 120_000);

  it('production rejects the unsigned image, naming the authority and the missing signature', async () => {
    const v = await admit(workload('Deployment', 'scheduler-svc', 'production', image.unsigned));
    expect({ exitCode: v.exitCode, warnings: warningsOf(v) }).toEqual({ exitCode: 1, warnings: '' });
    expect(errorsOf(v)).toContain(`signature key validation failed for authority ${RELEASE_AUTHORITY} for ${image.unsigned}: no signatures found`);
  }, 120_000);

  it('production rejects an image signed with a key the policy does not trust', async () => {
    const v = await admit(workload('Deployment', 'scheduler-svc', 'production', image.otherKey));
    expect({ exitCode: v.exitCode, warnings: warningsOf(v) }).toEqual({ exitCode: 1, warnings: '' });
    expect(errorsOf(v)).toContain(`signature key validation failed for authority ${RELEASE_AUTHORITY} for ${image.otherKey}: no matching signatures`);
  }, 120_000);

  it('production checks the pods the api-svc Rollout makes (the webhook does not read Rollouts)', async () => {
    const v = await admit(rolloutPod('production', image.unsigned));
    expect({ exitCode: v.exitCode, warnings: warningsOf(v) }).toEqual({ exitCode: 1, warnings: '' });
    expect(errorsOf(v)).toContain('no signatures found');
  }, 120_000);

  it('production holds an object without the environment label to enforce too', async () => {
    const v = await admit(workload('Deployment', 'scheduler-svc', 'production', image.unsigned, (o) => {
      delete o.metadata.labels['flextime.io/environment'];
    }));
    expect({ exitCode: v.exitCode, warnings: warningsOf(v) }).toEqual({ exitCode: 1, warnings: '' });
    expect(errorsOf(v)).toContain('no signatures found');
  }, 120_000);

  it('production refuses an image outside ghcr.io/flextime/* (no policy covers it)', async () => {
    const outside = 'docker.io/library/busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000';
    const v = await admit(workload('Deployment', 'scheduler-svc', 'production', outside));
    expect({ exitCode: v.exitCode, warnings: warningsOf(v) }).toEqual({ exitCode: 1, warnings: '' });
    expect(errorsOf(v)).toContain(`docker.io/library/busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000 is uncovered by policy`);
  }, 120_000);

  it('staging admits the unsigned image with a warning (api-svc Deployment)', async () => {
    const v = await admit(workload('Deployment', 'api-svc', 'staging', image.unsigned));
    expect({ exitCode: v.exitCode, errors: errorsOf(v) }).toEqual({ exitCode: 0, errors: '' });
    expect(warningsOf(v)).toContain(`signature key validation failed for authority ${RELEASE_AUTHORITY} for ${image.unsigned}: no signatures found`);
  }, 120_000);

  it('staging admits the signed image without a warning', async () => {
    const v = await admit(workload('Deployment', 'api-svc', 'staging', image.signed));
    expect([v.exitCode, errorsOf(v), warningsOf(v)]).toEqual([0, '', '']);
  }, 120_000);
});
