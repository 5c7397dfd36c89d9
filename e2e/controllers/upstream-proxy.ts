/**
 * The e2e's stand-in for the internet, as seen by ArgoCD's repo-server.
 *
 * The committed Applications name their sources by public URL (https://github.com/flextime/…,
 * https://<chart repo>/…); the e2e leaves them untouched. Instead the repo-server runs with
 * HTTPS_PROXY pointing here — the standard proxy setting that ArgoCD's Go clients (go-git
 * ls-remote, the Helm index fetch) and the git and helm CLIs it starts all honour — and trusts
 * one throw-away CA (SSL_CERT_FILE for Go, GIT_SSL_CAINFO for git). A CONNECT to a host in
 * `routes` is answered by a local TLS server presenting a certificate for that host, signed by
 * that CA; every other host is refused (403) and logged, so nothing leaves the machine.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { issue, makeCa } from '../cluster/pki.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface UpstreamProxy {
  /** http://127.0.0.1:PORT — the value for HTTPS_PROXY. */
  readonly url: string;
  /** PEM file of the CA that signed the certificates the proxy presents. */
  readonly caFile: string;
  /** CONNECT targets refused so far (host:port). */
  readonly refused: string[];
  /** Environment for a process that must reach `routes` through this proxy. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

/** A CA and one server certificate for `hosts`. */
function makeCertificates(dir: string, hosts: string[]): { ca: string; cert: string; key: string } {
  const ca = makeCa(dir, 'upstream');
  return { ca: ca.cert, ...issue(ca, 'server', { dns: hosts }, hosts[0]) };
}

export async function startUpstreamProxy(opts: {
  dir: string;
  /** host name → handler of its HTTPS requests. */
  routes: Record<string, Handler>;
  log?: (line: string) => void;
}): Promise<UpstreamProxy> {
  const log = opts.log ?? (() => {});
  const hosts = Object.keys(opts.routes);
  const certs = makeCertificates(opts.dir, hosts);
  const refused: string[] = [];

  const tlsServer = createHttpsServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const handler = opts.routes[host];
    if (!handler) {
      res.writeHead(404).end(`no route for ${host}\n`);
      return;
    }
    handler(req, res);
  });

  const proxy = createHttpServer((req, res) => {
    refused.push(req.url ?? '?');
    log(`refused plain-HTTP proxy request ${req.method} ${req.url}`);
    res.writeHead(403).end('only CONNECT to the e2e upstreams is allowed\n');
  });
  const sockets = new Set<Socket>();
  proxy.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  proxy.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const host = target.replace(/:\d+$/, '');
    if (!(host in opts.routes) || !target.endsWith(':443')) {
      refused.push(target);
      log(`refused CONNECT ${target}`);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    tlsServer.emit('connection', socket);
  });

  await new Promise<void>((res) => proxy.listen(0, '127.0.0.1', res));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  log(`upstream proxy ${url} serving ${hosts.join(', ')}`);
  return {
    url,
    caFile: certs.ca,
    refused,
    env: () => ({
      HTTPS_PROXY: url,
      https_proxy: url,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      SSL_CERT_FILE: certs.ca,
      GIT_SSL_CAINFO: certs.ca,
    }),
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => proxy.close(() => res()));
      tlsServer.close();
    },
  };
}
