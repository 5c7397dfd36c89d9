/**
 * The one substitution every signed-image test makes (test/signed-images.test.ts with the CLI,
 * e2e scenario 12 with the webhook): keyless verification needs Fulcio's certificate and Rekor's
 * log, which are out of reach offline, so the rendered authority `service-release-workflow`
 * (keyless: the release workflow's GitHub OIDC identity) is swapped for a `key` authority of the
 * same name holding a public key generated at run time. Globs, mode, match selectors stay as
 * rendered; anything else in the authorities is refused rather than silently replaced.
 */
import { RELEASE_AUTHORITY } from '../charts/security-rules/image-signatures.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The rendered ClusterImagePolicy with its keyless release authority replaced by `publicKeyPem`. */
export function withTestKeyAuthority(policy: Obj, publicKeyPem: string): Obj {
  const authorities = policy.spec?.authorities as Obj[] | undefined;
  if (authorities?.length !== 1 || authorities[0]!.name !== RELEASE_AUTHORITY || !authorities[0]!.keyless) {
    throw new Error(`${policy.metadata?.name}: expected one keyless authority '${RELEASE_AUTHORITY}', got ${JSON.stringify(authorities)}`);
  }
  return { ...policy, spec: { ...policy.spec, authorities: [{ name: RELEASE_AUTHORITY, key: { data: publicKeyPem } }] } };
}
