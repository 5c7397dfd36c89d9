/**
 * A small Kubernetes client for the e2e controllers and scenarios: JSON requests, server-side
 * apply, and waits that run on a watch (never a sleep loop) and fail with "expected …, saw …".
 *
 * Credentials come from the kubeconfig the e2e cluster hands out (client certificate or token).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { request as httpsRequest, Agent } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';

/** What the e2e needs from a running cluster. */
export interface ClusterAccess {
  /** Path of a kubeconfig whose current context is a cluster admin. */
  readonly kubeconfig: string;
  /** The API server URL (https://127.0.0.1:PORT). */
  readonly server: string;
}

export interface KubeCredentials {
  readonly server: string;
  readonly caData: Buffer;
  readonly certData?: Buffer;
  readonly keyData?: Buffer;
  readonly token?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = Record<string, any> & {
  apiVersion?: string;
  kind?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  metadata?: { name?: string; namespace?: string; [k: string]: any };
};

function fileOrData(base: string, data: string | undefined, file: string | undefined): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSync(resolve(base, file));
  return undefined;
}

/** Reads the current context's server and credentials from a kubeconfig file. */
export function readKubeconfig(path: string): KubeCredentials {
  const kc = parseYaml(readFileSync(path, 'utf8'));
  const ctxName = kc['current-context'] ?? kc.contexts?.[0]?.name;
  const ctx = kc.contexts?.find((c: { name: string }) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`${path}: no context '${ctxName}'`);
  const cluster = kc.clusters?.find((c: { name: string }) => c.name === ctx.cluster)?.cluster;
  const user = kc.users?.find((u: { name: string }) => u.name === ctx.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`${path}: context '${ctxName}' has no cluster server`);
  const base = dirname(path);
  const caData = fileOrData(base, cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (!caData) throw new Error(`${path}: cluster '${ctx.cluster}' has no certificate authority`);
  return {
    server: cluster.server,
    caData,
    certData: fileOrData(base, user['client-certificate-data'], user['client-certificate']),
    keyData: fileOrData(base, user['client-key-data'], user['client-key']),
    token: user.token,
  };
}

export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly body: KubeObject | string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}: ${typeof body === 'string' ? body : (body.message ?? JSON.stringify(body))}`);
  }
}

/** Path of a resource collection or object: kubePath('apps/v1', 'deployments', 'ns', 'name'). */
export function kubePath(apiVersion: string, plural: string, namespace?: string, name?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}${namespace ? `/namespaces/${namespace}` : ''}/${plural}${name ? `/${name}` : ''}`;
}

export class Kube {
  readonly creds: KubeCredentials;
  private readonly agent: Agent;

  constructor(readonly access: ClusterAccess) {
    this.creds = readKubeconfig(access.kubeconfig);
    this.agent = new Agent({ ca: this.creds.caData, cert: this.creds.certData, key: this.creds.keyData, keepAlive: true });
  }

