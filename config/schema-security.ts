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

export const environmentSecurity = z.object({
  /** enforcementAction of the Gatekeeper constraints that match this environment's namespace. */
  enforcementAction,
  /** Images must be `repo@sha256:…`: checked here for config and by Gatekeeper in the namespace. */
  requireImageDigest: z.boolean(),
  /** Severity of the alert on critical image vulnerabilities (Trivy Operator); `none`: no alert. */
  vulnerabilityAlert: z.enum(['critical', 'warning', 'none']),
}).strict();

/** A registry prefix images may come from, e.g. "ghcr.io/flextime/" (ends with "/" so "ghcr.io/flextime-evil/" does not match). */
const registryPrefix = z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*\/$/, 'must be a registry prefix ending in "/", such as "ghcr.io/flextime/"');
/** A label key as Kubernetes accepts it: optional DNS prefix, "/", name. */
const labelKey = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a label key such as "app.kubernetes.io/name"');
const absolutePath = z.string().regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, 'must be an absolute path without a trailing "/", such as "/app"');
const port = z.number().int().min(1).max(65535);
export const falcoPriority = z.enum(['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFORMATIONAL', 'DEBUG']);

export const security = z.object({
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
