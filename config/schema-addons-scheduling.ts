/**
 * Values type of the descheduler add-on, part of ADDON_VALUES in ./schema-addons.ts. Only the keys
 * we set are typed (a typo is a config error); the chart's values.yaml at the pinned version is
 * the reference.
 *
 * This module must not import ./schema.ts or ./schema-addons.ts (they import it).
 */
import { z } from 'zod';
import { requestsAndMemoryLimit } from './schema-primitives.ts';

const plugin = z.enum(['RemovePodsViolatingTopologySpreadConstraint', 'RemovePodsViolatingNodeTaints', 'RemovePodsHavingTooManyRestarts']);

/**
 * kubernetes-sigs/descheduler, chart `descheduler` of https://kubernetes-sigs.github.io/descheduler/.
 * It runs as a Deployment (a loop every `deschedulingInterval`) rather than the chart's default
 * CronJob, so one leader-elected process holds the lease and restarts are cheap.
 */
export const deschedulerValues = z.object({
  kind: z.literal('Deployment'),
  replicas: z.number().int().min(2, 'must be at least 2: a second replica takes the leader lease over'),
  leaderElection: z.object({ enabled: z.literal(true) }).strict(),
  /** A Go duration such as "5m". */
  deschedulingInterval: z.string().regex(/^[0-9]+(s|m|h)$/, 'must be a duration such as "5m"'),
  /** The chart's default tag is its appVersion; pinned so the e2e builds the same release. */
  image: z.object({ tag: z.string().regex(/^v[0-9]+\.[0-9]+\.[0-9]+$/, 'must be a release tag such as "v0.35.1"') }).strict(),
  resources: requestsAndMemoryLimit,
  podSecurityContext: z.object({ seccompProfile: z.object({ type: z.literal('RuntimeDefault') }).strict() }).strict(),
  deschedulerPolicy: z.object({
    profiles: z.array(z.object({
      name: z.string().min(1),
      pluginConfig: z.array(z.object({ name: z.string().min(1), args: z.record(z.string(), z.unknown()).optional() }).strict()),
      plugins: z.object({
        balance: z.object({ enabled: z.array(plugin) }).strict().optional(),
        deschedule: z.object({ enabled: z.array(plugin) }).strict().optional(),
      }).strict(),
    }).strict()).min(1),
  }).strict(),
}).strict();
