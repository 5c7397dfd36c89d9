/**
 * The controllers' processes (redis, argocd-repo-server, argocd-application-controller) run under
 * the cluster's process supervision (e2e/cluster/processes.ts: own process group each — so the
 * git and helm commands the repo-server forks go too — stopped on stop(), exit and Ctrl-C).
 * This file adds the small API the controllers use: start with a log file and extra env, wait
 * until a port listens.
 */
import { connect } from 'node:net';
import { startProcess as startInGroup, stopProcess, tail, type Started } from '../cluster/processes.ts';

export { freePort } from '../../test/ports.ts';

/**
 * Label of a Pod object that stands for a controller running as a local process (never
 * scheduled; e.g. the owner Gatekeeper gives its status objects). Scenarios leave such pods out
 * of "every pod runs on a simulated node" and print them.
 */
export const PROCESS_LABEL = 'flextime.io/e2e-process';

export interface Proc {
  readonly name: string;
  readonly started: Started;
  readonly logFile: string;
  /** Last lines of the log, for error messages. */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export function startProcess(name: string, command: string, args: string[], opts: { logFile: string; env?: Record<string, string> }): Proc {
  const started = startInGroup(name, command, args, opts.logFile, { ...process.env, ...opts.env });
  return {
    name,
    started,
    logFile: opts.logFile,
    tail: (lines = 20) => tail(opts.logFile, lines),
    stop: () => stopProcess(started, 10_000),
  };
}

/**
 * Resolves once `port` accepts connections; fails at once with the log tail if the process
 * exits, and after `timeoutMs` with what was expected.
 */
export async function waitForPort(proc: Proc, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  void proc.started.exited.then(({ code, signal }) => (exited = `exited (${code ?? signal})`));
  for (;;) {
    if (exited) throw new Error(`${proc.name} ${exited} before listening on 127.0.0.1:${port}:\n${proc.tail()}`);
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), res(true)));
      s.once('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`expected ${proc.name} to listen on 127.0.0.1:${port} within ${timeoutMs / 1000} s, saw no listener:\n${proc.tail()}`);
    // Connection refused: still starting. A port has no event to wait on; try again shortly.
    await new Promise((r) => setTimeout(r, 100));
  }
}
