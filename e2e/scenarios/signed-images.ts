/**
 * What the operator of scenario 12 reads and does around policy-controller's webhook: put the
 * test key in place of the keyless release identity (in the served repository), register the
 * chart's `policy.sigstore.dev` webhook configurations, create a pod the way `kubectl run`
 * would and read what the API server answered (created or refused, and its warnings).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import { withTestKeyAuthority } from '../../test/signed-images-authority.ts';
import { admissionVerdict, type Verdict } from '../controllers/admission-probe.ts';
import { KubeError, kubePath, type Kube, type KubeObject } from '../controllers/kube.ts';
import type { PolicyControllerHandle } from '../controllers/policy-controller.ts';

const WEBHOOK_KIND_PATH = (kind: string) => kubePath('admissionregistration.k8s.io/v1', `${kind.toLowerCase()}s`);
/** Labels the test pods carry instead of the workload's, so no ReplicaSet adopts them and no PDB counts them. */
const TEST_POD_NAME = 'e2e-signed-images';

/** Rewrites the rendered ClusterImagePolicies in `dir` (a clone of the served repository) with the test key; returns their names. */
export function swapAuthorities(dir: string, files: readonly string[], publicKeyPem: string): string[] {
  return files.map((f) => {
    const path = join(dir, f);
    const doc = parseDocument(readFileSync(path, 'utf8'));
    const swapped = withTestKeyAuthority(doc.toJS(), publicKeyPem);
    doc.setIn(['spec', 'authorities'], swapped.spec.authorities);
    writeFileSync(path, doc.toString());
    return swapped.metadata.name as string;
  });
}

/** The middle of a PEM (its base64 body), as it appears in the compiled policy whatever the line breaks. */
const pemBody = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');

/** Waits until policy-controller's reconciler has compiled every policy in `names` with the test key. */
export async function waitCompiled(kube: Kube, pc: PolicyControllerHandle, names: readonly string[], publicKeyPem: string, timeoutMs: number): Promise<void> {
  const keyOf = (cm: KubeObject | undefined, name: string): string => {
    try {
      return String(JSON.parse(cm?.data?.[name] ?? '{}').authorities?.[0]?.key?.data ?? '');
    } catch {
      return '';
    }
  };
  await kube.waitFor({
    path: kubePath('v1', 'configmaps', pc.namespace), name: pc.compiledPolicies, timeoutMs,
    what: `ConfigMap ${pc.namespace}/${pc.compiledPolicies} holding ${names.join(', ')} compiled with the test key`,
    describe: ([cm]) => (cm ? names.map((n) => `${n}: ${cm.data?.[n] ? (keyOf(cm, n) ? 'a key authority, another key' : 'no key authority') : 'absent'}`).join('; ') : 'no ConfigMap'),
  }, ([cm]) => (names.every((n) => pemBody(keyOf(cm, n)) === pemBody(publicKeyPem)) ? cm : undefined));
}

/** Registers `policy.sigstore.dev` as the chart renders it; resolves once policy-controller has filled in its rules, CA bundle and path. */
export async function enablePodWebhooks(kube: Kube, pc: PolicyControllerHandle, timeoutMs: number): Promise<void> {
  for (const w of pc.podWebhooks) await kube.apply(w, `${w.kind!.toLowerCase()}s`);
  for (const w of pc.podWebhooks) {
    await kube.waitFor({
      path: WEBHOOK_KIND_PATH(w.kind!), name: w.metadata!.name, timeoutMs,
      what: `${w.kind} ${w.metadata!.name} completed by policy-controller (rules, caBundle, path)`,
      describe: ([o]) => JSON.stringify(o?.webhooks?.[0] ?? 'absent').slice(0, 400),
    }, ([o]) => {
      const wh = o?.webhooks?.[0];
      return wh?.clientConfig?.caBundle && wh.clientConfig.service?.path && wh.rules?.length ? o : undefined;
    });
  }
}

export async function disablePodWebhooks(kube: Kube, pc: PolicyControllerHandle): Promise<void> {
  for (const w of pc.podWebhooks) await kube.delete(`${WEBHOOK_KIND_PATH(w.kind!)}/${w.metadata!.name}`).catch(() => undefined);
}

/**
 * A pod of the rendered Deployment `file` (its labels, so Gatekeeper's and Pod Security's checks
 * pass as for the real workload, and its environment label, which picks the policy) with every
 * ghcr.io/flextime image replaced by `image`. Name and instance labels are the test's own.
 */
export function testPod(root: string, file: string, name: string, image: string): KubeObject {
  const d = parseYaml(readFileSync(join(root, file), 'utf8'));
  const spec = structuredClone(d.spec.template.spec);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) if (String(c.image).startsWith('ghcr.io/flextime/')) c.image = image;
  const labels = { ...d.spec.template.metadata.labels, 'app.kubernetes.io/name': TEST_POD_NAME, 'app.kubernetes.io/instance': TEST_POD_NAME };
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: d.metadata.namespace, labels }, spec };
}

/** `kubectl create` of the pod: created or refused, and the warnings. */
export const create = (kube: Kube, pod: KubeObject): Promise<Verdict> => admissionVerdict(kube, kubePath('v1', 'pods', pod.metadata!.namespace), pod, false);

export async function deletePod(kube: Kube, pod: KubeObject): Promise<void> {
  await kube.delete(kubePath('v1', 'pods', pod.metadata!.namespace, pod.metadata!.name), { gracePeriodSeconds: 0 }).catch((e) => {
    if (!(e instanceof KubeError && e.status === 404)) throw e;
  });
}
