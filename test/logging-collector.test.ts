/**
 * The log collector's rendered configuration (dist/cluster/logging/configmap-log-collector.yaml),
 * run by the real collector binary built from tools/otelcol (scripts/install-tools):
 * - `otelcol-flextime validate` accepts the file exactly as rendered;
 * - the same file, with only its CloudWatch exporters swapped for file exporters (same names,
 *   same pipelines), runs on sample pod log files laid out as the kubelet writes them
 *   (/var/log/pods/<ns>_<pod>_<uid>/<container>/0.log, CRI lines), and every record comes out in
 *   the right group with the fields written below by hand from those sample lines;
 * - a line already on the node when the collector starts (BACKLOG) is not shipped (start_at: end);
 * - the metrics the shipping alert reads are ones this collector exposes.
 * The node-specific values come from the environment, as the DaemonSet gives them.
 * Skipped without the binary outside CI, failing in CI (test/tools.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { requireTool, ROOT, skipWithout } from './tools.ts';

const RENDERED = join(ROOT, 'dist/cluster/logging/configmap-log-collector.yaml');
const RULE = join(ROOT, 'dist/cluster/logging/prometheusrule-flextime-log-collector.yaml');
const NODE = 'ip-10-10-64-12.us-east-2.compute.internal';
/** How long the collector may take to come up, to scan and to write what it read (a busy 2-core machine). */
const WAIT_MS = 60_000;
/** The file exporters' groups: the records of each land in out/<group>.jsonl. */
const GROUPS = ['production', 'staging', 'development', 'platform'];

/** Sample pod logs: [directory under /var/log/pods, container, CRI lines]. */
const API_POD = 'flextime-production_api-svc-7d9f8b6c5-x2k4q_0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
const SAMPLES: Array<[string, string, string[]]> = [
  [API_POD, 'api-svc', [
    '2026-12-06T23:14:05.123456789Z stdout F {"level":"error","msg":"schedule save failed","route":"/v1/schedules","sport":"football"}',
    // One JSON line the runtime split in two (P = partial, F = final).
    '2026-12-06T23:14:07.000000000Z stderr P {"level":"warn","msg":"slow',
    '2026-12-06T23:14:07.000000001Z stderr F  query","duration_ms":1450}',
    // Cut off mid-object: must arrive raw, not vanish.
    '2026-12-06T23:14:08.000000000Z stderr F {"level":"error","msg":"truncated',
    '2026-12-06T23:14:09.000000000Z stdout F Listening on :8080',
  ]],
  ['flextime-staging_scheduler-svc-6f7d9c8b4-kq2zt_1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d', 'scheduler-svc', [
    '2026-12-06T23:15:00.000000000Z stdout F {"level":"info","message":"solver finished","sport":"basketball","games":162}',
  ]],
  ['ingress-nginx_ingress-nginx-controller-5c8d66c76d-q7w2n_9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d', 'controller', [
    '2026-12-06T23:16:00.000000000Z stdout F 10.10.64.7 - - "GET /v1/teams HTTP/2.0" 502 0',
  ]],
];

/**
 * A development pod's log as it is on the node before the collector starts. start_at: end skips
 * it (so development stays empty), and the collector logs "Started watching file" for it during
 * its first scan: the signal that the samples can be written (see the test).
 */
const BACKLOG: [string, string, string[]] = [
  'flextime-development_api-svc-5b6c7d8e9f-h3j4k_2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e', 'api-svc', [
    '2026-12-06T23:10:00.000000000Z stdout F {"level":"error","msg":"written before the collector started"}',
  ]];

interface Flat { resource: Record<string, unknown>; severityText?: string; severityNumber?: number; body: unknown; attributes: Record<string, unknown> }

