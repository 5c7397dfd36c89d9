/**
 * What every ArgoCD scenario starts from: the handle the e2e global setup provides (cluster
 * access, the served repository and its working clone, what the e2e left out or stood in for)
 * and small helpers to act like the operator in the runbook: commit and push, "webhook"
 * refresh, kubectl-style reads.
 */
import { execFileSync } from 'node:child_process';
import { inject } from 'vitest';
import { webhookRefresh } from '../controllers/applications.ts';
import { keepSubstituted } from '../controllers/git-server.ts';
import type { GitOpsHandle } from '../controllers/gitops.ts';
import { Kube, type KubeObject } from '../controllers/kube.ts';
import { useCluster } from '../cluster/context.ts';
import { ensurePlatform } from '../cluster/platform.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    gitops: GitOpsHandle;
  }
}

export interface Ctx {
  readonly h: GitOpsHandle;
  readonly kube: Kube;
  /** git in the working clone of the served repository. */
  git(...args: string[]): string;
  /**
   * Commits every change in the working clone and pushes main; then refreshes the Applications
   * the push touches, as ArgoCD's git webhook does (applications.ts webhookRefresh). Returns the commit.
   */
  commitAndPush(message: string): Promise<string>;
  /** `git revert` of a commit, pushed and announced like commitAndPush. Returns the new commit. */
  revertAndPush(commit: string): Promise<string>;
  /** Sets argocd.argoproj.io/refresh on every Application. */
  refreshAll(type: 'normal' | 'hard'): Promise<string[]>;
  /** A command in the working clone (npm run promote …). */
  run(cmd: string, args: string[]): string;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'flextime-e2e',
  GIT_AUTHOR_EMAIL: 'e2e@flextime.invalid',
  GIT_COMMITTER_NAME: 'flextime-e2e',
  GIT_COMMITTER_EMAIL: 'e2e@flextime.invalid',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/**
 * context() once the platform is up: in `npm run e2e` scenario 1 has bootstrapped it; a scenario
 * run alone bootstraps it here through the root Application, as scenario 1 does.
 */
export async function platformContext(): Promise<Ctx> {
  const how = await ensurePlatform(useCluster());
  if (how !== 'argocd') console.log(`platform: ${how}`);
  return context();
}

/** Time for platformContext() in beforeAll: a bootstrap from empty is allowed 360 s (cluster/platform.ts). */
export const PLATFORM_SETUP_MS = 400_000;

export function context(): Ctx {
  const h = inject('gitops');
  if (!h) throw new Error('the e2e global setup provided no gitops handle (run with `npm run e2e`)');
  const kube = new Kube({ kubeconfig: h.kubeconfig, server: h.server });
  const exec = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, { cwd: h.gitWorkdir, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  // A command that re-synthesizes dist/ (npm run synth, promote) writes the rendered form of each
  // file the e2e serves substituted: put the served form back, so the scenario sees its own change.
  const run = (cmd: string, args: string[]) => {
    const out = exec(cmd, args);
    if (cmd !== 'git') keepSubstituted((...a) => exec('git', a), h.substituted);
    return out;
  };
  // Push main, then what the git server's webhook tells ArgoCD: the files the push changed.
  const pushAndNotify = async () => {
    const before = run('git', ['rev-parse', 'origin/main']);
    run('git', ['push', '--quiet', 'origin', 'HEAD:main']);
    const head = run('git', ['rev-parse', 'HEAD']);
    await webhookRefresh(kube, 'normal', run('git', ['diff', '--name-only', before, head]).split('\n').filter(Boolean));
    return head;
  };
  return {
    h,
    kube,
    git: (...args) => run('git', args),
    run,
    refreshAll: (type) => webhookRefresh(kube, type),
    commitAndPush: async (message) => {
      keepSubstituted((...a) => run('git', a), h.substituted);
      run('git', ['add', '-A']);
      run('git', ['commit', '--quiet', '-m', message]);
      return pushAndNotify();
    },
    revertAndPush: async (commit) => {
      run('git', ['revert', '--no-edit', commit]);
      return pushAndNotify();
    },
  };
}

/** `kubectl get <plural> -A -l <selector>` over the given namespaces. */
export async function listIn(kube: Kube, apiPath: string, namespaces: readonly string[]): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const ns of namespaces) out.push(...(await kube.list(apiPath.replace('{ns}', ns))));
  return out;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
