/**
 * Child processes of the e2e cluster, each in its own process group, all stopped on stop(), on
 * exit, on an uncaught error and on SIGINT/SIGTERM — nothing outlives the run.
 *
 * A process is started `detached` (setsid: its pid is its process-group id), so stopping it
 * signals the whole group (`kill(-pid)`), including anything it forked. SIGTERM, a grace period,
 * then SIGKILL; the group is gone when stop() resolves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

export interface Started {
  name: string;
  pid: number;
  log: string;
  child: ChildProcess;
  /** Resolves when the process has exited (any reason). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<Started>();
/** Synchronous clean-ups (work dirs) run after the processes are gone, also on a signal or exit. */
const cleanups = new Set<() => void>();
let hooked = false;

/** Registers a synchronous clean-up for exit/signal; returns a function that unregisters it. */
export function onCleanup(fn: () => void): () => void {
  hookProcessExit();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

function runCleanups(): void {
  for (const fn of cleanups) { try { fn(); } catch { /* best effort */ } }
  cleanups.clear();
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL every group still running; synchronous, so it can run in an 'exit' handler. */
function killAllNow(): void {
  for (const p of live) {
    try { process.kill(-p.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  live.clear();
}

function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => { killAllNow(); runCleanups(); });
  // One shutdown whatever signals arrive (a terminal's Ctrl-C reaches npm, npx and node at once,
  // and npm may follow up with SIGTERM); then re-raise the first so the parent sees it.
  let shutdown: Promise<void> | undefined;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (shutdown) return;
      shutdown = stopAll().finally(() => {
        runCleanups();
        for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(s);
        process.kill(process.pid, sig);
      });
    });
  }
}

/** Starts `cmd args` in its own process group, output appended to `log`. */
export function startProcess(name: string, cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env): Started {
  hookProcessExit();
  const out = createWriteStream(log, { flags: 'a' });
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: 127, signal: null }));
  });
  const p: Started = { name, pid: child.pid, log, child, exited };
  live.add(p);
  void exited.then(() => { if (!groupAlive(p.pid)) live.delete(p); });
  return p;
}

/** SIGTERM the process group, SIGKILL after `graceMs`; resolves when the whole group is gone. */
export async function stopProcess(p: Started, graceMs = 5000): Promise<void> {
  try { process.kill(-p.pid, 'SIGTERM'); } catch { /* gone */ }
  const deadline = Date.now() + graceMs;
  while (groupAlive(p.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (groupAlive(p.pid)) {
    try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
    while (groupAlive(p.pid)) await new Promise((r) => setTimeout(r, 20));
  }
  live.delete(p);
}

/**
 * Stops every process this module started: all but the first two started (etcd, the API
 * server) at once, then those in reverse order, so clients never outlive their server.
 */
export async function stopAll(): Promise<void> {
  const all = [...live];
  await Promise.all(all.slice(2).map((p) => stopProcess(p)));
  for (const p of all.slice(0, 2).reverse()) await stopProcess(p);
}

/** The last `n` lines of a process's log (for error messages). */
export function tail(log: string, n = 20): string {
  try {
    return readFileSync(log, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

/** True while any process of the group `pid` exists (used by the harness's own leak test). */
export const isGroupAlive = groupAlive;
