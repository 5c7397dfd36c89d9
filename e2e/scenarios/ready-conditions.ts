/**
 * "Every X Ready" for kinds whose controller writes a `Ready` condition (External Secrets'
 * stores and ExternalSecrets, cert-manager's issuers and Certificates): what an operator reads
 * in `kubectl get <kind> -A`. Shared by scenarios 13 and 14, for the platform's objects and for
 * their planted defects alike, so a planted defect fails through the very check that passes.
 */
import { join } from 'node:path';
import { readObjects, walkYaml } from '../controllers/addons.ts';
import type { Kube, KubeObject } from '../controllers/kube.ts';
import { platformContext, type Ctx } from './context.ts';

/** platformContext() with the handle of the platform controller `name` and the objects of dist/. */
export async function controllerScenario<T>(name: string): Promise<{ ctx: Ctx; handle: T; dist: KubeObject[] }> {
  const ctx = await platformContext();
  const handle = ctx.h.controllers[name];
  if (!handle) throw new Error(`the e2e global setup started no ${name} controller (platform-controllers.ts)`);
  return { ctx, handle: handle as unknown as T, dist: readObjects(walkYaml(join(ctx.h.root, 'dist'))) };
}

/** `namespace/name`, or `name` for a cluster-scoped object. */
export const ref = (o: KubeObject): string => `${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

export const readyCondition = (o: KubeObject | undefined): { status?: string; reason?: string; message?: string } | undefined =>
  (o?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');

export const isReady = (o: KubeObject | undefined): boolean => readyCondition(o)?.status === 'True';

/** The Ready condition as an operator reads it, or why there is none. */
export const readyText = (o: KubeObject | undefined): string => {
  const c = readyCondition(o);
  if (!o) return 'does not exist';
  return c ? `Ready=${c.status} ${c.reason ?? ''}: ${c.message ?? ''}`.trim() : 'no Ready condition yet';
};

/** The newest Warning event of an object (the controller's own words), or ''. */
export async function lastWarning(kube: Kube, o: KubeObject): Promise<string> {
  const ns = o.metadata?.namespace;
  const path = ns ? `/api/v1/namespaces/${ns}/events` : '/api/v1/events';
  const events = await kube.list(path, `fieldSelector=involvedObject.name=${o.metadata?.name},type=Warning`);
  const last = events.sort((a, b) => String(a.lastTimestamp ?? a.eventTime).localeCompare(String(b.lastTimestamp ?? b.eventTime))).at(-1);
  return last ? ` — last warning: ${last.message}` : '';
}

/**
 * Waits (watch events, `timeoutMs`) until every wanted object (by ref) of the collection at
 * `path` exists and is Ready; returns them in the order wanted. On timeout it fails with
 * "expected every <kind> (n) Ready, saw not Ready: …" and one line per object from `explain`.
 */
export async function waitAllReady(
  kube: Kube,
  opts: { path: string; kind: string; wanted: readonly string[]; timeoutMs: number; explain: (r: string, live: KubeObject | undefined) => Promise<string> | string },
): Promise<KubeObject[]> {
  const find = (objs: KubeObject[], r: string) => objs.find((o) => ref(o) === r);
  try {
    return await kube.waitFor(
      {
        path: opts.path,
        what: `every ${opts.kind} (${opts.wanted.length}) Ready`,
        timeoutMs: opts.timeoutMs,
        describe: (objs) => `not Ready: ${opts.wanted.filter((r) => !isReady(find(objs, r))).join(', ')}`,
      },
      (objs) => (opts.wanted.every((r) => isReady(find(objs, r))) ? opts.wanted.map((r) => find(objs, r)!) : undefined),
    );
  } catch (e) {
    const objs = await kube.list(opts.path);
    const lines = await Promise.all(opts.wanted.filter((r) => !isReady(find(objs, r))).map((r) => opts.explain(r, find(objs, r))));
    throw new Error(`${(e as Error).message.split('\n')[0]}\n  ${lines.join('\n  ')}`);
  }
}
