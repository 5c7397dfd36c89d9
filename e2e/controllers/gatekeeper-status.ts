/**
 * What an operator reads off a running Gatekeeper: the rendered ConstraintTemplates and
 * constraints (from dist/: which objects to look at, not what to expect of them), their state in
 * the cluster (template created, constraint enforced, audit results), the API server's counts of
 * its calls to the webhook, and the denials Gatekeeper logged (--log-denies).
 */
import { readFileSync } from 'node:fs';
import { walkYaml, readObjects } from './addons.ts';
import { kubePath, type Kube, type KubeObject } from './kube.ts';

export const CONSTRAINTS_GROUP = 'constraints.gatekeeper.sh';
const TEMPLATES = kubePath('templates.gatekeeper.sh/v1', 'constrainttemplates');

export interface ConstraintRef {
  readonly kind: string;
  readonly name: string;
  /** spec.enforcementAction as rendered (Gatekeeper's default is deny). */
  readonly enforcementAction: string;
}

export const constraintsPath = (kind: string) => kubePath(`${CONSTRAINTS_GROUP}/v1beta1`, kind.toLowerCase());
export const describeConstraint = (c: { kind: string; name: string }) => `${c.kind}/${c.name}`;

/** The ConstraintTemplates and constraints dist/ renders. */
export function renderedPolicies(root: string): { templates: string[]; constraints: ConstraintRef[] } {
  const objs = readObjects(walkYaml(`${root}/dist`));
  return {
    templates: objs.filter((o) => o.kind === 'ConstraintTemplate').map((o) => o.metadata!.name as string).sort(),
    constraints: objs
      .filter((o) => String(o.apiVersion).startsWith(`${CONSTRAINTS_GROUP}/`))
      .map((o) => ({ kind: o.kind as string, name: o.metadata!.name as string, enforcementAction: o.spec?.enforcementAction ?? 'deny' })),
  };
}

type ByPod = { id: string; enforced?: boolean; errors?: { message: string }[] };
const podErrors = (o: KubeObject | undefined) => (o?.status?.byPod ?? []).flatMap((p: ByPod) => (p.errors ?? []).map((e) => e.message));

/** Waits until Gatekeeper created every template's constraint CRD (status.created) without errors. */
export async function waitTemplatesCreated(kube: Kube, names: readonly string[], timeoutMs: number): Promise<void> {
  const state = (objs: KubeObject[]) =>
    names.map((n) => {
      const o = objs.find((x) => x.metadata?.name === n);
      return { n, ok: o?.status?.created === true && podErrors(o).length === 0, why: !o ? 'absent' : podErrors(o).join('; ') || `created ${o.status?.created ?? '(unset)'}` };
    });
  await kube.waitFor(
    { path: TEMPLATES, what: `all ${names.length} ConstraintTemplates created by Gatekeeper`, timeoutMs, describe: (objs) => state(objs).filter((s) => !s.ok).map((s) => `${s.n}: ${s.why}`).join(', ') },
    (objs) => (state(objs).every((s) => s.ok) ? true : undefined),
  );
}

/**
 * Waits, on each constraint kind's collection, until `check` holds for every listed constraint
 * of that kind; returns the constraints as last seen.
 */
export async function waitConstraints(
  kube: Kube,
  constraints: readonly ConstraintRef[],
  opts: { what: string; timeoutMs: number; check: (o: KubeObject | undefined) => string | undefined },
): Promise<KubeObject[]> {
  const kinds = [...new Set(constraints.map((c) => c.kind))];
  const perKind = await Promise.all(
    kinds.map((kind) => {
      const names = constraints.filter((c) => c.kind === kind).map((c) => c.name);
      const problems = (objs: KubeObject[]) =>
        names.flatMap((n) => {
          const why = opts.check(objs.find((o) => o.metadata?.name === n));
          return why ? [`${kind}/${n}: ${why}`] : [];
        });
      return kube.waitFor(
        { path: constraintsPath(kind), what: `${opts.what} (${kind})`, timeoutMs: opts.timeoutMs, describe: (objs) => problems(objs).join(', ') },
        (objs) => (problems(objs).length ? undefined : objs.filter((o) => names.includes(o.metadata?.name as string))),
      );
    }),
  );
  return perKind.flat();
}

