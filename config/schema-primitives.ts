/**
 * Shared building blocks of the platform schema in ./schema.ts: environment names, DNS labels,
 * CPU and memory quantities, image references (and `parseImage`), resources and replica bounds,
 * cron schedules and time zones, and `uniqueBy` for the cross-section rules.
 *
 * This module must not import ./schema.ts or any other schema-*.ts module: every topic module
 * imports it.
 */
import { z } from 'zod';
import { parseCpu, parseMemory } from '../lib/values/quantity.ts';

export const ENVIRONMENT_NAMES = ['development', 'staging', 'production'] as const;
export const environmentName = z.enum(ENVIRONMENT_NAMES);
export type EnvironmentName = z.infer<typeof environmentName>;

/** DNS-1123 label: what Kubernetes accepts as a name of a Service, namespace or label value. */
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)');

/** A CPU quantity as Kubernetes writes it: "250m", "1", "1.5". */
export const cpuQuantity = z.string().refine((v) => parseCpu(v) !== undefined, {
  message: 'must be a Kubernetes CPU quantity such as "250m", "1" or "1.5"',
});

/** A memory quantity as Kubernetes writes it: "512Mi", "2Gi", "1G". */
export const memoryQuantity = z.string().refine((v) => parseMemory(v) !== undefined, {
  message: 'must be a Kubernetes memory quantity such as "256Mi", "2Gi" or "1G"',
});

/**
 * An OCI image reference. Accepts `repo:tag`, `repo@sha256:<64 hex>` and `repo:tag@sha256:…`.
 * Whether a digest is *required* depends on the environment (see `environment` below).
 */
const IMAGE_PATTERN =
  /^(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;
export const imageRef = z
  .string()
  .regex(IMAGE_PATTERN, 'must be an image reference "registry/repo:tag" or "registry/repo@sha256:<64 hex>"')
  .refine((v) => /[:@]/.test(v.replace(/^[^/]*:[0-9]+\//, '')), {
    message: 'must name a tag or a digest ("repo:tag" or "repo@sha256:…"); an untagged image means :latest',
  })
  .refine((v) => !/:latest(@|$)/.test(v), { message: 'must not use the floating tag "latest"' });

export interface ParsedImage {
  repository: string;
  tag?: string;
  digest?: string;
}
export function parseImage(ref: string): ParsedImage {
  const groups = IMAGE_PATTERN.exec(ref)?.groups;
  if (!groups) throw new Error(`image '${ref}' is not a valid reference`);
  return { repository: groups.repository!, tag: groups.tag, digest: groups.digest };
}

export const resources = z.object({
  requests: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
  limits: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
}).strict().superRefine((r, ctx) => {
  for (const key of ['cpu', 'memory'] as const) {
    const parse = key === 'cpu' ? parseCpu : parseMemory;
    if (parse(r.requests[key])! > parse(r.limits[key])!) {
      ctx.addIssue({
        code: 'custom',
        path: ['requests', key],
        message: `request (${r.requests[key]}) must not exceed the limit (${r.limits[key]})`,
      });
    }
  }
});
export type Resources = z.infer<typeof resources>;

/** Requests and a memory limit only (no CPU limit: throttling a controller slows every reconcile), as add-on charts take them. */
export const requestsAndMemoryLimit = z.object({
  requests: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
  limits: z.object({ memory: memoryQuantity }).strict(),
}).strict();

export const replicas = z.object({
  min: z.number().int().nonnegative(),
  max: z.number().int().positive(),
}).strict().superRefine((r, ctx) => {
  if (r.min > r.max) {
    ctx.addIssue({ code: 'custom', path: ['min'], message: `min (${r.min}) must be <= max (${r.max})` });
  }
});

/** A 5-field cron schedule (no CRON_TZ: CronJobs and schedules take a separate time zone). */
export const cronSchedule = z.string().regex(/^[0-9*,/-]+( [0-9*,/-]+){2} [0-9*,/A-Za-z-]+ [0-9*,/A-Za-z-]+$/, 'must be a 5-field cron schedule such as "15 2 * * *" (no CRON_TZ: set timeZone)');

const canonicalTimeZones = new Set(Intl.supportedValuesOf('timeZone'));

export const ianaTimeZone = z.string().refine((tz) => {
  // The canonical names first: constructing a DateTimeFormat loads ICU's zone data (~0.1 s of
  // every synth); aliases such as "UTC" or "US/Central" still get the full check.
  if (canonicalTimeZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, { message: 'must be an IANA time zone such as "America/Chicago"' });

/** Adds an issue for every item whose `key` repeats an earlier item's. */
export function uniqueBy<T>(items: readonly T[], key: keyof T, path: (string | number)[], ctx: z.RefinementCtx): void {
  const seen = new Map<unknown, number>();
  items.forEach((item, i) => {
    const value = item[key];
    if (seen.has(value)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, i, key as string],
        message: `duplicate ${String(key)} '${String(value)}' (also at ${path.join('.')}[${seen.get(value)}])`,
      });
    } else {
      seen.set(value, i);
    }
  });
}
