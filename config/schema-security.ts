/**
 * Schema of admission policy and runtime security (docs/security.md): Gatekeeper constraints
 * (registries, required labels, exempt namespaces), Falco rules and alerting, and each
 * environment's enforcement action, digest rule and vulnerability alert.
 * Part of the platform schema in ./schema.ts (`security` and the per-environment `security`).
 *
 * This module must not import ./schema.ts (schema.ts imports it); the rules that look at other
 * sections (exempt namespaces, image registries) are in schema.ts.
 */
import { z } from 'zod';
import { dnsLabel } from './schema-primitives.ts';

/** What Gatekeeper does with a violation: reject it, let it through with a warning, or only audit it. */
export const enforcementAction = z.enum(['deny', 'warn', 'dryrun']);
export type EnforcementAction = z.infer<typeof enforcementAction>;

/**
 * What the signature admission policy (Sigstore policy-controller) does in an environment's
 * namespace with an image of `security.imageSignatures.images` that no trusted identity signed:
 * reject the object, admit it with a warning, or not look (the namespace is not opted in).
 */
export const signatureMode = z.enum(['enforce', 'warn', 'off']);
export type SignatureMode = z.infer<typeof signatureMode>;

export const environmentSecurity = z.object({
  /** enforcementAction of the Gatekeeper constraints that match this environment's namespace. */
  enforcementAction,
  /** Images must be `repo@sha256:…`: checked here for config and by Gatekeeper in the namespace. */
  requireImageDigest: z.boolean(),
  /** Severity of the alert on critical image vulnerabilities (Trivy Operator); `none`: no alert. */
  vulnerabilityAlert: z.enum(['critical', 'warning', 'none']),
  /** Signature check of the namespace's images (charts/security-rules/image-signatures.ts, docs/security.md). */
  imageSignatures: signatureMode,
}).strict().superRefine((s, ctx) => {
  // A signature vouches for a digest; a tag admitted today may point at an unsigned image tomorrow.
  if (s.imageSignatures === 'enforce' && !s.requireImageDigest) {
    ctx.addIssue({ code: 'custom', path: ['imageSignatures'], message: "'enforce' needs requireImageDigest: true (a signature vouches for a digest, not for a tag)" });
  }
});

/** A registry prefix images may come from, e.g. "ghcr.io/flextime/" (ends with "/" so "ghcr.io/flextime-evil/" does not match). */
const registryPrefix = z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*\/$/, 'must be a registry prefix ending in "/", such as "ghcr.io/flextime/"');
/** A label key as Kubernetes accepts it: optional DNS prefix, "/", name. */
const labelKey = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a label key such as "app.kubernetes.io/name"');
const absolutePath = z.string().regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, 'must be an absolute path without a trailing "/", such as "/app"');
const port = z.number().int().min(1).max(65535);
export const falcoPriority = z.enum(['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFORMATIONAL', 'DEBUG']);

/** A policy-controller image glob: `*` matches within one path segment, `**` across segments. */
const imageGlob = z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?(\/([a-z0-9._-]+|\*|\*\*))+$/, 'must be an image glob such as "ghcr.io/flextime/*"');

/** Which images must be signed, and by whom (Sigstore keyless: a Fulcio certificate for an OIDC identity). */
const imageSignatures = z.object({
  /** Images the policy covers (policy-controller globs). */
  images: z.array(imageGlob).min(1),
  /** OIDC issuer of the signing identity (GitHub Actions: https://token.actions.githubusercontent.com). */
  issuer: z.url({ protocol: /^https$/, error: 'must be an https OIDC issuer URL' }),
  /**
   * Regular expression the certificate's subject (the workflow's `job_workflow_ref` as a URL)
   * must match, anchored with ^…$ so no other workflow or repository fits.
   */
  subjectRegExp: z.string().regex(/^\^.+\$$/, 'must be anchored: start with "^" and end with "$"'),
  /** Namespace label the policy-controller webhook selects opted-in namespaces by. */
  namespaceLabel: z.object({ key: z.string().min(1), value: z.string().min(1) }).strict(),
  /** What the webhook does with an image in an opted-in namespace that no policy covers. */
  noMatchPolicy: z.enum(['deny', 'warn', 'allow']),
}).strict();

export const security = z.object({
  imageSignatures,
  gatekeeper: z.object({
    /** Namespaces no constraint looks at: the control plane and the add-ons that run the cluster. */
    exemptNamespaces: z.array(dnsLabel).min(1),
    /** The only namespaces where Services of type LoadBalancer or NodePort are allowed (the ingress controller's). */
    loadBalancerNamespaces: z.array(dnsLabel).min(1),
    /** enforcementAction for namespaces outside every environment and for our own cluster-scoped objects. */
    platformEnforcementAction: enforcementAction,
    /** Registries (prefixes) that containers in environment namespaces may pull from. */
    allowedRegistries: z.array(registryPrefix).min(1),
    /** Labels every workload, Pod template, Service and Ingress in an environment namespace must carry. */
    requiredLabels: z.array(labelKey).min(1),
  }).strict(),
  falco: z.object({
    /** Namespace of the Falco add-on; the custom rules ConfigMap and Falcosidekick secret go there. */
    namespace: dnsLabel,
    /** Where application code lives inside app images; writes below it (or /etc) raise an alert. */
    appDirectories: z.array(absolutePath).min(1),
    /** Process names allowed to read service-account tokens in app containers. */
    tokenReaders: z.array(z.string().regex(/^[A-Za-z0-9._-]{1,15}$/, 'must be a process name (Falco truncates proc.name to 15 characters)')),
    /** Per workload (`app.kubernetes.io/name`): the destination ports it may connect to; any other outbound connection alerts. */
    egress: z.record(dnsLabel, z.array(port).min(1)),
    /** Lowest Falco priority that Falcosidekick forwards to Slack (all events reach Prometheus). */
    slackMinimumPriority: falcoPriority,
    /** ClusterSecretStore the Falcosidekick Slack webhook URL is read from. */
    secretStore: dnsLabel,
    /** Secrets Manager secret (JSON, property `webhook-url`) holding the Slack webhook URL. */
    slackWebhookSecretKey: z.string().min(1),
  }).strict(),
}).strict();
export type Security = z.infer<typeof security>;