/** Why a constraint is not in force yet (undefined when it is). */
export function notEnforced(o: KubeObject | undefined): string | undefined {
  if (!o) return 'absent';
  const pods: ByPod[] = o.status?.byPod ?? [];
  if (!pods.length) return 'no status from Gatekeeper yet';
  if (podErrors(o).length) return `errors: ${podErrors(o).join('; ')}`;
  return pods.every((p) => p.enforced === true) ? undefined : 'not enforced';
}

/** Audit result lines of constraints that report violations (or none at all). */
export function violationLines(objs: readonly KubeObject[]): string[] {
  return objs
    .filter((o) => o.status?.totalViolations !== 0)
    .map((o) => {
      const v: { kind: string; namespace?: string; name: string; message: string }[] = o.status?.violations ?? [];
      const sample = v.slice(0, 3).map((x) => `${x.kind} ${x.namespace ? `${x.namespace}/` : ''}${x.name}: ${x.message}`);
      return `${o.kind}/${o.metadata!.name}: totalViolations ${o.status?.totalViolations ?? '(not audited)'}${sample.length ? ` — ${sample.join(' | ')}` : ''}`;
    });
}

/** The audit check: throws, listing each constraint that reports violations (or was never audited). */
export function assertNoViolations(objs: readonly KubeObject[]): void {
  const lines = violationLines(objs);
  if (lines.length) throw new Error(`expected every constraint to report totalViolations 0 after the audit, saw:\n${lines.join('\n')}`);
}

/** The API server's counters of its calls to Gatekeeper's webhooks (its /metrics). */
export async function webhookCalls(kube: Kube): Promise<{ answered: number; denied: number; failedOpen: number; callErrors: number; lines: string[] }> {
  const text = String(await kube.request('GET', '/metrics'));
  const lines = text.split('\n').filter((l) => /^apiserver_admission_webhook_(request_total|rejection_count|fail_open_count)\{/.test(l) && /name="[^"]*\.gatekeeper\.sh"/.test(l));
  const sum = (re: RegExp) => lines.filter((l) => re.test(l)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  return {
    answered: sum(/^apiserver_admission_webhook_request_total\{.*code="200"/),
    denied: sum(/^apiserver_admission_webhook_rejection_count\{.*error_type="no_error"/),
    failedOpen: sum(/^apiserver_admission_webhook_fail_open_count\{/),
    callErrors: sum(/^apiserver_admission_webhook_rejection_count\{(?!.*error_type="no_error")/),
    lines,
  };
}

/** Denials Gatekeeper logged (--log-denies), one line each: constraint → object, message. */
export function loggedDenials(logFile: string): string[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"denied admission'))
    .map((l) => {
      const e = JSON.parse(l);
      return `[${e.constraint_name}] ${e.resource_kind} ${e.resource_namespace ? `${e.resource_namespace}/` : ''}${e.resource_name} by ${e.request_username}: ${String(e.msg).replace(/^denied admission: /, '')}`;
    });
}

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

/** Whether a label selector selects these labels (metav1.LabelSelector semantics). */
function selects(sel: Selector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  const okLabels = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const okExpr = (sel.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    switch (e.operator) {
      case 'In': return has && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn': return !has || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  });
  return okLabels && okExpr;
}

/** Whether a constraint's match (namespaces, excludedNamespaces, namespaceSelector) covers a namespace. */
export function coversNamespace(constraint: KubeObject, ns: KubeObject): boolean {
  const m = constraint.spec?.match ?? {};
  const name = ns.metadata!.name as string;
  const glob = (p: string) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name);
  if (m.scope === 'Cluster') return false;
  if ((m.excludedNamespaces ?? []).some(glob)) return false;
  if (m.namespaces && !m.namespaces.some(glob)) return false;
  return selects(m.namespaceSelector, ns.metadata?.labels ?? {});
}
