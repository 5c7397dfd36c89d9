/**
 * Values type of the Sigstore policy-controller add-on (signed images only, docs/security.md),
 * part of ADDON_VALUES in ./schema-addons.ts. Only the keys we set are typed (a typo is a config
 * error); the chart's values.yaml at the pinned version is the reference.
 *
 * This module must not import ./schema.ts or ./schema-addons.ts (they import it).
 */
import { z } from 'zod';

const labelRequirement = z.object({
  key: z.string().min(1),
  operator: z.literal('In'),
  values: z.array(z.string().min(1)).min(1),
}).strict();

/**
 * sigstore/policy-controller, chart `policy-controller` of https://sigstore.github.io/helm-charts.
 * A validating + mutating webhook that checks the images of pods (and of the workloads that make
 * them) in opted-in namespaces against the ClusterImagePolicies of dist/cluster/security.
 */
export const policyControllerValues = z.object({
  webhook: z.object({
    /** Every pod of an opted-in namespace waits on this webhook (failurePolicy Fail): never one replica. */
    replicaCount: z.number().int().min(2, 'must be at least 2: with failurePolicy Fail, one replica down blocks every pod of the opted-in namespaces'),
    /** Fail closed: an unverifiable image is not admitted while the webhook is down. */
    failurePolicy: z.literal('Fail'),
    /** The namespaces the webhook sees: those carrying security.imageSignatures.namespaceLabel. */
    namespaceSelector: z.object({ matchExpressions: z.tuple([labelRequirement]) }).strict(),
    /** config-policy-controller: `no-match-policy` for images no ClusterImagePolicy covers. */
    configData: z.object({ 'no-match-policy': z.enum(['deny', 'warn', 'allow']) }).strict(),
    podDisruptionBudget: z.object({ enabled: z.literal(true), minAvailable: z.number().int().positive() }).strict(),
    priorityClass: z.string().min(1),
    /** The webhook container's securityContext (the chart calls it podSecurityContext). */
    podSecurityContext: z.object({
      enabled: z.literal(true),
      allowPrivilegeEscalation: z.literal(false),
      readOnlyRootFilesystem: z.literal(true),
      runAsNonRoot: z.literal(true),
      runAsUser: z.number().int().positive(),
      capabilities: z.object({ drop: z.tuple([z.literal('ALL')]) }).strict(),
      seccompProfile: z.object({ type: z.literal('RuntimeDefault') }).strict(),
    }).strict(),
  }).strict(),
  leasescleanup: z.object({ priorityClass: z.string().min(1) }).strict(),
}).strict();
