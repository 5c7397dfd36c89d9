/**
 * Cluster Service DNS names for controllers that run outside the cluster.
 *
 * A controller that runs as a local process (e.g. the Argo Rollouts controller) reads an address
 * such as http://kube-prometheus-stack-prometheus.observability.svc.cluster.local:9090 from the
 * objects it reconciles; nothing on this machine resolves that name. The e2e leaves the objects
 * as rendered and starts the process with HTTP_PROXY pointing here instead (Go's
 * http.ProxyFromEnvironment, which the controller's HTTP clients use): a plain-HTTP forward proxy
 * that sends each request for a routed `host:port` to the local server standing for that
 * Service, and refuses (403, listed at the end of the run) every other host.
 * NO_PROXY keeps the API server (127.0.0.1) direct.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ServiceProxy {
  /** http://127.0.0.1:PORT — the value for HTTP_PROXY. */
  readonly url: string;
  /** Requests refused so far (method and URL). */
  readonly refused: string[];
  /** Requests forwarded so far, per routed host:port. */
  readonly forwarded: Record<string, number>;
  /** Environment for a process whose plain-HTTP requests to Services must come here. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

/** `routes`: Service `host:port` (as in the URL the controller reads) → local `127.0.0.1:port`. */
export async function startServiceProxy(opts: { routes: Record<string, string>; log?: (line: string) => void }): Promise<ServiceProxy> {
  const log = opts.log ?? (() => {});
  const refused: string[] = [];
  const forwarded: Record<string, number> = Object.fromEntries(Object.keys(opts.routes).map((k) => [k, 0]));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // A proxy request carries the absolute URL: GET http://host:port/path?query
    let target: URL | undefined;
    try {
      target = new URL(req.url ?? '');
    } catch {
      /* origin-form: not a proxy request */
    }
    const hostPort = target ? `${target.hostname}:${target.port || '80'}` : '';
    const to = target?.protocol === 'http:' ? opts.routes[hostPort] : undefined;
    if (!target || !to) {
      refused.push(`${req.method} ${req.url}`);
      log(`service proxy: refused ${req.method} ${req.url}`);
      res.writeHead(403).end(`no e2e route for ${hostPort || req.url}\n`);
      return;
    }
    forwarded[hostPort] = (forwarded[hostPort] ?? 0) + 1;
    const [host, port] = to.split(':');
    const upstream = request(
      { host, port: Number(port), method: req.method, path: `${target.pathname}${target.search}`, headers: { ...req.headers, host: hostPort } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(`e2e service proxy: ${hostPort} → ${to}: ${e.message}\n`);
    });
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    refused.push(`CONNECT ${req.url}`);
    log(`service proxy: refused CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log(`service proxy ${url}: ${Object.entries(opts.routes).map(([k, v]) => `${k} → ${v}`).join(', ')}`);
  return {
    url,
    refused,
    forwarded,
    env: () => ({ HTTP_PROXY: url, http_proxy: url, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' }),
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
