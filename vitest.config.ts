// `npx vitest run` / `npm test`'s unit suite: everything but the cluster suite (e2e/, which
// `npm run e2e` runs with vitest.e2e.config.ts).
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    exclude: [...configDefaults.exclude, 'e2e/**'],
    // Many tests run real tools (tflint, promtool, gator, PostgreSQL); on 2 shared cores vitest's
    // 5 s default turned them into timing assertions. Speed is measured by `npm run bench`.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One module cache per worker instead of per file: every file imports cdk8s, the models and
    // the config, and loading them again for each of 60 files was most of the suite's time. The
    // code under test keeps no mutable module state (renders are pure; tools.test.ts restores the
    // one environment variable it sets).
    isolate: false,
    // vitest's default on 2 cores is one worker (cores - 1), which ran the files one after another
    // while many of them wait on a tool (k6's timed runs, PostgreSQL, promtool). Three workers keep
    // both cores busy: the warm suite went from 113 s to 52-56 s (npm run bench prints it).
    maxWorkers: 3,
  },
});
