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
import { CERT_MANAGER_CONTROLLER } from './cert-manager.ts';
import { EXTERNAL_SECRETS_CONTROLLER } from './external-secrets.ts';
import { gatekeeperController } from './gatekeeper.ts';
import type { RepoSubstitution } from './git-server.ts';
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
  /**
   * Files of this checkout (read from dist/ before anything starts) that the served repository
   * carries in another form, each with its reason: what this controller cannot reach here (AWS
   * Secrets Manager, ACME) swapped for a local stand-in. git-server.ts commits them on top.
   */
  substitutions?(root: string): RepoSubstitution[];
  start(ctx: ControllerContext): Promise<PlatformController>;
}

/** Started together by gitops.ts; add one line per controller. */
export const PLATFORM_CONTROLLERS: readonly ControllerEntry[] = [
  gatekeeperController,
  KEDA,
  argoRollouts,
  policyController,
  EXTERNAL_SECRETS_CONTROLLER,
  CERT_MANAGER_CONTROLLER,
];

/** Every controller's substitutions; two controllers claiming the same file is an error. */
export function repoSubstitutions(root: string, entries: readonly ControllerEntry[] = PLATFORM_CONTROLLERS): RepoSubstitution[] {
  const all = entries.flatMap((e) => (e.substitutions?.(root) ?? []).map((s) => ({ ...s, reason: `${e.name}: ${s.reason}` })));
  const seen = new Map<string, string>();
  for (const s of all) {
    if (seen.has(s.file)) throw new Error(`served repository: ${s.file} substituted twice (${seen.get(s.file)} / ${s.reason})`);
    seen.set(s.file, s.reason);
  }
  return all;
}

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
