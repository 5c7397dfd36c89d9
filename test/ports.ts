/**
 * Ports for the e2e's listeners.
 *
 * `listen(0)` hands out a port from the kernel's ephemeral range and frees it again before the
 * component binds it. The same range serves every outgoing connection on the machine, and a
 * running cluster makes thousands (ArgoCD, kwok, the controllers' watches), so in that window
 * a client socket can take the port: CI saw kube-apiserver fail with "bind: address already
 * in use" on a port freePort had just returned. Ports below the ephemeral range are never
 * given to client sockets, so only another listener could take one — and every port handed
 * out here is remembered for the life of the process, so two components never share one.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** The lowest port of the range: above well-known and common service ports. */
const FLOOR = 10_000;
const handedOut = new Set<number>();

/** The first port of the kernel's ephemeral range (Linux default 32768). */
function ephemeralStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > FLOOR + 1000) return low;
  } catch {
    // not Linux: keep the default below
  }
  return 32_768;
}

const CEILING = ephemeralStart();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 that nothing listens on, below the ephemeral range, never returned before. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FLOOR + Math.floor(Math.random() * (CEILING - FLOOR));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port on 127.0.0.1 in ${FLOOR}-${CEILING - 1} after 200 attempts`);
}
