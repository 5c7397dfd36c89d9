/**
 * Schema of people's access (docs/network.md "People"): the Big 12 SSO the cluster and the UIs
 * trust, and what its groups may do per environment (RBAC, charts/rbac.ts). Part of the platform
 * schema in ./schema.ts (`sso`, `environments[].access`). Split from ./schema-network.ts.
 *
 * This module must not import ./schema.ts (schema.ts imports it).
 */
import { z } from 'zod';

/** The Big 12 SSO (OIDC) as the cluster (EKS identity provider config) and UIs see it. */
export const sso = z.object({
  /** Issuer URL; Terraform registers it with EKS, Grafana logs in against it. */
  issuer: z.url({ protocol: /^https$/, error: 'must be an https issuer URL' }),
  /** OIDC client id registered for the Kubernetes API (kubectl / kubelogin). */
  clientId: z.string().min(1),
  /** Claim that names the user. */
  usernameClaim: z.string().min(1),
  /** Claim that lists the user's groups. */
  groupsClaim: z.string().min(1),
  /** EKS prefixes every group (and user) with this; RBAC subjects are `<groupsPrefix><group>`. */
  groupsPrefix: z.string().regex(/^[a-z0-9-]+:$/, 'must be a word ending in ":", such as "oidc:"'),
  /** IdP group names, without the prefix. */
  groups: z.object({
    /** Read everywhere; admin or restart per environment (`environments[].access.platformAdmins`). */
    platformAdmins: z.string().min(1),
    /** edit or view per environment (`environments[].access.developers`). */
    developers: z.string().min(1),
    /** view (never Secrets) in every environment. */
    viewers: z.string().min(1),
    /** view plus logs and rollout restart where `environments[].access.onCall` is set. */
    onCall: z.string().min(1),
    /** kubectl exec where `environments[].access.onCall` is set; membership is granted per incident and expires. */
    onCallExec: z.string().min(1),
    /** cluster-admin, for emergencies only: membership is granted temporarily and audited. */
    breakGlass: z.string().min(1),
  }).strict(),
}).strict();
export type Sso = z.infer<typeof sso>;

export const environmentAccess = z.object({
  /** `edit` (includes reading Secrets) or `view` (never Secrets). */
  developers: z.enum(['edit', 'view']),
  /** On-call may read logs and restart Deployments, StatefulSets and Rollouts here; on-call-exec may exec. */
  onCall: z.boolean(),
  /** `admin` (Secrets and exec included) or `restart` (flextime-on-call: read and restart; changes go through git). */
  platformAdmins: z.enum(['admin', 'restart']),
}).strict();
