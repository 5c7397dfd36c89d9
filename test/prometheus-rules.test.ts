/**
 * The rendered rules, run through promtool: `check rules` on every PrometheusRule in dist/ and
 * `test rules` on the SLO scenarios generated from config plus test/prometheus/*.test.yaml.
 * promtool comes from scripts/install-tools (.tools/bin) or $PROMTOOL; without it these tests
 * are skipped locally and fail in CI (CI=true).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../config/index.ts';
import { alertingRules } from '../lib/monitoring/rules.ts';
import { sloAlertName } from '../lib/monitoring/slo-rules.ts';
import {
  copyStaticTests, extractRuleFiles, promtool, ROOT, sloScenarios, sloUnitTests, writeFile, type ExtractedRules,
} from './prometheus/promtool.ts';
import { requireTool, skipWithout } from './tools.ts';

const platform = loadConfig();
/** The one skip rule (test/tools.ts): skipped without promtool outside CI, failing in CI. */
const withPromtool = it.skipIf(skipWithout('promtool'));
/** promtool simulates days of series per scenario: minutes on a busy machine, seconds on an idle one. */
const PROMTOOL_TIMEOUT = 600_000;
/** The environment whose SLO rules promtool runs the scenarios on: the one that pages. */
const PROVED_ENVIRONMENT = 'production';

let dir: string;
let extracted: ExtractedRules[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flextime-rules-'));
  extracted = extractRuleFiles(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function requirePromtool(): string {
  return requireTool('promtool');
}

describe('rule files extracted from dist/', () => {
  it('include the SLO and alert rules of every environment', () => {
    const names = extracted.map((e) => `${e.env}/${e.name}`);
    for (const env of platform.environments) {
      expect(names).toContain(`${env.name}/flextime-slos`);
      expect(names).toContain(`${env.name}/flextime-alerts`);
    }
  });

  it('give every SLO alert of every environment a generated unit test', () => {
    for (const env of platform.environments) {
      const slos = extracted.find((e) => e.env === env.name && e.name === 'flextime-slos')!;
      const alerts = new Set(alertingRules(slos.groups).map((a) => a.alert));
      const tested = new Set(platform.observability.slos.filter((s) => sloScenarios(s).length > 0).map(sloAlertName));
      expect([...alerts].sort()).toEqual([...tested].sort());
    }
  });

  it('give every platform alert a hand-written firing and silent test', () => {
    const production = extracted.find((e) => e.env === 'production' && e.name === 'flextime-alerts')!;
    // Every hand-written suite over production's alerts file: platform (the day-long backup alert
    // in a file of its own), database and right-sizing alerts.
    const suites = ['platform-alerts.test.yaml', 'backup-alerts.test.yaml', 'database-alerts.test.yaml'].map((f) => parse(readFileSync(join(ROOT, 'test/prometheus', f), 'utf8')) as {
      rule_files: string[];
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    });
    for (const suite of suites) expect(suite.rule_files).toEqual(['production-flextime-alerts.rules.yaml']);
    const checks = suites.flatMap((suite) => suite.tests.flatMap((t) => t.alert_rule_test));
    for (const alert of new Set(alertingRules(production.groups).map((a) => a.alert))) {
      expect(checks.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} fires in some test`).toBe(true);
      expect(checks.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} stays silent in some test`).toBe(true);
    }
  });
});

describe('SLO rules per environment', () => {
  it(`are ${PROVED_ENVIRONMENT}'s rules with only the environment's name (and namespace) changed`, () => {
    const slos = (env: string) => extracted.find((e) => e.env === env && e.name === 'flextime-slos')!.groups;
    const proved = JSON.stringify(slos(PROVED_ENVIRONMENT));
    const others = platform.environments.map((e) => e.name).filter((name) => name !== PROVED_ENVIRONMENT);
    expect(others).toEqual(['development', 'staging']);
    for (const env of others) {
      const rules = JSON.stringify(slos(env));
      expect(rules).toContain(`"environment":"${env}"`);
      expect(rules.replaceAll(env, PROVED_ENVIRONMENT)).toBe(proved);
    }
  });
});

describe('promtool', () => {
  withPromtool('accepts every rendered rule file (promtool check rules)', () => {
    const promtoolBin = requirePromtool();
    const result = promtool(promtoolBin, ['check', 'rules', ...extracted.map((e) => e.file)], dir);
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.ok, result.output).toBe(true);
  }, PROMTOOL_TIMEOUT);

  // The SLO rules of every environment are one generator's output that differs only in the
  // environment's name (checked below without promtool), so promtool simulates the scenarios
  // once, on production's rules: three identical multi-day simulations were most of the suite's time.
  for (const env of platform.environments.filter((e) => e.name === PROVED_ENVIRONMENT)) {
    withPromtool(`proves each SLO alert of ${env.name} fires and stays silent as designed (promtool test rules)`, () => {
      const promtoolBin = requirePromtool();
      const rules = extracted.find((e) => e.env === env.name && e.name === 'flextime-slos')!;
      // One rules file per SLO holding only its group (`slo-<name>`, whose recording rules feed
      // only its own alerts): promtool evaluates every group of a file at every simulated minute,
      // so a scenario no longer pays for the other SLOs' rules. All files go to one promtool run.
      const tests = platform.observability.slos.map((slo) => {
        const group = rules.groups.filter((g) => g.name === `slo-${slo.name}`);
        expect(group.map((g) => g.name), slo.name).toEqual([`slo-${slo.name}`]);
        const file = writeFile(dir, `${env.name}-slo-${slo.name}.rules.yaml`, stringify({ groups: group }, { lineWidth: 0 }));
        return writeFile(dir, `${env.name}-slo-${slo.name}.test.yaml`, sloUnitTests(
          [slo], alertingRules(group), env.name, `${platform.partOf}-${env.name}`, file,
        ));
      });
      const result = promtool(promtoolBin, ['test', 'rules', ...tests], dir);
      expect(result.ok, result.output).toBe(true);
      expect(result.output).toMatch(/SUCCESS/);
    }, PROMTOOL_TIMEOUT);
  }

  withPromtool('proves the platform alerts fire and stay silent as designed (test/prometheus/*.test.yaml)', () => {
    const promtoolBin = requirePromtool();
    const files = copyStaticTests(dir);
    expect(files.length).toBeGreaterThan(0);
    const result = promtool(promtoolBin, ['test', 'rules', ...files], dir);
    expect(result.ok, result.output).toBe(true);
  }, PROMTOOL_TIMEOUT);
});
