/**
 * A small Kubernetes REST client for the e2e (node's https only): get/list/create/patch/delete,
 * watches, and `waitFor` — the one way scenarios wait: list + watch a collection, re-check a
 * condition on every event, and on timeout fail with "expected X, saw Y". No sleeps, no silent
 * retries.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';

export interface Connection {
  server: string; // https://127.0.0.1:PORT
  token: string;
  caFile: string;
}

// Minimal object shapes the scenarios read.
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  deletionTimestamp?: string;
  ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }>;
}
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}
export interface WatchEvent { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: KubeObject }

export class KubeError extends Error {
  constructor(readonly status: number, readonly body: string, what: string) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 400)}`);
  }
}

export class Kube {
  private readonly agent: https.Agent;
  constructor(readonly conn: Connection) {
    this.agent = new https.Agent({ ca: readFileSync(conn.caFile), keepAlive: true, maxSockets: 16 });
  }

  close(): void {
    this.agent.destroy();
  }

  request<T = KubeObject>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const url = new URL(path, this.conn.server);
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method, agent: this.agent,
        headers: {
          Authorization: `Bearer ${this.conn.token}`, Accept: 'application/json',
          ...(data !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) } : {}),
        },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) reject(new KubeError(res.statusCode ?? 0, text, `${method} ${path}`));
          else resolve(text ? JSON.parse(text) : ({} as T));
        });
      });
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  get<T = KubeObject>(path: string): Promise<T> { return this.request<T>('GET', path); }
  async list(path: string): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const r = await this.request<{ items: KubeObject[]; metadata: { resourceVersion: string } }>('GET', path);
    return { items: r.items ?? [], resourceVersion: r.metadata.resourceVersion };
  }
  create(path: string, obj: unknown): Promise<KubeObject> { return this.request('POST', path, obj); }
  delete(path: string, body?: unknown): Promise<KubeObject> { return this.request('DELETE', path, body); }
  mergePatch(path: string, patch: unknown): Promise<KubeObject> { return this.request('PATCH', path, patch, 'application/merge-patch+json'); }
  strategicPatch(path: string, patch: unknown): Promise<KubeObject> { return this.request('PATCH', path, patch, 'application/strategic-merge-patch+json'); }
  /** Server-side apply of one object (field manager `flextime-e2e`). */
  apply(path: string, obj: unknown, force = true): Promise<KubeObject> {
    return this.request('PATCH', `${path}?fieldManager=flextime-e2e${force ? '&force=true' : ''}`, obj, 'application/apply-patch+yaml');
  }

  /**
   * Watches a collection from `resourceVersion`; `onEvent` gets every event. Returns a stop
   * function. A watch that the server ends (timeout) is resumed from the last version seen.
   */
  watch(path: string, resourceVersion: string, onEvent: (e: WatchEvent) => void, onError: (e: Error) => void): () => void {
    let stopped = false;
    let rv = resourceVersion;
    let current: import('node:http').ClientRequest | undefined;
    const open = (): void => {
      if (stopped) return;
      const url = new URL(path, this.conn.server);
      url.searchParams.set('watch', '1');
      url.searchParams.set('resourceVersion', rv);
      url.searchParams.set('allowWatchBookmarks', 'true');
      const req = https.request(url, { agent: this.agent, headers: { Authorization: `Bearer ${this.conn.token}`, Accept: 'application/json' } }, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => { if (!stopped) onError(new KubeError(res.statusCode ?? 0, text, `watch ${path}`)); });
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim()) continue;
            const ev = JSON.parse(line) as WatchEvent;
            if (ev.type === 'ERROR') {
              if (!stopped) onError(new Error(`watch ${path}: ${JSON.stringify(ev.object)}`));
              continue;
            }
            if (ev.object.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
            if (ev.type !== 'BOOKMARK' && !stopped) onEvent(ev);
          }
        });
        res.on('end', () => open());
      });
      req.on('error', (e) => { if (!stopped) onError(e); });
      req.end();
      current = req;
    };
    open();
    return () => { stopped = true; current?.destroy(); };
  }

  /** List + watch: a live map of the collection's objects (key ns/name), with a change callback. */
  async informer(path: string, onChange?: (objs: Map<string, KubeObject>, ev?: WatchEvent) => void): Promise<Informer> {
    const { items, resourceVersion } = await this.list(path);
    const objs = new Map(items.map((o) => [keyOf(o), o]));
    const inf: Informer = { objs, error: undefined, stop: () => {} };
    inf.stop = this.watch(path, resourceVersion, (ev) => {
      if (ev.type === 'DELETED') objs.delete(keyOf(ev.object));
      else objs.set(keyOf(ev.object), ev.object);
      onChange?.(objs, ev);
    }, (e) => { inf.error = e; onChange?.(objs); });
    onChange?.(objs);
    return inf;
  }

  /**
   * Waits until `check(objects)` returns true for the live collection at `path`. On timeout
   * throws `${what}: expected ${expected}, saw ${describe(objects)} (after N s)`.
   */
  async waitFor(path: string, opts: {
    what: string; expected: string; timeoutMs: number;
    check: (objs: KubeObject[]) => boolean;
    describe: (objs: KubeObject[]) => string;
  }): Promise<KubeObject[]> {
    const t0 = Date.now();
    let resolveDone!: (v: KubeObject[]) => void;
    let rejectDone!: (e: Error) => void;
    const done = new Promise<KubeObject[]>((res, rej) => { resolveDone = res; rejectDone = rej; });
    let finished = false;
    const inf = await this.informer(path, (objs) => {
      if (finished) return;
      const list = [...objs.values()];
      let ok = false;
      try { ok = opts.check(list); } catch (e) { finished = true; rejectDone(e as Error); return; }
      if (ok) { finished = true; resolveDone(list); }
    });
    const timer = setTimeout(() => {
      if (finished) return;
      finished = true;
      const list = [...inf.objs.values()];
      rejectDone(new Error(`${opts.what}: expected ${opts.expected}, saw ${opts.describe(list)} (after ${((Date.now() - t0) / 1000).toFixed(0)} s${inf.error ? `; watch error: ${inf.error.message}` : ''})`));
    }, opts.timeoutMs);
    try {
      return await done;
    } finally {
      clearTimeout(timer);
      inf.stop();
    }
  }
}

export interface Informer {
  objs: Map<string, KubeObject>;
  error: Error | undefined;
  stop: () => void;
}

export const keyOf = (o: KubeObject): string => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);

/** Ready condition of a pod or node ("True" / "False" / "Unknown" / undefined). */
export function condition(o: KubeObject, type: string): string | undefined {
  return (o.status?.conditions as Array<{ type: string; status: string }> | undefined)?.find((c) => c.type === type)?.status;
}

export const podReady = (p: KubeObject): boolean => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && condition(p, 'Ready') === 'True';
