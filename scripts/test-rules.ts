#!/usr/bin/env -S npx tsx
/**
 * `npx tsx scripts/test-rules.ts`: run promtool on the rendered rules without vitest.
 * Extracts every PrometheusRule in dist/ into rules files, runs `promtool check rules`, then
 * `promtool test rules` on the SLO scenarios generated from config (per environment) and on
 * test/prometheus/*.test.yaml. Exit code 1 when promtool is missing or anything fails.
 * The same steps run in test/prometheus-rules.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { alertingRules } from '../lib/monitoring/rules.ts';
import {
  copyStaticTests, extractRuleFiles, promtool, promtoolVersion, sloUnitTests, writeFile,
} from '../test/prometheus/promtool.ts';
import { findTool } from '../test/tools.ts';

const bin = findTool('promtool');
if (!bin) {
  console.error('promtool not found: run scripts/install-tools (or set PROMTOOL=/path/to/promtool)');
  process.exit(1);
}
const platform = loadConfig();
const dir = mkdtempSync(join(tmpdir(), 'flextime-rules-'));
let failed = false;
const step = (title: string, args: string[]) => {
  const started = performance.now();
  const r = promtool(bin, args, dir);
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${title} (${Math.round(performance.now() - started)} ms)`);
  if (!r.ok) {
    console.log(r.output);
    failed = true;
  }
};
try {
  console.log(promtoolVersion(bin));
  const rules = extractRuleFiles(dir);
  step(`promtool check rules: ${rules.length} files`, ['check', 'rules', ...rules.map((r) => r.file)]);
  for (const env of platform.environments) {
    const slos = rules.find((r) => r.env === env.name && r.name === `${platform.partOf}-slos`);
    if (!slos) throw new Error(`dist/${env.name} has no ${platform.partOf}-slos PrometheusRule; run npm run synth`);
    const file = writeFile(dir, `${env.name}-slo.test.yaml`, sloUnitTests(
      platform.observability.slos, alertingRules(slos.groups), env.name, `${platform.partOf}-${env.name}`, slos.file,
    ));
    step(`promtool test rules: SLO alerts of ${env.name}`, ['test', 'rules', file]);
  }
  step('promtool test rules: test/prometheus/*.test.yaml', ['test', 'rules', ...copyStaticTests(dir)]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
