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
import { parse } from 'yaml';
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
    const suite = parse(readFileSync(join(ROOT, 'test/prometheus/platform-alerts.test.yaml'), 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const checks = suite.tests.flatMap((t) => t.alert_rule_test);
    for (const alert of new Set(alertingRules(production.groups).map((a) => a.alert))) {
      expect(checks.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} fires in some test`).toBe(true);
      expect(checks.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} stays silent in some test`).toBe(true);
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

  for (const env of platform.environments) {
    withPromtool(`proves each SLO alert of ${env.name} fires and stays silent as designed (promtool test rules)`, () => {
      const promtoolBin = requirePromtool();
      const rules = extracted.find((e) => e.env === env.name && e.name === 'flextime-slos')!;
      const tests = writeFile(dir, `${env.name}-slo.test.yaml`, sloUnitTests(
        platform.observability.slos, alertingRules(rules.groups), env.name, `${platform.partOf}-${env.name}`, rules.file,
      ));
      const result = promtool(promtoolBin, ['test', 'rules', tests], dir);
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
