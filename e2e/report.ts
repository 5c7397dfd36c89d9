/**
 * The table `npm run e2e` ends with: one row per scenario file (its top-level describe), result
 * and seconds, then the first line of each failure. A vitest reporter (vitest.e2e.config.ts).
 */
import type { Reporter, TestModule } from 'vitest/node';

function rowOf(m: TestModule): { scenario: string; result: string; seconds: number; failures: string[] } {
  const suites = [...m.children.suites()];
  const scenario = suites[0]?.name ?? m.relativeModuleId;
  const state = m.state();
  const tests = [...m.children.allTests()];
  const failures = tests.flatMap((t) => {
    const r = t.result();
    return r.state === 'failed' ? (r.errors ?? []).map((e) => `${t.name}: ${String(e.message).split('\n')[0]}`) : [];
  });
  const skipped = tests.length > 0 && tests.every((t) => t.result().state === 'skipped');
  const result = state === 'failed' || failures.length ? 'FAIL' : skipped ? 'skipped' : state === 'passed' ? 'pass' : state;
  // The whole file: its tests and its hooks (a beforeAll that applies the platform counts).
  const seconds = m.diagnostic().duration / 1000;
  if (state === 'failed' && !failures.length) failures.push(...(m.errors?.() ?? []).map((e) => String(e.message).split('\n')[0]));
  return { scenario, result, seconds, failures };
}

export default class E2eReport implements Reporter {
  private started = Date.now();
  onTestRunStart(): void { this.started = Date.now(); }
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    // In run order (the sequencer's: harness, then scenarios by number).
    const rank = (m: TestModule): number => (m.moduleId.includes('/e2e/cluster/') ? -1 : Number(/\/(\d+)-[^/]*$/.exec(m.moduleId)?.[1] ?? 1000));
    const rows = [...modules].sort((a, b) => rank(a) - rank(b)).map(rowOf);
    const w = Math.max(8, ...rows.map((r) => r.scenario.length));
    const line = (a: string, b: string, c: string): string => `| ${a.padEnd(w)} | ${b.padEnd(7)} | ${c.padStart(7)} |`;
    const out = ['', 'e2e scenarios', line('scenario', 'result', 'seconds'), `|${'-'.repeat(w + 2)}|---------|---------|`];
    for (const r of rows) out.push(line(r.scenario, r.result, r.seconds.toFixed(1)));
    out.push(`total ${((Date.now() - this.started) / 1000).toFixed(0)} s (cluster start-up and teardown included)`);
    for (const r of rows) for (const f of r.failures) out.push(`  ${r.scenario}: ${f}`);
    process.stdout.write(`${out.join('\n')}\n`);
  }
}