/** OTLP/JSON AnyValue -> plain value. */
function plain(v: Record<string, unknown>): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('kvlistValue' in v) return kv((v.kvlistValue as { values?: unknown[] }).values ?? []);
  if ('arrayValue' in v) return ((v.arrayValue as { values?: unknown[] }).values ?? []).map((x) => plain(x as Record<string, unknown>));
  return undefined;
}
function kv(list: unknown[]): Record<string, unknown> {
  return Object.fromEntries((list as Array<{ key: string; value: Record<string, unknown> }>).map((a) => [a.key, plain(a.value)]));
}

/** The records of a file exporter's output (one ExportLogsServiceRequest per line). */
function records(file: string): Flat[] {
  // A group nothing was routed to may have no file yet: that is zero records, asserted where it matters.
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  return text.split('\n').filter(Boolean).flatMap((line) => {
    const request = JSON.parse(line) as { resourceLogs: Array<{ resource: { attributes: unknown[] }; scopeLogs: Array<{ logRecords: Array<Record<string, unknown>> }> }> };
    return request.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => ({
      resource: kv(rl.resource.attributes),
      severityText: r.severityText as string | undefined,
      severityNumber: r.severityNumber as number | undefined,
      body: plain(r.body as Record<string, unknown>),
      attributes: kv((r.attributes as unknown[]) ?? []),
    }))));
  });
}

