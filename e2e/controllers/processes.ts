/**
 * Local processes the controllers start (redis, argocd-repo-server, argocd-application-controller):
 * output to a log file each, stopped with SIGTERM (then SIGKILL after 10 s) by stop(), and
 * killed on process exit or Ctrl-C even when a test forgets to stop them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Last lines of the log, for error messages. */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

const running = new Set<Proc>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const p of running) {
      try {
        p.child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAll();
      process.kill(process.pid, sig);
    });
  }
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  opts: { logFile: string; env?: Record<string, string>; cwd?: string; argv0?: string },
): Proc {
  hookExit();
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(command, args, {
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    argv0: opts.argv0,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const proc: Proc = {
    name,
    child,
    logFile: opts.logFile,
    tail: (lines = 20) => {
      try {
        return readFileSync(opts.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '(no log)';
      }
    },
    stop: async () => {
      running.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((res) => child.once('exit', () => res()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
  running.add(proc);
  child.once('exit', () => running.delete(proc));
  return proc;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the caller binds it right after). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/**
 * Resolves once `port` accepts connections. Event-driven on the process: fails at once with the
 * log tail if the process exits, and after `timeoutMs` with what was expected.
 */
export async function waitForPort(proc: Proc, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  const onExit = (code: number | null, sig: string | null) => (exited = `exited (${code ?? sig})`);
  proc.child.once('exit', onExit);
  try {
    for (;;) {
      if (exited) throw new Error(`${proc.name} ${exited} before listening on ${port}:\n${proc.tail()}`);
      const ok = await new Promise<boolean>((res) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), res(true)));
        s.once('error', () => res(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`expected ${proc.name} to listen on 127.0.0.1:${port} within ${timeoutMs / 1000} s, saw no listener:\n${proc.tail()}`);
      // Connection refused: the process is still starting. Back off briefly before the next connect.
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    proc.child.off('exit', onExit);
  }
}
