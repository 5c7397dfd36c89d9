/**
 * The k6 scripts in loadtest/ run for real: each script runs briefly (2 VUs, 3 s) against a
 * small HTTP server started here on 127.0.0.1 that mimics the API paths, and must pass its
 * generated SLO thresholds; against a slow, failing twin of that server the same thresholds
 * must fail (k6 exit code 99). Needs k6 at .tools/bin/k6 (or $K6): skipped without it outside
 * CI, a failure in CI (test/tools.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { LOADTEST_SCRIPTS } from '../config/schema.ts';
import { k6Thresholds, THRESHOLDS_PATH } from '../charts/loadtest-thresholds.ts';
import { requireTool, ROOT, skipWithout } from './tools.ts';

const platform = loadConfig();
const TOKEN = 'smoke-token';
/** A run may not take longer than this (3 s of load plus start-up and graceful stop). */
const RUN_LIMIT_MS = 60_000;

interface Mimic {
  readonly url: string;
  readonly requests: () => number;
  readonly unauthorized: () => number;
  close(): Promise<void>;
}

/**
 * The API paths the scripts use. `broken`: every answer takes 1.2 s, schedule lists and job
 * polls answer 500, and jobs never succeed.
 */
async function mimicApi(broken: boolean): Promise<Mimic> {
  let requests = 0;
  let unauthorized = 0;
  const polls = new Map<string, number>();
  let jobs = 0;
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const reply = () => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (broken) setTimeout(reply, 1200);
    else reply();
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests += 1;
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      unauthorized += 1;
      return send(res, 401, { error: 'unauthorized' });
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/api/v1/schedules') {
      if (broken) return send(res, 500, { error: 'boom' });
      return send(res, 200, { items: [{ id: `${url.searchParams.get('sport')}-2026-a` }, { id: `${url.searchParams.get('sport')}-2026-b` }] });
    }
    if (req.method === 'GET' && path.startsWith('/api/v1/schedules/')) return send(res, 200, { id: decodeURIComponent(path.split('/').pop()!) });
    if (req.method === 'POST' && path === '/api/v1/schedule-jobs') {
      req.resume();
      jobs += 1;
      return send(res, 202, { id: `job-${jobs}`, status: 'queued' });
    }
    if (req.method === 'GET' && path.startsWith('/api/v1/schedule-jobs/')) {
      const id = path.split('/').pop()!;
      const n = (polls.get(id) ?? 0) + 1;
      polls.set(id, n);
      if (broken) return send(res, 500, { id, status: 'failed' });
      return send(res, 200, { id, status: n >= 2 ? 'succeeded' : 'running' });
    }
    return send(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    unauthorized: () => unauthorized,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

interface K6Result {
  readonly code: number | null;
  readonly output: string;
  /** k6 metric → threshold → crossed (true = failed). */
  readonly thresholds: Record<string, Record<string, boolean>>;
}

const work = mkdtempSync(join(tmpdir(), 'k6-smoke-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `k6 run` of one script against `baseUrl`, asynchronously (the mimic server runs in this process). */
function runK6(script: string, baseUrl: string): Promise<K6Result> {
  const summary = join(work, `${script}-${Date.now()}.json`);
  const args = [
    'run', '--quiet', '--no-usage-report', '--no-color', '--summary-export', summary,
    '-e', 'PROFILE=smoke', '-e', 'VUS=2', '-e', 'DURATION=3s', '-e', `BASE_URL=${baseUrl}`, '-e', `API_TOKEN=${TOKEN}`,
    '-e', 'POLL_INTERVAL_SECONDS=0.2', '-e', 'POLL_LIMIT_SECONDS=5',
    join(ROOT, 'loadtest', `${script}.js`),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(requireTool('k6'), args, { cwd: ROOT, env: { ...process.env, K6_NO_USAGE_REPORT: 'true' } });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let thresholds: K6Result['thresholds'] = {};
      try {
        const metrics = (JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, { thresholds?: Record<string, boolean> }> }).metrics;
        thresholds = Object.fromEntries(Object.entries(metrics).filter(([, m]) => m.thresholds).map(([name, m]) => [name, m.thresholds!]));
      } catch {
        // no summary: k6 failed before running; `code` and `output` tell why
      }
      resolve({ code, output, thresholds });
    });
  });
}