/** The test's one change: each awscloudwatchlogs/<group> becomes file/<group> writing to `out`. */
export function swapExporters(config: Record<string, unknown>, out: string): Record<string, unknown> {
  const copy = structuredClone(config) as { exporters: Record<string, unknown>; service: { pipelines: Record<string, { exporters: string[] }> } };
  const renamed = (id: string) => id.replace(/^awscloudwatchlogs\//, 'file/');
  copy.exporters = Object.fromEntries(Object.keys(copy.exporters).map((id) => [renamed(id), { path: join(out, `${id.split('/')[1]}.jsonl`) }]));
  for (const p of Object.values(copy.service.pipelines)) p.exporters = p.exporters.map(renamed);
  return copy;
}

/** Writes a pod's CRI lines where the kubelet would: <pods>/<pod dir>/<container>/0.log. */
function writePodLog(pods: string, [podDir, container, lines]: [string, string, string[]]): string {
  mkdirSync(join(pods, podDir, container), { recursive: true });
  const file = join(pods, podDir, container, '0.log');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Why a wait on the collector cannot succeed any more: it has exited. */
function exited(collector: ChildProcess | undefined): string | undefined {
  if (!collector) return 'the collector was not started';
  if (collector.exitCode !== null || collector.signalCode !== null) return `the collector exited (${collector.exitCode ?? collector.signalCode})`;
  return undefined;
}

/**
 * Polls `probe` (an HTTP endpoint or the exporters' files, which announce nothing) until it gives
 * a value; fails after WAIT_MS, or at once if the collector has exited, with its output.
 */
async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, collector: ChildProcess | undefined, log: () => string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const gone = exited(collector);
    if (gone) throw new Error(`${gone} while waiting for ${what}; collector output:\n${log()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS / 1000} s waiting for ${what}; collector output:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Resolves as soon as the collector's output (stdout + stderr, accumulated in `log()`) satisfies
 * `seen`, checked on every chunk it writes; fails after WAIT_MS, or when the collector exits first.
 */
function untilOutput(what: string, seen: (output: string) => boolean, collector: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const streams = [collector.stdout!, collector.stderr!];
    const finish = (error?: Error) => {
      clearTimeout(timer);
      for (const s of streams) s.off('data', check);
      collector.off('exit', onExit);
      if (error) reject(error); else resolve();
    };
    // Registered after the listeners that accumulate the output, so a chunk is in log() when this runs.
    function check() { if (seen(log())) finish(); }
    function onExit() { finish(new Error(`${exited(collector)} before ${what}; collector output:\n${log()}`)); }
    const timer = setTimeout(() => finish(new Error(`timed out after ${WAIT_MS / 1000} s waiting for ${what}; collector output:\n${log()}`)), WAIT_MS);
    for (const s of streams) s.on('data', check);
    collector.on('exit', onExit);
    const gone = exited(collector);
    if (gone) finish(new Error(`${gone} before ${what}; collector output:\n${log()}`)); else check();
  });
}

/** Sum of a counter over the file exporters, from the collector's own metrics text. */
function sentByFileExporters(metrics: string): number {
  return [...metrics.matchAll(/^otelcol_exporter_sent_log_records_total\{[^}]*exporter="file\/[^"]+"[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

const get = async (url: string): Promise<string | undefined> => {
  try {
    const r = await fetch(url);
    return r.ok ? await r.text() : undefined;
  } catch { return undefined; }
};

describe.skipIf(skipWithout('otelcol-flextime'))('the rendered log collector configuration, run by the real collector', () => {
  let dir = '';
  let collector: ChildProcess | undefined;
  let output = '';
  const configText = () => (parse(readFileSync(RENDERED, 'utf8')) as { data: Record<string, string> }).data['config.yaml']!;
  // A loopback address of its own: no clash with other listeners on this machine.
  const ip = `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
  const env = () => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    POD_IP: ip, K8S_NODE_NAME: NODE, AWS_REGION: 'us-east-2',
    POD_LOG_DIRECTORY: join(dir, 'pods'), STATE_DIRECTORY: join(dir, 'state'),
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'log-collector-'));
    for (const d of ['pods', 'state', 'out']) mkdirSync(join(dir, d));
  });
  afterAll(() => {
    collector?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is accepted by `otelcol validate` exactly as rendered', () => {
    writeFileSync(join(dir, 'rendered.yaml'), configText());
    const r = spawnSync(requireTool('otelcol-flextime'), ['validate', `--config=${join(dir, 'rendered.yaml')}`], { env: env(), encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
  });

  it('parses the apps\' log lines into the fields on-call searches by, in the right group', async () => {
    const config = swapExporters(parse(configText()) as Record<string, unknown>, join(dir, 'out'));
    writeFileSync(join(dir, 'swapped.yaml'), stringify(config, { lineWidth: 0 }));
    // start_at: end applies to what the receiver's first scan finds (a node's backlog); files that
    // appear after that scan, as a new pod's do, are read from their first line. The first scan
    // runs one poll interval after the receiver starts, so the samples must not exist before it:
    // written earlier, they would be skipped as backlog. The signal that it ran is its
    // "Started watching file" line for the backlog file, logged while that scan creates its
    // reader; the scan had listed the directory before, and the next scan starts after this one
    // has ended, so files written from then on are new files to it. (An empty file gives no
    // signal: the receiver skips files with nothing to fingerprint, and so gives no log line.)
    const backlog = writePodLog(join(dir, 'pods'), BACKLOG);
    collector = spawn(requireTool('otelcol-flextime'), [`--config=${join(dir, 'swapped.yaml')}`], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    collector.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    collector.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    await until('the health_check extension to answer', () => get(`http://${ip}:13133/`), collector, () => output);
    await untilOutput('the first scan of the pod log directory (its "Started watching file" line for the backlog file)',
      (text) => text.split('\n').some((line) => line.includes('Started watching file') && line.includes(JSON.stringify(backlog))), collector, () => output);
    for (const sample of SAMPLES) writePodLog(join(dir, 'pods'), sample);
    const out = (group: string) => join(dir, 'out', `${group}.jsonl`);
    await until('6 records in the file exporters', () => {
      const n = GROUPS.reduce((sum, g) => sum + records(out(g)).length, 0);
      return n >= 6 ? n : undefined;
    }, collector, () => output);
    // The file exporters flush their files on a timer, apart from counting what they sent: the
    // metrics test below reads the counts, so they must have caught up with the files.
    await until('the collector\'s metrics to count the 6 records as sent', async () => {
      const metrics = await get(`http://${ip}:8888/metrics`);
      return metrics !== undefined && sentByFileExporters(metrics) >= 6 ? true : undefined;
    }, collector, () => output);

    const production = records(out('production'));
    const api = { 'k8s.namespace.name': 'flextime-production', 'k8s.pod.name': 'api-svc-7d9f8b6c5-x2k4q', 'k8s.pod.uid': '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b', 'k8s.container.name': 'api-svc', 'k8s.container.restart_count': '0', 'flextime.environment': 'production', 'service.name': 'api-svc', 'k8s.node.name': NODE };
    expect(production.map((r) => r.resource)).toEqual([api, api, api, api].map((a) => expect.objectContaining(a)));
    expect(production.map(({ severityText, severityNumber, body }) => ({ severityText, severityNumber, body }))).toEqual([
      { severityText: 'ERROR', severityNumber: 17, body: { level: 'error', msg: 'schedule save failed', route: '/v1/schedules', sport: 'football' } },
      { severityText: 'WARN', severityNumber: 13, body: { level: 'warn', msg: 'slow query', duration_ms: 1450 } },
      { severityText: undefined, severityNumber: undefined, body: '{"level":"error","msg":"truncated' },
      { severityText: undefined, severityNumber: undefined, body: 'Listening on :8080' },
    ]);
    expect(production.map((r) => [r.attributes['log.format'], r.attributes['log.iostream']])).toEqual([
      ['json', 'stdout'], ['json', 'stderr'], ['unparsed-json', 'stderr'], ['text', 'stdout'],
    ]);

    const staging = records(out('staging'));
    expect(staging).toHaveLength(1);
    expect(staging[0]!.resource).toEqual(expect.objectContaining({ 'k8s.namespace.name': 'flextime-staging', 'k8s.container.name': 'scheduler-svc', 'service.name': 'scheduler-svc', 'flextime.environment': 'staging', 'k8s.pod.name': 'scheduler-svc-6f7d9c8b4-kq2zt' }));
    expect([staging[0]!.severityText, staging[0]!.severityNumber, staging[0]!.body]).toEqual(['INFO', 9, { level: 'info', message: 'solver finished', sport: 'basketball', games: 162 }]);

    const platform = records(out('platform'));
    expect(platform).toHaveLength(1);
    expect(platform[0]!.resource).toEqual(expect.objectContaining({ 'k8s.namespace.name': 'ingress-nginx', 'k8s.container.name': 'controller', 'flextime.environment': 'platform' }));
    expect([platform[0]!.body, platform[0]!.attributes['log.format']]).toEqual(['10.10.64.7 - - "GET /v1/teams HTTP/2.0" 502 0', 'text']);
    expect(records(out('development'))).toEqual([]);
  }, 3 * WAIT_MS);

  it('exposes the metrics the shipping alert reads', async () => {
    const metrics = await until('the collector\'s own metrics', () => get(`http://${ip}:8888/metrics`), collector, () => output);
    const read = [...readFileSync(RULE, 'utf8').matchAll(/\b(otelcol_[a-z_]+)\{/g)].map((m) => m[1]!);
    expect(new Set(read)).toEqual(new Set(['otelcol_exporter_send_failed_log_records_total', 'otelcol_exporter_enqueue_failed_log_records_total']));
    // Counted for every exporter, failures or not: scraped from the run above.
    expect(metrics).toMatch(/^otelcol_exporter_send_failed_log_records_total\{exporter="file\/production"/m);
    expect(metrics).toMatch(/^otelcol_exporter_sent_log_records_total\{exporter="file\/production"[^}]*\} 4$/m);
    // Counted only by an exporter with a sending queue (the CloudWatch ones; the swapped file
    // exporters have none): its name is in the pinned exporterhelper's generated telemetry.
    const modules = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
    const telemetry = readFileSync(join(modules, 'go.opentelemetry.io/collector/exporter/exporterhelper@v0.139.0/internal/metadata/generated_telemetry.go'), 'utf8');
    expect(telemetry).toContain('"otelcol_exporter_enqueue_failed_log_records"');
  });
});
