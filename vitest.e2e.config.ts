/**
 * `npm run e2e`: the whole-platform suite against ONE simulated cluster per run (docs/e2e.md).
 * e2e/setup.ts starts the cluster once (globalSetup) and stops it at the end, even on Ctrl-C;
 * test files run one at a time, in the scenario order below, against that cluster; e2e/report.ts
 * prints the table (scenario, result, seconds). `npx vitest run` (vitest.config.ts) never
 * picks these files up.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * Order: the harness's own tests (e2e/cluster/) first, then the scenarios by their number
 * (e2e/scenarios/<n>-<name>.e2e.ts), one at a time. Scenarios that change the cluster (drain,
 * zone outage, …) put it back before they end.
 */
class ScenarioSequencer extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      if (f.moduleId.includes('/e2e/cluster/')) return -1;
      const n = /\/e2e\/scenarios\/(\d+)-/.exec(f.moduleId)?.[1];
      return n === undefined ? 1000 : Number(n);
    };
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/setup.ts'],
    fileParallelism: false,
    sequence: { sequencer: ScenarioSequencer },
    // Every wait inside a scenario has its own, shorter timeout and message; these are backstops.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    teardownTimeout: 60_000,
    reporters: ['default', './e2e/report.ts'],
  },
});