  private open(method: string, path: string, body?: string, contentType = 'application/json'): Promise<IncomingMessage> {
    const url = new URL(path, this.access.server);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.creds.token) headers.authorization = `Bearer ${this.creds.token}`;
    if (body !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((res, rej) => {
      const req = httpsRequest(url, { method, headers, agent: this.agent }, res);
      req.on('error', rej);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async request(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeObject> {
    return (await this.send(method, path, body, contentType)).object;
  }

  /** A request and the API server's Warning headers (admission warnings, as kubectl prints them). */
  async send(method: string, path: string, body?: unknown, contentType?: string): Promise<{ object: KubeObject; warnings: string[] }> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await this.open(method, path, payload, contentType);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: KubeObject | string = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* plain-text error body */
    }
    if ((res.statusCode ?? 0) >= 300) throw new KubeError(res.statusCode ?? 0, parsed, `${method} ${path}`);
    // RFC 7234 warn-code, agent and quoted text: `299 - "message"`; several come as one header, comma-joined.
    const raw = res.headers.warning;
    const warnings = (Array.isArray(raw) ? raw : raw ? [raw] : []).flatMap((h) => [...h.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1')));
    return { object: parsed as KubeObject, warnings };
  }

  private readonly plurals = new Map<string, Map<string, string>>();

  /** Path of an object by group/version/kind (plural from API discovery, as kubectl finds it). */
  async objectPath(group: string, version: string, kind: string, namespace?: string, name?: string): Promise<string> {
    const gv = group ? `${group}/${version}` : version;
    let m = this.plurals.get(gv);
    if (!m) {
      const list = await this.get(group ? `/apis/${gv}` : `/api/${gv}`);
      m = new Map((list.resources ?? []).filter((r: { name: string }) => !r.name.includes('/')).map((r: { kind: string; name: string }) => [r.kind, r.name]));
      this.plurals.set(gv, m);
    }
    const plural = m.get(kind);
    if (!plural) throw new Error(`API server serves no kind ${kind} in ${gv}`);
    return kubePath(gv, plural, namespace, name);
  }

  get(path: string): Promise<KubeObject> {
    return this.request('GET', path);
  }

  /** The object, or undefined when it does not exist. */
  async find(path: string): Promise<KubeObject | undefined> {
    try {
      return await this.get(path);
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return undefined;
      throw e;
    }
  }

  async list(path: string, query = ''): Promise<KubeObject[]> {
    return (await this.get(`${path}${query ? `?${query}` : ''}`)).items ?? [];
  }

  delete(path: string, body?: unknown): Promise<KubeObject> {
    return this.request('DELETE', path, body);
  }

  /** JSON merge patch. */
  patch(path: string, patch: unknown): Promise<KubeObject> {
    return this.request('PATCH', path, patch, 'application/merge-patch+json');
  }

  /** Server-side apply of one object (its apiVersion/kind/metadata say where). */
  apply(obj: KubeObject, plural: string, fieldManager = 'flextime-e2e'): Promise<KubeObject> {
    const p = kubePath(obj.apiVersion!, plural, obj.metadata?.namespace, obj.metadata?.name);
    return this.request('PATCH', `${p}?fieldManager=${fieldManager}&force=true`, obj, 'application/apply-patch+yaml');
  }

  /** Create, tolerating "already exists". */
  async ensure(path: string, obj: KubeObject): Promise<void> {
    try {
      await this.request('POST', path, obj);
    } catch (e) {
      if (!(e instanceof KubeError && e.status === 409)) throw e;
    }
  }

  /**
   * Watches a collection (optionally one object by name) and resolves with the first value
   * `check` returns that is not undefined. `check` sees the current list of objects on every
   * event. On timeout it fails with `expected <what>, saw <describe(objects)>`.
   */
  async waitFor<T>(
    opts: {
      path: string; // collection path
      name?: string;
      labelSelector?: string;
      what: string;
      timeoutMs: number;
      describe?: (objs: KubeObject[]) => string;
      /** Ends the wait (rejects with 'aborted'). */
      signal?: AbortSignal;
    },
    check: (objs: KubeObject[]) => T | undefined,
  ): Promise<T> {
    const q = new URLSearchParams();
    if (opts.name) q.set('fieldSelector', `metadata.name=${opts.name}`);
    if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
    const describe = opts.describe ?? ((objs: KubeObject[]) => `${objs.length} object(s)`);
    const deadline = Date.now() + opts.timeoutMs;
    const objs = new Map<string, KubeObject>();
    const key = (o: KubeObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    let lastSeen = 'nothing yet';
    let current: IncomingMessage | undefined;
    opts.signal?.addEventListener('abort', () => current?.destroy());
    for (;;) {
      if (opts.signal?.aborted) throw new Error('aborted');
      // (Re)list, then watch from that resourceVersion; a watch the server closes is resumed.
      const list = await this.get(`${opts.path}?${q}`);
      objs.clear();
      for (const o of list.items ?? []) objs.set(key(o), o);
      let rv = list.metadata?.resourceVersion as string | undefined;
      const first = check([...objs.values()]);
      if (first !== undefined) return first;
      lastSeen = describe([...objs.values()]);
      while (Date.now() < deadline) {
        const wq = new URLSearchParams(q);
        wq.set('watch', '1');
        wq.set('allowWatchBookmarks', 'true');
        if (rv) wq.set('resourceVersion', rv);
        wq.set('timeoutSeconds', String(Math.max(1, Math.ceil((deadline - Date.now()) / 1000))));
        if (opts.signal?.aborted) throw new Error('aborted');
        const res = await this.open('GET', `${opts.path}?${wq}`);
        current = res;
        if ((res.statusCode ?? 0) >= 300) throw new KubeError(res.statusCode ?? 0, 'watch failed', `watch ${opts.path}`);
        let buf = '';
        let gone = false;
        const timer = setTimeout(() => res.destroy(), Math.max(0, deadline - Date.now()) + 50);
        try {
          for await (const chunk of res) {
            buf += chunk.toString();
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (!line.trim()) continue;
              const ev = JSON.parse(line) as { type: string; object: KubeObject };
              if (ev.type === 'ERROR') {
                gone = true; // 410 Gone: relist
                break;
              }
              rv = ev.object.metadata?.resourceVersion as string | undefined;
              if (ev.type === 'BOOKMARK') continue;
              if (ev.type === 'DELETED') objs.delete(key(ev.object));
              else objs.set(key(ev.object), ev.object);
              const r = check([...objs.values()]);
              if (r !== undefined) {
                res.destroy();
                return r;
              }
              lastSeen = describe([...objs.values()]);
            }
            if (gone) break;
          }
        } catch (e) {
          if (opts.signal?.aborted) throw new Error('aborted');
          if (!(res.destroyed && Date.now() >= deadline)) throw e;
        } finally {
          clearTimeout(timer);
        }
        if (gone) break;
      }
      if (Date.now() >= deadline) {
        throw new Error(`timed out after ${Math.round(opts.timeoutMs / 1000)} s: expected ${opts.what}, saw ${lastSeen}`);
      }
    }
  }
}
