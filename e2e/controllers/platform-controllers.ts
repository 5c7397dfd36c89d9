/**
 * The platform's own controllers in the e2e (issue 18): Gatekeeper, Argo Rollouts + Prometheus,
 * KEDA + Redis, Sigstore policy-controller (issue 20), External Secrets, cert-manager. Each runs for real — the pinned release built by
 * scripts/install-tools, as a local process against the e2e API server — and is stopped on exit.
 *
 * One entry per controller in PLATFORM_CONTROLLERS; e2e/controllers/gitops.ts starts them all
 * (together) after the add-on CRDs are installed and before ArgoCD, so the platform meets them
 * the way it meets them on EKS: Gatekeeper admits every object ArgoCD applies, ExternalSecrets
 * are filled before the pods that mount them start. A controller that starts also takes its kinds
 * out of argocd.ts HEALTH_NOT_ASSESSED: ArgoCD then reads their real health.
 */
import type { AddonApp } from './addons.ts';
import { argoRollouts } from './argo-rollouts.ts';
import { gatekeeperController } from './gatekeeper.ts';
import { KEDA } from './keda.ts';
import { policyController } from './policy-controller.ts';
import type { ClusterAccess, Kube } from './kube.ts';

export interface ControllerContext {
  readonly kube: Kube;
  readonly cluster: ClusterAccess;
  /** This checkout (tools in .tools/bin, dist/, argocd/). */
  readonly root: string;
  /** The controller's own scratch directory (logs, certificates, data). */
  readonly workDir: string;
  /** The add-on Applications (argocd/apps/application-addon-*.yaml). */
  readonly addons: readonly AddonApp[];
  readonly log: (line: string) => void;
}

/** A kind whose status this controller writes (ArgoCD's health check reads it). */
export interface AssessedKind {
  readonly group: string;
  readonly kind: string;
}

export interface PlatformController {
  readonly name: string;
  /** Kinds whose health ArgoCD can now assess for real. */
  readonly assesses: readonly AssessedKind[];
  /** How this differs from the add-on on EKS, one line each (printed in the report). */
  readonly differences: readonly string[];
  /** Serialisable facts the scenario files need (ports, URLs, paths), handed via vitest provide. */
  readonly handle: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface ControllerEntry {
  readonly name: string;
  start(ctx: ControllerContext): Promise<PlatformController>;
}

/** Started together by gitops.ts; add one line per controller. */
export const PLATFORM_CONTROLLERS: readonly ControllerEntry[] = [
  gatekeeperController,
  KEDA,
  argoRollouts,
  policyController,
];

/**
 * Starts every controller; if one fails, stops those already started and rethrows with its name.
 */
export async function startPlatformControllers(
  ctx: Omit<ControllerContext, 'workDir'> & { workDir: string },
  entries: readonly ControllerEntry[] = PLATFORM_CONTROLLERS,
): Promise<PlatformController[]> {
  const { join } = await import('node:path');
  const results = await Promise.allSettled(entries.map((e) => e.start({ ...ctx, workDir: join(ctx.workDir, e.name) })));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${entries[i].name}: ${(r.reason as Error)?.stack ?? r.reason}`] : []));
  if (failed.length) {
    await Promise.allSettled(started.map((c) => c.stop()));
    throw new Error(`platform controllers failed to start:\n${failed.join('\n')}`);
  }
  return started;
}
