/**
 * The e2e's cluster DNS: a tiny DNS server (UDP and TCP on 127.0.0.1, an ephemeral port) that
 * answers A queries for the names a controller must reach — a Service's cluster name
 * (`redis.flextime-staging.svc.cluster.local`), an AWS endpoint the platform renders — with the
 * 127.0.0.x address the e2e serves it on, and REFUSED for every other name.
 *
 * Why: controllers run here as local processes, but the platform names what they talk to by
 * cluster DNS, as a pod resolves it through CoreDNS. The test must not edit /etc/hosts or
 * /etc/resolv.conf, and Go's resolver reads nothing else; so a Go controller built for the e2e
 * sends its lookups here when E2E_DNS=127.0.0.1:<port> is set (tools/keda/overlay/e2e_dns.go,
 * added with `go build -overlay`). Any controller can register names (`map`) and pass `env()`.
 *
 * Names are matched exactly (case-insensitive, trailing dot ignored): a name the platform gets
 * wrong resolves to nothing, as it would in the cluster. AAAA and other types of a mapped name
 * get an empty NOERROR answer (no IPv6 here), so a resolver asking both A and AAAA uses the A.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

export interface ClusterDns {
  /** host:port of the server (the value of E2E_DNS). */
  readonly address: string;
  /** Answers `name` with `ipv4` from now on (replaces an earlier mapping). */
  map(name: string, ipv4: string): void;
  /** The environment a process built with the e2e resolver needs. */
  env(): { E2E_DNS: string };
  /** Names asked so far, with the answer given (for the report and error messages). */
  queries(): readonly string[];
  stop(): Promise<void>;
}

const TYPE_A = 1;
const RCODE_REFUSED = 5;
const RCODE_FORMERR = 1;

const normal = (name: string): string => name.toLowerCase().replace(/\.$/, '');

interface Question {
  readonly name: string;
  readonly type: number;
  /** Offset just past the question (type and class included). */
  readonly end: number;
}

function readQuestion(msg: Buffer): Question | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return undefined; // exactly one question
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length) {
    const len = msg[i];
    if (len === 0) break;
    if (len > 63 || i + 1 + len > msg.length) return undefined; // no compression in questions
    labels.push(msg.toString('latin1', i + 1, i + 1 + len));
    i += 1 + len;
  }
  if (i + 5 > msg.length) return undefined;
  return { name: labels.join('.'), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

/** The reply to one query (RFC 1035 §4.1): the question echoed, at most one A record. */
export function answer(msg: Buffer, names: ReadonlyMap<string, string>): { reply: Buffer; note: string } {
  const q = readQuestion(msg);
  const header = Buffer.alloc(12);
  if (msg.length >= 2) msg.copy(header, 0, 0, 2); // id
  const rd = msg.length >= 3 ? msg[2] & 0x01 : 0;
  if (!q) {
    header.writeUInt16BE(0x8000 | (rd << 8) | RCODE_FORMERR, 2);
    return { reply: header, note: 'malformed query: FORMERR' };
  }
  const ip = names.get(normal(q.name));
  const question = msg.subarray(12, q.end);
  header.writeUInt16BE(0x8000 | 0x0400 | (rd << 8) | 0x0080 | (ip ? 0 : RCODE_REFUSED), 2); // QR AA RD RA rcode
  header.writeUInt16BE(1, 4);
  if (!ip || q.type !== TYPE_A) {
    return { reply: Buffer.concat([header, question]), note: `${q.name} type ${q.type}: ${ip ? 'no records' : 'REFUSED'}` };
  }
  header.writeUInt16BE(1, 6);
  const rr = Buffer.alloc(16);
  rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
  rr.writeUInt16BE(TYPE_A, 2);
  rr.writeUInt16BE(1, 4); // IN
  rr.writeUInt32BE(5, 6); // TTL: the e2e may remap
  rr.writeUInt16BE(4, 10);
  ip.split('.').forEach((o, k) => rr.writeUInt8(Number(o), 12 + k));
  return { reply: Buffer.concat([header, question, rr]), note: `${q.name} A ${ip}` };
}

export async function startClusterDns(): Promise<ClusterDns> {
  const names = new Map<string, string>();
  const asked: string[] = [];
  const reply = (msg: Buffer): Buffer => {
    const { reply: r, note } = answer(msg, names);
    if (asked.length < 1000) asked.push(note);
    return r;
  };
  const udp: Socket = createSocket('udp4');
  udp.on('message', (msg, rinfo) => udp.send(reply(msg), rinfo.port, rinfo.address));
  await new Promise<void>((res, rej) => {
    udp.once('error', rej);
    udp.bind(0, '127.0.0.1', () => res());
  });
  const port = udp.address().port;
  // TCP on the same port: a resolver falls back to it when a UDP answer is truncated.
  const tcp: Server = createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const r = reply(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(r.length);
        s.write(Buffer.concat([len, r]));
      }
    });
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((res, rej) => {
    tcp.once('error', rej);
    tcp.listen(port, '127.0.0.1', () => res());
  }).catch(async (e) => {
    udp.close();
    throw new Error(`cluster DNS: UDP got 127.0.0.1:${port} but TCP could not listen there: ${(e as Error).message}`);
  });
  const address = `127.0.0.1:${port}`;
  return {
    address,
    map: (name, ipv4) => {
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ipv4)) throw new Error(`cluster DNS: '${ipv4}' (for ${name}) is not an IPv4 address`);
      names.set(normal(name), ipv4);
    },
    env: () => ({ E2E_DNS: address }),
    queries: () => asked,
    stop: async () => {
      udp.close();
      await new Promise<void>((res) => tcp.close(() => res()));
    },
  };
}
