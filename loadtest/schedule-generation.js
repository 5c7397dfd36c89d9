// Write path: submit a schedule-generation job, then poll it until the solver finishes.
// schedule_job_duration (submit → done) and schedule_job_failed feed the scheduler-svc SLO
// thresholds; the polling GETs count towards the API SLOs like any request.
// Run: k6 run -e BASE_URL=https://api.staging.flextime.app loadtest/schedule-generation.js
import { check, sleep } from 'k6';
import { Rate, Trend } from 'k6/metrics';
import { get, options as flextimeOptions, pick, post, SEASON, SPORTS } from './flextime.js';

export const options = flextimeOptions('scheduleGeneration');

const jobDuration = new Trend('schedule_job_duration', true);
const jobFailed = new Rate('schedule_job_failed');
/** Polling stops after this long; the job then counts as failed (the SLO bound is 5 minutes). */
const POLL_LIMIT_SECONDS = Number(__ENV.POLL_LIMIT_SECONDS || 330);
const POLL_INTERVAL_SECONDS = Number(__ENV.POLL_INTERVAL_SECONDS || 2);

export function scheduleGeneration() {
  const started = Date.now();
  const submit = post('/api/v1/schedule-jobs', { sport: pick(SPORTS), season: SEASON, dryRun: true }, 'POST /api/v1/schedule-jobs');
  const accepted = check(submit, {
    'submit: 202': (r) => r.status === 202,
    'submit: job id': (r) => r.status !== 202 || typeof r.json('id') === 'string',
  });
  if (!accepted) {
    jobFailed.add(true);
    sleep(1);
    return;
  }
  const id = submit.json('id');
  let status = 'queued';
  while ((Date.now() - started) / 1000 < POLL_LIMIT_SECONDS) {
    sleep(POLL_INTERVAL_SECONDS);
    const poll = get(`/api/v1/schedule-jobs/${encodeURIComponent(id)}`, 'GET /api/v1/schedule-jobs/:id');
    check(poll, { 'poll: 200': (r) => r.status === 200 });
    if (poll.status !== 200) continue;
    status = poll.json('status');
    if (status === 'succeeded' || status === 'failed') break;
  }
  jobDuration.add(Date.now() - started);
  jobFailed.add(status !== 'succeeded');
  check(status, { 'job: succeeded': (s) => s === 'succeeded' });
}
