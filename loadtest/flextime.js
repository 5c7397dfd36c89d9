// Shared by the FlexTime k6 scripts (loadtest/*.js): target, load profile, request helpers and
// the thresholds generated from the SLOs (thresholds.json, written by `npm run synth`).
//
// Environment (k6 -e NAME=value, or the TestRun/CronJob arguments rendered by charts/performance.ts):
//   BASE_URL       API root, e.g. https://api.staging.flextime.app            (required)
//   HOST_OVERRIDE  connect to this host instead of BASE_URL's (the in-cluster ingress controller
//                  Service), keeping TLS SNI and the Host header               (optional)
//   API_TOKEN      bearer token of the load-test user                           (optional)
//   PROFILE        smoke | load                                                (default load)
//   VUS, DURATION  size of the load profile                                     (default 10, 5m)
import http from 'k6/http';

const generated = JSON.parse(open('./thresholds.json'));

export const BASE_URL = (__ENV.BASE_URL || '').replace(/\/+$/, '');
if (!BASE_URL) throw new Error('BASE_URL is required, e.g. -e BASE_URL=https://api.staging.flextime.app');

/** Sports the schedules are read and generated for (Big 12). */
export const SPORTS = ['football', 'mens-basketball', 'womens-basketball', 'baseball', 'softball', 'volleyball'];
export const SEASON = __ENV.SEASON || '2026';

// 5xx, 429 and transport errors count as failed requests: 5xx as in the api-availability SLO
// (http_requests_total{code=~"5.."}); a 429 means the run was throttled and measured nothing. A
// 404 for a schedule not generated yet is not an outage.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 428 }, { min: 430, max: 499 }));

/** Scenario + thresholds of a script; `extra` adds thresholds the generated set does not cover. */
export function options(exec) {
  const profile = __ENV.PROFILE || 'load';
  const vus = Number(__ENV.VUS || (profile === 'smoke' ? 2 : 10));
  const duration = __ENV.DURATION || (profile === 'smoke' ? '5s' : '5m');
  const scenario = profile === 'smoke'
    ? { executor: 'constant-vus', vus, duration, exec, gracefulStop: '5s' }
    : {
      // Ramp to the target in a tenth of the run, hold, ramp down: the HPA sees a realistic climb.
      executor: 'ramping-vus',
      exec,
      startVUs: 0,
      stages: [
        { duration: tenth(duration), target: vus },
        { duration, target: vus },
        { duration: tenth(duration), target: 0 },
      ],
      gracefulRampDown: '30s',
    };
  const hosts = __ENV.HOST_OVERRIDE ? { [new URL(BASE_URL).hostname]: __ENV.HOST_OVERRIDE } : undefined;
  return {
    scenarios: { [exec]: scenario },
    thresholds: thresholdsFor(exec),
    ...(hosts ? { hosts } : {}),
    summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
    userAgent: 'flextime-k6/1.0',
  };
}

/** The generated thresholds of the metrics this script produces (k6 rejects thresholds on metrics it never sees). */
function thresholdsFor(exec) {
  const own = { readSchedules: ['http_req_failed', 'http_req_duration'], scheduleGeneration: ['http_req_failed', 'http_req_duration', 'schedule_job_failed', 'schedule_job_duration'] }[exec];
  const out = {};
  for (const metric of own) if (generated.thresholds[metric]) out[metric] = generated.thresholds[metric];
  return out;
}

export function headers() {
  const h = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (__ENV.API_TOKEN) h.Authorization = `Bearer ${__ENV.API_TOKEN}`;
  return h;
}

/** GET `path`, tagged with its route template so the summary splits by endpoint. */
export function get(path, route) {
  return http.get(`${BASE_URL}${path}`, { headers: headers(), tags: { name: route } });
}

export function post(path, body, route) {
  return http.post(`${BASE_URL}${path}`, JSON.stringify(body), { headers: headers(), tags: { name: route } });
}

export function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function tenth(duration) {
  const m = /^([0-9]+)(ms|s|m|h)$/.exec(duration);
  if (!m) throw new Error(`DURATION '${duration}' must look like 30s, 5m or 1h`);
  const seconds = Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
  return `${Math.max(1, Math.round(seconds / 10))}s`;
}
