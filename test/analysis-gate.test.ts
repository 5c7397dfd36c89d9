/**
 * The canary gate of production api-svc, run for real (issue 18). The rendered AnalysisTemplate's
 * metrics go through the code that runs them in the cluster:
 * 1. Argo Rollouts v1.8.3 (what the argo-rollouts chart 2.40.2 deploys; tools/argo-rollouts, built
 *    by scripts/install-tools) substitutes the args the Rollout's analysis steps pass, the
 *    `Latest` pod-template hash standing for the canary's;
 * 2. promtool evaluates each resolved query over the api-svc series of test/prometheus/
 *    canary-scenarios.ts (canary and stable pods as scraped) and must return the value written
 *    there;
 * 3. that value, as the Prometheus HTTP API returns it, goes through Argo Rollouts' own Prometheus
 *    provider and expr evaluation of successCondition/failureCondition: the measurement's phase
 *    must be the one written there (Successful / Failed / Inconclusive).
 * What an AnalysisRun makes of the phases (failureLimit, inconclusiveLimit, count) is Argo's
 * analysis controller, not built here (it needs k8s.io/kubernetes); test/progressive-delivery.test.ts
 * pins those limits.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CANARY_HASH, promtoolSuite, queryData, SCENARIOS, STABLE_HASH } from './prometheus/canary-scenarios.ts';
import { extractRuleFiles } from './prometheus/promtool.ts';
import { requireTool, ROOT, skipWithout } from './tools.ts';

interface Metric { name: string; successCondition?: string; failureCondition?: string; provider: { prometheus: { query: string } } }
interface Arg { name: string; value: string }
type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const read = (file: string) => parse(readFileSync(join(ROOT, file), 'utf8')) as { spec: Spec };
const template = read('dist/production/api-svc/analysistemplate-api-svc-slo.yaml').spec;
const rollout = read('dist/production/api-svc/rollout-api-svc.yaml').spec;
// Every case that runs a tool needs argo-analysis; those that also evaluate PromQL need promtool.
const withArgo = it.skipIf(skipWithout('argo-analysis'));
const withBoth = it.skipIf(skipWithout('argo-analysis') || skipWithout('promtool'));
/** The recorded SLO rules, loaded next to the queries (the pre-issue-18 gate read them). */
const RULES = 'production-flextime-slos.rules.yaml';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flextime-gate-'));
  extractRuleFiles(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs argo-analysis (Argo Rollouts' code) on one metric. */
function argo(mode: 'resolve' | 'measure', input: { metric: Metric; args: Arg[]; data?: unknown }): Record<string, string> {
  const r = spawnSync(requireTool('argo-analysis'), [mode], { input: JSON.stringify(input), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`argo-analysis ${mode} (${input.metric.name}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, string>;
}

/**
 * `promtool test rules` once over all `suites` (one process instead of one per suite: most of
 * this file's time was promtool starting), each suite's report by file. stdout and stderr go to
 * one file so that a suite's FAILED lines (stderr) stay under its "Processing test file" line.
 */
function promtoolEach(suites: string[]): Map<string, string> {
  const log = join(dir, 'promtool.log');
  const fd = openSync(log, 'w');
  try {
    spawnSync(requireTool('promtool'), ['test', 'rules', ...suites], { cwd: dir, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const sections = readFileSync(log, 'utf8').split(/^Processing test file: /m).slice(1);
  return new Map(sections.map((section) => {
    const [file, ...rest] = section.split('\n');
    return [resolve(dir, file!.trim()), rest.join('\n').trim()];
  }));
}

/** The args of the Rollout's analysis steps, valued as the controller values them for this canary. */
function stepArgs(): Arg[] {
  const steps = (rollout.strategy.canary.steps as Spec[]).filter((s) => s.analysis).map((s) => JSON.stringify(s.analysis.args));
  if (new Set(steps).size !== 1) throw new Error(`the analysis steps pass different args: ${[...new Set(steps)].join(' | ')}`);
  const hash: Record<string, string> = { Latest: CANARY_HASH, Stable: STABLE_HASH };
  return (JSON.parse(steps[0]!) as Spec[]).map((a) => ({ name: a.name, value: a.value ?? hash[a.valueFrom.podTemplateHashValue]! }));
}

/** Every way `metrics` disagree with the scenario table: promtool's failed expectations, then wrong phases. */
export function gateProblems(metrics: readonly Metric[], args: Arg[]): string[] {
  const problems: string[] = [];
  const queries = Object.fromEntries(metrics.map((m) => [m.name, argo('resolve', { metric: m, args }).query!]));
  const suites = SCENARIOS.flatMap((s, i) => metrics.map((m) => {
    const suite = join(dir, `canary-gate-${i}-${m.name}.test.yaml`);
    writeFileSync(suite, promtoolSuite(s, m.name, queries[m.name]!, [RULES]));
    return { suite, label: `${s.name}: ${m.name}` };
  }));
  const results = promtoolEach(suites.map((x) => x.suite));
  for (const { suite, label } of suites) {
    const output = results.get(suite);
    if (output === undefined) problems.push(`${label}: promtool did not report on ${suite}`);
    else if (!/^\s*SUCCESS\s*$/.test(output)) {
      // On a wrong value promtool prints "exp: <labels> <value>" and "got: …" (nil = empty result).
      const lines = output.split('\n').filter((l) => /^\s*(exp|got):/.test(l)).map((l) => l.trim());
      problems.push(`${label}: promtool ${lines.join(', ') || output}`);
    }
  }
  for (const s of SCENARIOS) {
    for (const m of metrics) {
      const e = s.expect[m.name as keyof Scenario['expect']];
      const out = argo('measure', { metric: m, args, data: queryData(e.value) });
      if (out.query !== queries[m.name]) problems.push(`${m.name}: the provider asked '${out.query}', not the resolved query`);
      if (out.phase !== e.phase) problems.push(`${s.name}: ${m.name} is ${out.phase} (value ${out.value}), expected ${e.phase}`);
    }
  }
  return problems;
}
type Scenario = (typeof SCENARIOS)[number];

describe('canary gate of production api-svc', () => {
  it('passes the Latest pod-template hash to every analysis step, as the template declares', () => {
    expect(template.args).toEqual([{ name: 'latest-hash' }]);
    expect(stepArgs()).toEqual([{ name: 'latest-hash', value: CANARY_HASH }]);
  });

  withArgo('resolves the queries to the canary pods the way Argo Rollouts does', () => {
    for (const m of template.metrics as Metric[]) {
      const { query } = argo('resolve', { metric: m, args: stepArgs() });
      expect(query).not.toContain('{{');
      expect(query.match(/rollouts_pod_template_hash="[^"]*"/g)).toEqual([`rollouts_pod_template_hash="${CANARY_HASH}"`, `rollouts_pod_template_hash="${CANARY_HASH}"`]);
    }
  });

  withBoth('passes a healthy canary, fails a 5xx burst or a latency breach, never aborts on missing traffic or 5xx series', () => {
    expect(gateProblems(template.metrics as Metric[], stepArgs())).toEqual([]);
  }, 120_000);

  withArgo('treats NaN (0/0 from a query without the traffic guard) as Inconclusive, not Failed', () => {
    for (const m of template.metrics as Metric[]) {
      const out = argo('measure', { metric: m, args: stepArgs(), data: { resultType: 'vector', result: [{ metric: {}, value: [600, 'NaN'] }] } });
      expect([m.name, out.phase]).toEqual([m.name, 'Inconclusive']);
    }
  });

  withBoth('finds planted defects: the pre-issue-18 conditions, and the pre-issue-18 recorded query', () => {
    const metrics = template.metrics as Metric[];
    // The old conditions: success only, no failure condition, so an empty result or NaN fails.
    const oldConditions = metrics.map((m, i) => ({
      ...m, failureCondition: undefined, successCondition: `len(result) > 0 && !isNaN(result[0]) && result[0] <= ${[0.001, 0.05][i]}`,
    }));
    expect(gateProblems(oldConditions, stepArgs())).toEqual(expect.arrayContaining([
      'no traffic at all (every series flat): api-availability is Failed (value []), expected Inconclusive',
      'canary pods export no series yet, stable busy: api-latency-p95 is Failed (value []), expected Inconclusive',
    ]));
    // The old query: the recorded ratio of all pods, unguarded.
    const oldQuery = metrics.map((m) => ({
      ...m, provider: { prometheus: { ...m.provider.prometheus, query: `slo:sli_error:ratio_rate5m{environment="production",namespace="flextime-production",slo="${m.name}"}` } },
    }));
    expect(gateProblems(oldQuery, stepArgs())).toEqual(expect.arrayContaining([
      // The stable pods' 5 % errors leak into the canary's verdict.
      'healthy canary beside a failing stable version: api-availability: promtool exp: {} 5E-04, got: {environment="production", namespace="flextime-production", slo="api-availability"} 2.525E-02',
      // No 5xx series: an empty result where 0 is meant.
      'no 5xx series at all, only 2xx traffic, all fast: api-availability: promtool exp: {} 0E+00, got: nil',
    ]));
  }, 240_000);
});
