/**
 * What admission answered to a create, as `kubectl create` shows it (created or refused, and the
 * warnings), and "the API server calls this webhook": a server-side dry-run that only the webhook
 * would answer the way `answered` wants (a denial with its message, a warning). Until the API
 * server has loaded a new webhook configuration, and until the webhook has its certificate, the
 * dry-run gets another answer; an admission request has no event to wait on, so it is asked
 * again every 200 ms until the deadline, then fails with the last answer and the process's log.
 */
import { KubeError, type Kube, type KubeObject } from './kube.ts';
import type { Proc } from './processes.ts';

export interface Verdict {
  readonly admitted: boolean;
  /** The refusal's message (empty when admitted). */
  readonly message: string;
  readonly warnings: readonly string[];
}

/** POST of `body` to collection `path` (a server-side dry-run unless `dryRun` is false). */
export async function admissionVerdict(kube: Kube, path: string, body: KubeObject, dryRun = true): Promise<Verdict> {
  try {
    const { warnings } = await kube.send('POST', `${path}${dryRun ? '?dryRun=All' : ''}`, body);
    return { admitted: true, message: '', warnings };
  } catch (e) {
    if (!(e instanceof KubeError)) throw e;
    return { admitted: false, message: typeof e.body === 'object' ? String(e.body.message) : e.message, warnings: [] };
  }
}

export const verdictLine = (v: Verdict) => (v.admitted ? `admitted${v.warnings.length ? ` with warnings: ${v.warnings.join(' | ')}` : ' without warnings'}` : `refused: ${v.message}`);

export async function waitAdmissionAnswer(
  kube: Kube,
  opts: { path: string; body: KubeObject; what: string; timeoutMs: number; proc?: Proc },
  answered: (v: Verdict) => boolean,
): Promise<Verdict> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await admissionVerdict(kube, opts.path, opts.body);
    if (answered(v)) return v;
    if (Date.now() > deadline) throw new Error(`expected ${opts.what} within ${opts.timeoutMs / 1000} s, saw the dry-run ${verdictLine(v)}${opts.proc ? `:\n${opts.proc.tail()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
