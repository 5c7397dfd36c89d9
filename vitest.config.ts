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
  },
});
