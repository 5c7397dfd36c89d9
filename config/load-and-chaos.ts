/**
 * Load tests (k6) and chaos experiments (Chaos Mesh): the values behind charts/performance.ts
 * and charts/chaos.ts. The k6 thresholds are not here: they are generated from
 * observability.slos (loadtest/thresholds.json), so an objective changes alerts, rollout
 * analysis and load-test gates together. See docs/runbooks/load-and-chaos.md.
 */
import type { PlatformInput } from './schema.ts';

type EnvironmentChaosInput = NonNullable<PlatformInput['environments'][number]['chaos']>;

export const loadTestingConfig: PlatformInput['loadTesting'] = {
  // Staging is production-shaped; production is never load-tested from here.
  target: 'staging',
  // grafana/k6 and the k6-operator starter, mirrored into our registry (digest of the mirror).
  k6Image: 'ghcr.io/flextime/k6:1.8.1@sha256:a6f1328de7ecdde7f03aa63f466b66e8bd9928a7d32fba83356a5f6272c53fa9',
  starterImage: 'ghcr.io/flextime/k6-starter:0.0.22@sha256:7a7e1660f102cda4e1f9cdbcdae9bfa1a9c320ea49e50657f968fe062fe9f216',
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  apiTokenSecretKey: 'flextime/performance/api-token',
  tests: [
    // The read path at the staging ingress rate limit (environments/staging.ts: 20 rps per client IP, 2 runners).
    { name: 'read-schedules', script: 'read-schedules', vus: 40, duration: '15m', parallelism: 2 },
    // Submit schedule-generation jobs and poll them: exercises Redis, KEDA scaling of scheduler-svc.
    { name: 'schedule-generation', script: 'schedule-generation', vus: 10, duration: '20m', parallelism: 1 },
  ],
  // 02:00 Central, Monday to Friday, both tests at once; the staging chaos experiments fire inside this window.
  nightly: { tests: ['read-schedules', 'schedule-generation'], schedule: '0 2 * * 1-5', timeZone: 'America/Chicago' },
  quota: { requestsCpu: '4', requestsMemory: '4Gi', limitsCpu: '12', limitsMemory: '12Gi', pods: 20 },
};

/** Staging: the experiments fire a few minutes into the nightly load test (02:00 Central). */
export const stagingChaos: EnvironmentChaosInput = {
  timeZone: 'America/Chicago',
  experiments: [
    {
      kind: 'pod-kill',
      name: 'api-svc-pod-kill',
      target: 'api-svc',
      percent: 50,
      schedule: '5 2 * * 1-5',
      // pod-kill deletes pods directly: PodDisruptionBudgets do not stop it. 50 % of staging's 2
      // minimum replicas is 1, which is what its PDB (maxUnavailable 1) would let go anyway.
      expect: 'At most as many pods are killed as the PodDisruptionBudget lets go (pod-kill bypasses it, so percent is sized to it); the surviving pods keep serving, the replacements start, k6 thresholds pass and no SLO burn-rate alert fires.',
    },
    {
      kind: 'network-delay',
      name: 'api-svc-redis-delay',
      target: 'api-svc',
      to: 'redis',
      latency: '100ms',
      jitter: '20ms',
      duration: '10m',
      schedule: '10 2 * * 1-5',
      expect: 'api-svc p95 stays under the api-latency-p95 SLO bound (Redis calls are off the hot read path), enqueueing still succeeds, no SLO burn-rate alert fires.',
    },
    {
      kind: 'pod-failure',
      name: 'scheduler-svc-pod-failure',
      target: 'scheduler-svc',
      percent: 50,
      duration: '2m',
      schedule: '25 2 * * 1-5',
      expect: 'The job in flight is requeued and finished by another worker, KEDA keeps the worker count from the queue, no ScheduleJobErrors or FlextimeScheduleQueueBacklog alert fires.',
    },
  ],
};
