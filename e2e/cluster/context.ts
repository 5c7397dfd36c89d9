/**
 * What e2e/setup.ts hands to every test file (vitest `provide`/`inject`): how to reach the one
 * shared cluster of the run. `useCluster()` in a test file gives a client and the kubeconfig.
 */
import { inject } from 'vitest';
import { Kube, type Connection } from './kube.ts';

export interface E2eContext {
  kubeconfig: string;
  connection: Connection;
  /** Work dir of the cluster: component logs, certificates. */
  dir: string;
  /** Component → pid (process group). */
  pids: Record<string, number>;
  /** Names of the simulated nodes by zone. */
  zones: Record<string, string[]>;
  timings: { nodeLeaseSeconds: number; nodeMonitorGraceSeconds: number; defaultTolerationSeconds: number };
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eContext;
  }
}

export function useCluster(): E2eContext & { kube: Kube } {
  const ctx = inject('e2e');
  if (!ctx) throw new Error('no e2e cluster: run the e2e suite with `npm run e2e` (vitest.e2e.config.ts starts it)');
  return { ...ctx, kube: new Kube(ctx.connection) };
}
