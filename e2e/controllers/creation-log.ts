/**
 * The order in which objects came to exist, for checks like "the Secret existed before the first
 * pod of its workload was created". creationTimestamps have one-second resolution (an ArgoCD sync
 * applies an ExternalSecret and a Deployment in the same second); the resourceVersion an object
 * carries in its first watch event is the etcd revision of its creation, one global counter for
 * the whole cluster, so it orders creations across kinds exactly.
 *
 * Started by the global setup before ArgoCD (so every platform object is seen being created);
 * each first sighting is appended to a JSON-lines file the scenario files read (they run in
 * other processes).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Kube, KubeObject } from './kube.ts';

export interface Creation {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** etcd revision of the creation (or of the first sighting, for objects older than the log). */
  readonly revision: number;
  readonly labels: Record<string, string>;
  /** Existed when the log started: its revision is not its creation. */
  readonly preexisting: boolean;
}

export interface CreationLog {
  readonly file: string;
  stop(): void;
}

/** Watches the given collections (e.g. /api/v1/pods) cluster-wide until stop(). */
export function startCreationLog(kube: Kube, collections: Record<string, string>, file: string, log: (line: string) => void): CreationLog {
  writeFileSync(file, '');
  const abort = new AbortController();
  for (const [kind, path] of Object.entries(collections)) {
    const seen = new Set<string>();
    let first = true;
    const record = (objs: KubeObject[]): undefined => {
      for (const o of objs) {
        const key = `${o.metadata?.namespace ?? ''}/${o.metadata?.name}/${o.metadata?.uid}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const c: Creation = {
          kind,
          namespace: o.metadata?.namespace ?? '',
          name: o.metadata?.name as string,
          revision: Number(o.metadata?.resourceVersion),
          labels: o.metadata?.labels ?? {},
          preexisting: first,
        };
        appendFileSync(file, `${JSON.stringify(c)}\n`);
      }
      first = false;
      return undefined;
    };
    kube
      .waitFor({ path, what: `creation log of ${kind}`, timeoutMs: 24 * 3600_000, signal: abort.signal }, record)
      .catch((e) => {
        if (!abort.signal.aborted) log(`creation log of ${kind} stopped: ${(e as Error).message}`);
      });
  }
  return { file, stop: () => abort.abort() };
}

/** The log as written so far (first sighting of each object). */
export function readCreationLog(file: string): Creation[] {
  if (!existsSync(file)) throw new Error(`${file} missing: the creation log was not started`);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Creation);
}
