/**
 * Signed images only (issue 20), as rendered: who must have signed, which namespaces opt in,
 * how the policy-controller add-on is installed, and the config errors. Expected values are the
 * issue's literals (ghcr.io/flextime/*, service-release.yml, production enforce, staging warn) or
 * written here by hand; whether policy-controller admits what these policies say is
 * test/signed-images.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { configError, find, objects, rawConfig, renderPlatform } from './helpers.ts';

type Authority = { name: string; keyless?: { identities: Array<{ issuer: string; subjectRegExp: string }> }; key?: unknown };
type Policy = { metadata: { name: string }; spec: { images: Array<{ glob: string }>; authorities: Authority[]; mode: string } };

// Rendered once for the file: each render takes seconds.
let rendered: ReturnType<typeof renderPlatform> | undefined;
const committed = () => (rendered ??= renderPlatform());
const policies = () => objects('dist/cluster/security/', committed()).filter((o) => o.kind === 'ClusterImagePolicy') as unknown as Policy[];
const env = (c: ReturnType<typeof rawConfig>, name: string) => c.environments.find((e) => e.name === name)!;

describe('the signature policies', () => {
  it('are one enforce and one warn ClusterImagePolicy, both for ghcr.io/flextime/*', () => {
    const rendered = policies().map((p) => [p.metadata.name, p.spec.mode, p.spec.images.map((i) => i.glob)]);
    expect(rendered.sort()).toEqual([
      ['flextime-signed-images-enforce', 'enforce', ['ghcr.io/flextime/*']],
      ['flextime-signed-images-warn', 'warn', ['ghcr.io/flextime/*']],
    ]);
  });

  it('trust one keyless identity: the release workflow of this repository, on GitHub Actions', () => {
    for (const p of policies()) {
      expect(p.spec.authorities).toHaveLength(1);
      const [authority] = p.spec.authorities;
      expect(authority!.key).toBeUndefined();
      expect(authority!.keyless!.identities).toHaveLength(1);
      expect(authority!.keyless!.identities[0]!.issuer).toBe('https://token.actions.githubusercontent.com');
    }
  });

  // Fulcio writes https://github.com/<job_workflow_ref> into the certificate: the reusable
  // workflow's path and the ref its caller pinned (service-release.yml's header: a commit SHA).
  const sha = '3d3c42e5aac5ba805825da76410c181273ba90b1';
  const subjects: Array<[string, boolean]> = [
    [`https://github.com/flextime/flextime-platform/.github/workflows/service-release.yml@${sha}`, true],
    [`https://github.com/flextime/flextime-platform/.github/workflows/ci.yml@${sha}`, false],
    [`https://github.com/someone/flextime-platform/.github/workflows/service-release.yml@${sha}`, false],
    [`https://github.com/flextime/flextime-platform-fork/.github/workflows/service-release.yml@${sha}`, false],
    [`https://github.com/flextime/flextime-platform/.github/workflows/service-release.yml@refs/heads/some-branch`, false],
    [`https://github.com/flextime/flextime-platform/.github/workflows/service-release.yml@${sha}x`, false],
  ];
  it.each(subjects)('subject %s → admitted %s', (subject, admitted) => {
    for (const p of policies()) {
      const re = new RegExp(p.spec.authorities[0]!.keyless!.identities[0]!.subjectRegExp);
      expect(re.test(subject), p.metadata.name).toBe(admitted);
    }
  });

  it('opt in the namespaces of staging and production, not development', () => {
    const label = (ns: string) => find('Namespace', ns, '', committed()).metadata.labels?.['policy.sigstore.dev/include'];
    expect([label('flextime-production'), label('flextime-staging'), label('flextime-development')]).toEqual(['true', 'true', undefined]);
  });
});

describe('the policy-controller add-on', () => {
  const app = () => find('Application', 'addon-flextime-policy-controller', 'argocd/apps/', committed()) as unknown as {
    spec: { source: { repoURL: string; chart: string; targetRevision: string; helm: { valuesObject: { webhook: Record<string, unknown> } } }; destination: { namespace: string } };
  };

  it('installs chart 0.10.6 (policy-controller v0.13.1, the release the tests build) into cosign-system', () => {
    const { source, destination } = app().spec;
    expect([source.repoURL, source.chart, source.targetRevision, destination.namespace])
      .toEqual(['https://sigstore.github.io/helm-charts', 'policy-controller', '0.10.6', 'cosign-system']);
  });

  it('fails closed, selects the opt-in label, refuses images no policy covers, and never runs alone', () => {
    const webhook = app().spec.source.helm.valuesObject.webhook;
    expect(webhook.failurePolicy).toBe('Fail');
    expect(webhook.namespaceSelector).toEqual({ matchExpressions: [{ key: 'policy.sigstore.dev/include', operator: 'In', values: ['true'] }] });
    expect(webhook.configData).toEqual({ 'no-match-policy': 'deny' });
    expect(webhook.replicaCount).toBeGreaterThanOrEqual(2);
  });
});

describe('signature config errors', () => {
  it("refuses 'enforce' where tags are allowed", () => {
    const c = rawConfig();
    env(c, 'development').security.imageSignatures = 'enforce';
    expect(configError(c)).toContain(`environments[development].security.imageSignatures = "enforce": 'enforce' needs requireImageDigest: true (a signature vouches for a digest, not for a tag)`);
  });

  it('refuses an unknown mode', () => {
    const c = rawConfig();
    (env(c, 'staging').security as { imageSignatures: string }).imageSignatures = 'audit';
    expect(configError(c)).toContain('environments[staging].security.imageSignatures = "audit": must be one of "enforce", "warn", "off"');
  });

  it('refuses an unanchored subject', () => {
    const c = rawConfig();
    c.security.imageSignatures.subjectRegExp = 'service-release\\.yml';
    expect(configError(c)).toContain('security.imageSignatures.subjectRegExp = "service-release\\\\.yml": must be anchored: start with "^" and end with "$"');
  });

  it('refuses a glob that is not an image glob', () => {
    const c = rawConfig();
    c.security.imageSignatures.images = ['ghcr.io/flextime/*?'];
    expect(configError(c)).toContain('security.imageSignatures.images[0] = "ghcr.io/flextime/*?": must be an image glob such as "ghcr.io/flextime/*"');
  });

  it('renders no policy and opts no namespace in when every environment is off', () => {
    const c = rawConfig();
    for (const e of c.environments) e.security.imageSignatures = 'off';
    const all = objects('', renderPlatform(loadConfig(c)));
    expect(all.filter((o) => o.kind === 'ClusterImagePolicy')).toEqual([]);
    expect(all.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['policy.sigstore.dev/include'])).toEqual([]);
  });
});
