/**
 * The add-on that admits only signed images (part of config/addons.ts `addonsConfig`): Sigstore
 * policy-controller. Chart 0.10.6 = policy-controller v0.13.1 (sigstore/helm-charts
 * charts/policy-controller/Chart.yaml), the release scripts/install-tools builds for the signed-image
 * test (test/signed-images.test.ts). Its policies are dist/cluster/security/clusterimagepolicy-*.yaml
 * (charts/security-rules/image-signatures.ts); why this verifier: docs/security.md "Signed images".
 */
import type { AddonInput } from './schema-addons.ts';
import { CRD, MUTATING_WEBHOOK, PLATFORM_PRIORITY_CLASS, RBAC, VALIDATING_WEBHOOK } from './addons-common.ts';
import { securityConfig } from './security.ts';

const { namespaceLabel, noMatchPolicy } = securityConfig.imageSignatures;

export const policyController: AddonInput = {
  name: 'policy-controller',
  repoURL: 'https://sigstore.github.io/helm-charts',
  chart: 'policy-controller',
  version: '0.10.6',
  // The namespace upstream's docs and chart examples use.
  namespace: 'cosign-system',
  // Baseline, not restricted: the chart's post-delete lease clean-up Job (kubectl, tag latest-dev)
  // sets no securityContext; the webhook container below sets every field restricted asks for.
  podSecurity: 'baseline',
  serves: [{ group: 'policy.sigstore.dev', kinds: ['ClusterImagePolicy', 'TrustRoot'] }],
  clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
  values: {
    webhook: {
      replicaCount: 2,
      failurePolicy: 'Fail',
      namespaceSelector: { matchExpressions: [{ key: namespaceLabel.key, operator: 'In', values: [namespaceLabel.value] }] },
      configData: { 'no-match-policy': noMatchPolicy },
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
      priorityClass: PLATFORM_PRIORITY_CLASS,
      podSecurityContext: {
        enabled: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: 1000,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
    leasescleanup: { priorityClass: PLATFORM_PRIORITY_CLASS },
  },
};
