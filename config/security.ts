/**
 * Admission policy (Gatekeeper) and runtime detection (Falco) settings shared by every
 * environment; per-environment enforcement lives in environments/*.ts (`security`).
 * See docs/security.md.
 */
import type { PlatformInput } from './schema.ts';

export const securityConfig: PlatformInput['security'] = {
  // Sigstore policy-controller (docs/security.md "Signed images"); the mode per environment is
  // environments[].security.imageSignatures.
  imageSignatures: {
    images: ['ghcr.io/flextime/*'],
    // Keyless: the Fulcio certificate GitHub Actions' OIDC token buys for the release workflow of
    // this repository (gitops.repoURL). Service repositories call it pinned by commit SHA, so the
    // certificate subject is https://github.com/<this repo>/.github/workflows/service-release.yml@<sha>.
    issuer: 'https://token.actions.githubusercontent.com',
    subjectRegExp: '^https://github\\.com/flextime/flextime-platform/\\.github/workflows/service-release\\.yml@[0-9a-f]{40}$',
    // The chart's default selector (webhook.namespaceSelector).
    namespaceLabel: { key: 'policy.sigstore.dev/include', value: 'true' },
    // In an opted-in namespace, an image no policy covers is refused (Gatekeeper refuses other registries too).
    noMatchPolicy: 'deny',
  },
  gatekeeper: {
    // The control plane and the add-ons that run the cluster: their charts are upstream and are
    // reviewed when their pinned version changes, not object by object.
    exemptNamespaces: [
      'kube-system', 'kube-public', 'kube-node-lease',
      'gatekeeper-system', 'argocd', 'falco', 'trivy-system',
      'cert-manager', 'external-secrets', 'keda',
    ],
    loadBalancerNamespaces: ['ingress-nginx'],
    platformEnforcementAction: 'deny',
    allowedRegistries: ['ghcr.io/flextime/'],
    requiredLabels: ['app.kubernetes.io/name', 'app.kubernetes.io/part-of', 'flextime.io/environment'],
  },
  falco: {
    namespace: 'falco',
    appDirectories: ['/app'],
    // Nothing in an app container talks to the Kubernetes API; IRSA tokens live elsewhere
    // (/var/run/secrets/eks.amazonaws.com) and are read by the AWS SDK in the app runtime.
    tokenReaders: [],
    egress: {
      // DNS, OTLP to the collector, Redis (job queue), PgBouncer.
      'scheduler-svc': [53, 4317, 6379, 6432],
      // DNS and PostgreSQL (RDS).
      pgbouncer: [53, 5432],
    },
    slackMinimumPriority: 'WARNING',
    secretStore: 'aws-secrets-manager',
    slackWebhookSecretKey: 'flextime/falco/slack',
  },
};
