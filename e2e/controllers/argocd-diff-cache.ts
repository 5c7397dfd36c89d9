/**
 * What ArgoCD's application controller last computed for an Application's resources, read from
 * its redis cache (key `app|managed-resources|<app>|<cache version>`, gzip'd JSON of
 * ResourceDiff): for every resource it calls modified, the JSON paths where its normalized live
 * state and its predicted live state differ.
 *
 * Why: an Application that stays OutOfSync after a successful sync says only which resources
 * differ. With ServerSideDiff the controller reuses a cached diff while the live object's
 * resourceVersion is unchanged (argo-cd v2.14 controller/state.go useDiffCache), so the failure
 * message needs the diff it holds, not one the e2e recomputes.
 */
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface CachedResourceDiff {
  readonly resource: string;
  readonly resourceVersion: string;
  /** JSON paths (a.b[0].c) that differ between normalized live and predicted live, at most 12. */
  readonly paths: string[];
}

/** Sends one redis command (RESP) and returns its reply: string, Buffer, number, null or array. */
function redis(port: number, args: string[], timeoutMs = 5_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis :${port} ${args[0]}: no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('data', (d) => {
      chunks.push(d);
      const parsed = parseReply(Buffer.concat(chunks), 0);
      if (parsed) {
        clearTimeout(timer);
        socket.end();
        if (parsed.value instanceof Error) reject(parsed.value);
        else resolve(parsed.value);
      }
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

/** One RESP value at `at`, or undefined while the buffer holds only part of it. */
function parseReply(buf: Buffer, at: number): { value: unknown; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]!);
  const head = buf.subarray(at + 1, eol).toString();
  switch (type) {
    case '+':
      return { value: head, end: eol + 2 };
    case '-':
      return { value: new Error(head), end: eol + 2 };
    case ':':
      return { value: Number(head), end: eol + 2 };
    case '$': {
      const n = Number(head);
      if (n < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return undefined;
      return { value: buf.subarray(eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
    }
    case '*': {
      const n = Number(head);
      const items: unknown[] = [];
      let end = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      return { value: new Error(`redis: unexpected reply type ${type}`), end: buf.length };
  }
}

/** Leaf paths where `a` and `b` differ (objects and arrays walked; at most `limit`). */
export function differingPaths(a: unknown, b: unknown, limit = 12, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) return [path || '(root)'];
  const out: string[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const sub = Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
    out.push(...differingPaths(a[k], b[k], limit - out.length, sub));
    if (out.length >= limit) break;
  }
  return out.slice(0, limit);
}

/** The modified resources of `app` in the controller's cached diff, with where they differ. */
export async function cachedDiffs(redisPort: number, app: string): Promise<CachedResourceDiff[]> {
  const keys = (await redis(redisPort, ['KEYS', `app|managed-resources|${app}|*`])) as Buffer[];
  if (!keys.length) return [];
  const raw = (await redis(redisPort, ['GET', keys[0]!.toString()])) as Buffer | null;
  if (!raw) return [];
  const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString() : raw.toString();
  type ResourceDiff = { group?: string; kind: string; namespace?: string; name: string; modified?: boolean; resourceVersion?: string; normalizedLiveState?: string; predictedLiveState?: string };
  const parse = (s: string | undefined) => (s ? JSON.parse(s) : null);
  return (JSON.parse(text) as ResourceDiff[])
    .filter((d) => d.modified)
    .map((d) => ({
      resource: `${d.kind}/${d.namespace ? `${d.namespace}/` : ''}${d.name}`,
      resourceVersion: d.resourceVersion ?? '',
      paths: differingPaths(parse(d.normalizedLiveState), parse(d.predictedLiveState)),
    }));
}
