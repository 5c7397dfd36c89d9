// `npx vitest run` / `npm test`'s unit suite: everything but the cluster suite (e2e/, which
// `npm run e2e` runs with vitest.e2e.config.ts).
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    exclude: [...configDefaults.exclude, 'e2e/**'],
  },
});
