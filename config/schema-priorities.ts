/**
 * Schema of the cluster's PriorityClasses, and the one check that every reference to a class
 * (environments, services, Redis, the database tier) names one of them. Part of the platform
 * schema in ./schema.ts (`priorityClasses`); docs/workloads.md "Priorities across environments".
 *
 * This module must not import ./schema.ts (schema.ts imports it).
 */
import { z } from 'zod';
import { dnsLabel } from './schema-primitives.ts';

export const priorityClass = z.object({
  name: dnsLabel,
  value: z.number().int().min(0).max(1_000_000_000),
  description: z.string().min(1),
  /** Batch work waits for room instead of evicting running pods. */
  preemptionPolicy: z.enum(['PreemptLowerPriority', 'Never']).default('PreemptLowerPriority'),
}).strict();

/** The parts of the platform that name a priority class. */
interface PriorityView {
  readonly priorityClasses: ReadonlyArray<{ readonly name: string; readonly value: number }>;
  readonly platformPriorityClass: string;
  readonly environments: ReadonlyArray<{ readonly priorityClass?: string; readonly redis: { readonly mode: string; readonly priorityClass?: string } }>;
  readonly services: ReadonlyArray<{ readonly priorityClass: string }>;
  readonly database: Readonly<Record<'pgbouncer' | 'backup' | 'restoreVerify' | 'pushgateway' | 'exporter', { readonly priorityClass: string }>>;
}

/** Every priority class a pod template would name exists in `priorityClasses`. */
export function checkPriorityClasses(p: PriorityView, ctx: z.RefinementCtx): void {
  const known = p.priorityClasses.map((c) => c.name);
  const check = (name: string | undefined, path: Array<string | number>) => {
    if (name !== undefined && !known.includes(name)) {
      ctx.addIssue({ code: 'custom', path, message: `unknown priority class '${name}'; allowed: ${known.join(', ')}` });
    }
  };
  p.environments.forEach((e, i) => {
    check(e.priorityClass, ['environments', i, 'priorityClass']);
    if (e.redis.mode === 'in-cluster') check(e.redis.priorityClass, ['environments', i, 'redis', 'priorityClass']);
  });
  p.services.forEach((s, i) => check(s.priorityClass, ['services', i, 'priorityClass']));
  check(p.platformPriorityClass, ['platformPriorityClass']);
  const platform = p.priorityClasses.find((c) => c.name === p.platformPriorityClass);
  const top = Math.max(...p.priorityClasses.filter((c) => c !== platform).map((c) => c.value));
  if (platform && platform.value < top) {
    ctx.addIssue({ code: 'custom', path: ['platformPriorityClass'], message: `'${platform.name}' (${platform.value}) must be at least every other class (${top}): production depends on the platform's pods` });
  }
  for (const part of ['pgbouncer', 'backup', 'restoreVerify', 'pushgateway', 'exporter'] as const) {
    check(p.database[part].priorityClass, ['database', part, 'priorityClass']);
  }
}