/** The generated thresholds a script's metrics carry (loadtest/flextime.js thresholdsFor). */
const SCRIPT_METRICS: Record<(typeof LOADTEST_SCRIPTS)[number], string[]> = {
  'read-schedules': ['http_req_duration', 'http_req_failed'],
  'schedule-generation': ['http_req_duration', 'http_req_failed', 'schedule_job_duration', 'schedule_job_failed'],
};

describe('generated k6 thresholds', () => {
  it('turn each paging SLO into a threshold: error ratio → rate<=budget, latency → p(objective)<=ms', () => {
    expect(k6Thresholds(platform).thresholds).toEqual({
      http_req_duration: ['p(95)<=500', 'p(99)<=1000'],
      http_req_failed: ['rate<=0.001'],
      schedule_job_duration: ['p(99)<=300000'],
      schedule_job_failed: ['rate<=0.001'],
    });
  });

  it('follow an objective change: one edit moves the gate', () => {
    const raw = structuredClone(platform);
    raw.observability.slos.find((s) => s.name === 'api-latency-p95')!.indicator = { kind: 'latency', metric: 'http_request_duration_seconds', thresholdSeconds: 0.3 };
    raw.observability.slos.find((s) => s.name === 'api-availability')!.objective = 99.5;
    const t = k6Thresholds(raw).thresholds;
    expect(t.http_req_duration).toEqual(['p(95)<=300', 'p(99)<=1000']);
    expect(t.http_req_failed).toEqual(['rate<=0.005']);
  });

  it('leave ticket SLOs (targets not met yet) out of the gate', () => {
    expect(JSON.stringify(k6Thresholds(platform))).not.toContain('p(95)<=200');
    expect(k6Thresholds(platform).slos.http_req_duration).toEqual(['api-latency-p95', 'api-latency-p99']);
  });

  it('are committed as generated (npm run synth writes loadtest/thresholds.json)', () => {
    expect(JSON.parse(readFileSync(join(ROOT, THRESHOLDS_PATH), 'utf8'))).toEqual(k6Thresholds(platform));
  });
});

describe.skipIf(skipWithout('k6'))('k6 smoke runs against a local mimic of the API', () => {
  let good: Mimic;
  let bad: Mimic;
  beforeAll(async () => {
    good = await mimicApi(false);
    bad = await mimicApi(true);
  });
  afterAll(async () => {
    await good?.close();
    await bad?.close();
  });

  it.each(LOADTEST_SCRIPTS)('%s passes its SLO thresholds against a healthy API (exit 0)', async (script) => {
    const before = good.requests();
    const r = await runK6(script, good.url);
    expect(r.code, r.output).toBe(0);
    for (const metric of SCRIPT_METRICS[script]) {
      const expressions = k6Thresholds(platform).thresholds[metric]!;
      expect(Object.keys(r.thresholds[metric] ?? {}).sort(), metric).toEqual([...expressions].sort());
      expect(Object.values(r.thresholds[metric]!).every((crossed) => crossed === false), `${metric} ${JSON.stringify(r.thresholds[metric])}`).toBe(true);
    }
    const sent = good.requests() - before;
    expect(sent).toBeGreaterThan(2);
    expect(sent).toBeLessThan(5000);
    expect(good.unauthorized()).toBe(0);
  }, RUN_LIMIT_MS + 10_000);

  it.each(LOADTEST_SCRIPTS)('%s fails its thresholds against a slow, failing API (exit 99)', async (script) => {
    const r = await runK6(script, bad.url);
    expect(r.code, r.output).toBe(99);
    expect(r.thresholds.http_req_duration?.['p(95)<=500']).toBe(true);
    expect(r.thresholds.http_req_failed?.['rate<=0.001']).toBe(true);
    if (script === 'schedule-generation') expect(r.thresholds.schedule_job_failed?.['rate<=0.001']).toBe(true);
  }, RUN_LIMIT_MS + 10_000);
});
