/**
 * Signed images only: the ClusterImagePolicies of Sigstore policy-controller (config/addons-signing.ts)
 * in dist/cluster/security, from `security.imageSignatures` and each environment's
 * `security.imageSignatures` mode. docs/security.md "Signed images".
 *
 * policy-controller's enforce/warn is a property of a ClusterImagePolicy, and its webhook tells
 * namespaces apart only by its opt-in selector; production and staging share a cluster, so the
 * policies tell environments apart by the object's `flextime.io/environment` label (which
 * Gatekeeper requires on every workload and pod template there). One policy per mode:
 *   - warn:    objects labelled with a `warn` environment;
 *   - enforce: every other object (NotIn the warn environments), so an object without the label
 *              in an opted-in namespace is held to the stricter rule, never waved through.
 * Namespaces opt in by the label of `security.imageSignatures.namespaceLabel` (charts/namespaces.ts);
 * an environment set to `off` is not opted in, and its objects never reach the webhook.
 */
import type { Construct } from 'constructs';
import type { Environment, Platform } from '../../config/index.ts';
import type { SignatureMode } from '../../config/schema-security.ts';
import { ClusterImagePolicy, type LabelRequirement } from '../../lib/cluster-image-policy.ts';
import type { ControlImplementation } from '../../lib/compliance.ts';
import { ENVIRONMENT_LABEL, namespaceOf } from '../context.ts';

/** The authority every rendered policy trusts (test/signed-images.test.ts swaps exactly this one). */
export const RELEASE_AUTHORITY = 'service-release-workflow';
const POLICY_PREFIX = 'flextime-signed-images';
const OUTPUT_DIR = 'dist/cluster/security';
/** Image provenance and software integrity (charts/security-rules/controls.ts). */
const CONTROLS = ['CIS-K8S-5.5.1', 'NIST-SI-7', 'NIST-CM-11', 'SOC2-CC6.8', 'SOC2-CC8.1'];

/** Environments whose namespace carries the opt-in label. */
export function signatureCheckedEnvironments(platform: Platform): Environment[] {
  return platform.environments.filter((e) => e.security.imageSignatures !== 'off');
}

/** The labels an environment's Namespace gets for the signature webhook ({} when `off`). */
export function signatureNamespaceLabels(platform: Platform, env: Environment): Record<string, string> {
  if (env.security.imageSignatures === 'off') return {};
  const { key, value } = platform.security.imageSignatures.namespaceLabel;
  return { [key]: value };
}

/** Renders the policies into `scope`; returns what the compliance map lists, or undefined when no environment is checked. */
export function imageSignaturePolicies(
  scope: Construct,
  platform: Platform,
  labels: (name: string) => Record<string, string>,
  controlsAnnotation: string,
): ControlImplementation | undefined {
  const checked = signatureCheckedEnvironments(platform);
  if (checked.length === 0) return undefined;
  const sig = platform.security.imageSignatures;
  const byMode = (mode: SignatureMode) => checked.filter((e) => e.security.imageSignatures === mode);
  const warn = byMode('warn').map((e) => e.name);
  const enforce = byMode('enforce');

  const policies: Array<{ name: string; mode: 'enforce' | 'warn'; selector?: LabelRequirement[]; envs: Environment[] }> = [];
  if (enforce.length > 0) {
    policies.push({
      name: `${POLICY_PREFIX}-enforce`,
      mode: 'enforce',
      ...(warn.length > 0 ? { selector: [{ key: ENVIRONMENT_LABEL, operator: 'NotIn', values: warn }] } : {}),
      envs: enforce,
    });
  }
  if (warn.length > 0) {
    policies.push({ name: `${POLICY_PREFIX}-warn`, mode: 'warn', selector: [{ key: ENVIRONMENT_LABEL, operator: 'In', values: warn }], envs: byMode('warn') });
  }

  for (const p of policies) {
    new ClusterImagePolicy(scope, `ImagePolicy-${p.mode}`, {
      name: p.name,
      labels: labels(p.name),
      annotations: { [controlsAnnotation]: CONTROLS.join(',') },
      images: sig.images,
      authorities: [{ name: RELEASE_AUTHORITY, keyless: { identities: [{ issuer: sig.issuer, subjectRegExp: sig.subjectRegExp }] } }],
      mode: p.mode,
      ...(p.selector ? { selector: p.selector } : {}),
    });
  }

  return {
    name: 'policy-controller signed images',
    mechanism: 'admission policy (image signatures)',
    summary: `Images matching ${sig.images.join(', ')} must carry a cosign signature from the release workflow (keyless, issuer ${sig.issuer}); images no policy covers: ${sig.noMatchPolicy}.`,
    where: policies.map((p) => `\`${p.name}\` (${p.mode}): ${p.envs.map((e) => namespaceOf(platform, e)).join(', ')}`),
    controls: CONTROLS,
    definedIn: policies.map((p) => `${OUTPUT_DIR}/clusterimagepolicy-${p.name}.yaml`),
  };
}
