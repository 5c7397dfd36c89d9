/**
 * Schema of load and chaos tests (docs/runbooks/load-and-chaos.md): the k6 load tests of one
 * environment's public API and the Chaos Mesh experiments of an environment.
 * Part of the platform schema in ./schema.ts (`loadTesting` and the per-environment `chaos`).
 *
 * This module must not import ./schema.ts (schema.ts imports it). `checkLoadAndChaos` holds the
 * rules that look at other sections; schema.ts calls it from the platform's superRefine.
 */
import { z } from 'zod';
import { cpuQuantity, cronSchedule, dnsLabel, environmentName, ianaTimeZone, imageRef, memoryQuantity, resources } from './schema-primitives.ts';
import type { Service } from './schema-workloads.ts';

/** A Chaos Mesh / Go duration such as "30s", "2m" or "1h". */
const chaosDuration = z.string().regex(/^[1-9][0-9]*(ms|s|m|h)$/, 'must be a duration such as "30s", "2m" or "1h"');

const chaosCommon = {
  /** Name of the Chaos Mesh Schedule (and of the experiments it creates). */
  name: dnsLabel,
  /** When it runs (in `chaos.timeZone`), e.g. a few minutes into the nightly load test. */
  schedule: cronSchedule,
  /** What must hold while it runs (PDB, HPA, alerts); written next to the experiment as an annotation. */
  expect: z.string().min(20, 'must say what must hold while it runs (at least 20 characters)'),
};

/** One chaos experiment on a workload (a service or a `network.workloads` name) of the environment. */
export const chaosExperiment = z.discriminatedUnion('kind', [
  z.object({
    ...chaosCommon,
    /** Delete pods (the controller replaces them). */
    kind: z.literal('pod-kill'),
    target: dnsLabel,
    /** Per cent of the target's pods killed at once (at least one). */
    percent: z.number().int().min(1).max(100),
  }).strict(),
  z.object({
    ...chaosCommon,
    /** Make pods unavailable for `duration` (containers swapped for a pause image), e.g. mid-job. */
    kind: z.literal('pod-failure'),
    target: dnsLabel,
    percent: z.number().int().min(1).max(100),
    duration: chaosDuration,
  }).strict(),
  z.object({
    ...chaosCommon,
    /** Delay the packets `target` sends to `to` (another workload) by `latency` ± `jitter` for `duration`. */
    kind: z.literal('network-delay'),
    target: dnsLabel,
    to: dnsLabel,
    latency: chaosDuration,
    jitter: chaosDuration,
    duration: chaosDuration,
  }).strict(),
]);
export type ChaosExperiment = z.infer<typeof chaosExperiment>;

/** Chaos Mesh experiments of an environment (charts/chaos.ts); refused in production. */
export const environmentChaos = z.object({
  timeZone: ianaTimeZone,
  experiments: z.array(chaosExperiment).min(1),
}).strict();

/** The k6 scripts in loadtest/ (one file each, `loadtest/<script>.js`). */
export const LOADTEST_SCRIPTS = ['read-schedules', 'schedule-generation'] as const;

/**
 * k6 load tests of one environment's public API (charts/performance.ts): TestRuns for the
 * k6-operator and a nightly CronJob in the namespace `<partOf>-performance`, on the target's
 * cluster. Thresholds come from observability.slos (loadtest/thresholds.json).
 */
export const loadTesting = z.object({
  /** Environment whose API (api.<domain>, through its ingress controller) the tests drive. */
  target: environmentName,
  /** grafana/k6, mirrored to an allowed registry, by digest. */
  k6Image: imageRef,
  /** The k6-operator starter (curl) image, mirrored, by digest. */
  starterImage: imageRef,
  /** Requests and limits of each k6 pod (runner, starter, initializer, nightly). */
  resources,
  /** Secrets Manager secret (platform store; JSON property `token`) with an API token of a load-test user of the target. */
  apiTokenSecretKey: z.string().regex(/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/, 'must be a Secrets Manager name such as "flextime/performance/api-token"'),
  /** TestRuns (run once each time ArgoCD creates them). */
  tests: z.array(z.object({
    name: dnsLabel,
    script: z.enum(LOADTEST_SCRIPTS),
    /** Virtual users in total (split over `parallelism` runner pods). */
    vus: z.number().int().min(1).max(2000),
    duration: chaosDuration,
    parallelism: z.number().int().min(1).max(20).default(1),
  }).strict()).min(1),
  /** The nightly run: tests of `tests` side by side, one k6 container each, in a CronJob's hardened pod. */
  nightly: z.object({
    tests: z.array(dnsLabel).min(1),
    schedule: cronSchedule,
    timeZone: ianaTimeZone,
  }).strict(),
  /** ResourceQuota of the namespace. */
  quota: z.object({ requestsCpu: cpuQuantity, requestsMemory: memoryQuantity, limitsCpu: cpuQuantity, limitsMemory: memoryQuantity, pods: z.number().int().positive() }).strict(),
}).strict().superRefine((l, ctx) => {
  const names = l.tests.map((t) => t.name);
  l.nightly.tests.forEach((name, i) => {
    if (!names.includes(name)) ctx.addIssue({ code: 'custom', path: ['nightly', 'tests', i], message: `unknown test '${name}'; allowed: ${names.join(', ')}` });
  });
  l.tests.forEach((t, i) => {
    if (names.indexOf(t.name) !== i) ctx.addIssue({ code: 'custom', path: ['tests', i, 'name'], message: `duplicate test '${t.name}'` });
    if (t.parallelism > t.vus) ctx.addIssue({ code: 'custom', path: ['tests', i, 'parallelism'], message: `must be <= vus (${t.vus}): every runner needs a virtual user` });
  });
});
export type LoadTesting = z.infer<typeof loadTesting>;

/** Chaos targets are workloads of their environment; load tests never drive production. */
export function checkLoadAndChaos(
  p: { services: readonly Service[]; environments: ReadonlyArray<{ name: string; chaos?: z.infer<typeof environmentChaos> }>; network: { workloads: ReadonlyArray<{ name: string; environments?: readonly string[] }> }; loadTesting: LoadTesting },
  ctx: z.RefinementCtx,
): void {
  if (p.loadTesting.target === 'production') {
    ctx.addIssue({ code: 'custom', path: ['loadTesting', 'target'], message: 'load tests must not target production; use staging' });
  }
  if (!p.environments.some((e) => e.name === p.loadTesting.target)) {
    ctx.addIssue({ code: 'custom', path: ['loadTesting', 'target'], message: `unknown environment '${p.loadTesting.target}'; allowed: ${p.environments.map((e) => e.name).join(', ')}` });
  }
  p.environments.forEach((env, e) => {
    const workloads = [
      ...p.services.map((s) => s.name),
      ...p.network.workloads.filter((w) => !w.environments || w.environments.includes(env.name)).map((w) => w.name),
    ];
    const names = new Set<string>();
    env.chaos?.experiments.forEach((x, i) => {
      const path = ['environments', e, 'chaos', 'experiments', i];
      if (names.has(x.name)) ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: `duplicate experiment '${x.name}'` });
      names.add(x.name);
      for (const field of x.kind === 'network-delay' ? (['target', 'to'] as const) : (['target'] as const)) {
        const name = (x as Record<typeof field, string>)[field];
        if (!workloads.includes(name)) {
          ctx.addIssue({ code: 'custom', path: [...path, field], message: `unknown workload '${name}' in ${env.name}; allowed: ${workloads.join(', ')}` });
        }
      }
    });
  });
}
