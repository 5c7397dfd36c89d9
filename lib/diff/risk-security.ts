/**
 * Risk flags on security: a pod's security context weakened or a Pod Security exception added,
 * and admission/runtime policy disabled (Gatekeeper constraints, Kyverno, Falco rules).
 */
import { parseAllDocuments } from 'yaml';
import { selectorMatches } from '../network/reachability.ts';
import { groupOf } from '../synth/layout.ts';
import type { DiffObject, LocatedObject } from './objects.ts';
import { containersOf, podTemplateOf, type PodSpec, type SecurityContext } from './pods.ts';
import { finding, type RiskFinding, type RiskRule } from './risk-types.ts';
// ---------------------------------------------------------------------------------------------
// Security context weakened, or a Pod Security exception added.

const PSS_LEVELS = ['privileged', 'baseline', 'restricted'];

/** Every way a pod falls short of PSS `restricted` (plus a few hardening defaults), as sentences. */
function weaknesses(spec: PodSpec): Set<string> {
  const out = new Set<string>();
  const pod: SecurityContext = spec.securityContext ?? {};
  if (spec.hostNetwork) out.add('hostNetwork: true');
  if (spec.hostPID) out.add('hostPID: true');
  if (spec.hostIPC) out.add('hostIPC: true');
  if (spec.automountServiceAccountToken !== false) out.add('service account token mounted');
  for (const v of spec.volumes ?? []) if (v.hostPath) out.add(`volume ${v.name} is a hostPath`);
  for (const { container, init } of containersOf(spec)) {
    const c: SecurityContext = container.securityContext ?? {};
    const at = `${init ? 'init container' : 'container'} ${container.name}`;
    const pick = <K extends keyof SecurityContext>(k: K) => c[k] ?? pod[k];
    if (pick('runAsNonRoot') !== true) out.add(`${at}: runAsNonRoot not true`);
    if (pick('runAsUser') === 0) out.add(`${at}: runAsUser 0`);
    if (c.privileged) out.add(`${at}: privileged`);
    if (c.allowPrivilegeEscalation !== false) out.add(`${at}: allowPrivilegeEscalation not false`);
    if (c.readOnlyRootFilesystem !== true) out.add(`${at}: root filesystem writable`);
    if (!(c.capabilities?.drop ?? []).includes('ALL')) out.add(`${at}: capabilities not dropping ALL`);
    for (const cap of c.capabilities?.add ?? []) out.add(`${at}: adds capability ${cap}`);
    const seccomp = (c.seccompProfile ?? pod.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.add(`${at}: seccompProfile ${seccomp ?? 'unset'}`);
    for (const p of container.ports ?? []) if (p.hostPort) out.add(`${at}: hostPort ${p.hostPort}`);
  }
  return out;
}

function templateAnnotations(o: DiffObject | undefined): Record<string, string> {
  const path = o && (o.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template']);
  const template = path?.reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], o) as
    | { metadata?: { annotations?: Record<string, string> } }
    | undefined;
  return template?.metadata?.annotations ?? {};
}

export const securityRule: RiskRule = (diffs, { options }) => {
  const exception = options.exceptionAnnotation ?? /exception|exempt|^ignore-check\.kube-linter\.io\//i;
  const out: RiskFinding[] = [];
  for (const d of diffs.filter((x) => x.status !== 'removed')) {
    const after = podTemplateOf(d.new);
    if (after) {
      const before = podTemplateOf(d.old);
      const had = before ? weaknesses(before.spec) : new Set<string>();
      for (const w of weaknesses(after.spec)) if (!had.has(w)) out.push(finding('security-weakened', d, w));
    }
    // Exceptions are recorded on the object or on its pod template.
    const annotated = (o?: DiffObject) => ({ ...o?.metadata?.annotations, ...templateAnnotations(o) });
    const oldAnnotations = annotated(d.old);
    for (const [key, value] of Object.entries(annotated(d.new))) {
      if (exception.test(key) && oldAnnotations[key] !== value) {
        out.push(finding('security-weakened', d, `exception annotation ${key}: ${value}`));
      }
    }
    if (d.kind === 'Namespace') {
      const label = 'pod-security.kubernetes.io/enforce';
      const was = d.old?.metadata?.labels?.[label] ?? (d.old ? 'privileged' : 'restricted');
      const now = d.new!.metadata?.labels?.[label] ?? 'privileged';
      if (PSS_LEVELS.indexOf(now) < PSS_LEVELS.indexOf(was)) out.push(finding('security-weakened', d, `${label} ${was} → ${now}`));
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// CRD-bound policy disabled: Gatekeeper constraint relaxed or removed, Kyverno policy set to
// audit, Falco rule disabled or removed.

const GATEKEEPER_ACTIONS = ['dryrun', 'warn', 'deny'];

interface ConstraintMatch {
  namespaces?: string[];
  excludedNamespaces?: string[];
  namespaceSelector?: Parameters<typeof selectorMatches>[0];
}

/** Does a Gatekeeper `match` cover namespace `name` (labels `labels`)? Names may end in `*`. */
function constraintCovers(match: ConstraintMatch | undefined, name: string, labels: Record<string, string>): boolean {
  const named = (list: string[]) => list.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p === name));
  if (match?.namespaces?.length && !named(match.namespaces)) return false;
  if (match?.excludedNamespaces && named(match.excludedNamespaces)) return false;
  return !match?.namespaceSelector || selectorMatches(match.namespaceSelector, { ...labels, 'kubernetes.io/metadata.name': name });
}

/** Strongest enforcementAction per `constraint kind|namespace` over the rendered namespaces. */
function enforcement(objects: readonly LocatedObject[]): Map<string, { level: number; group: string }> {
  const namespaces = objects.filter((o) => o.object.kind === 'Namespace');
  const levels = new Map<string, { level: number; group: string }>();
  for (const { object } of objects) {
    if (!object.apiVersion.startsWith('constraints.gatekeeper.sh/')) continue;
    const spec = (object.spec ?? {}) as { enforcementAction?: string; match?: ConstraintMatch };
    const level = GATEKEEPER_ACTIONS.indexOf(spec.enforcementAction ?? 'deny');
    for (const ns of namespaces) {
      const name = ns.object.metadata.name ?? '';
      if (!constraintCovers(spec.match, name, ns.object.metadata.labels ?? {})) continue;
      const key = `${object.kind}|${name}`;
      if ((levels.get(key)?.level ?? -1) < level) levels.set(key, { level, group: groupOf(ns.path) });
    }
  }
  return levels;
}

export const policyRule: RiskRule = (diffs, { before, after }) => {
  const out: RiskFinding[] = [];
  // Enforcement that moved between constraints (deny constraint narrowed, warn one widened) or
  // changed with namespace labels: per constraint kind and namespace, the strongest action.
  const was = enforcement(before);
  const now = enforcement(after);
  for (const [key, { level, group }] of was) {
    const next = now.get(key)?.level ?? -1;
    if (next >= level) continue;
    const [kind, namespace] = key.split('|');
    out.push({
      rule: 'policy-disabled',
      group,
      object: `${kind} constraints`,
      detail: `${namespace}: ${GATEKEEPER_ACTIONS[level]} → ${next < 0 ? 'not enforced' : GATEKEEPER_ACTIONS[next]}`,
    });
  }
  for (const d of diffs) {
    const object = (d.old ?? d.new)!;
    if (object.apiVersion.startsWith('constraints.gatekeeper.sh/')) {
      if (d.status === 'removed') {
        out.push(finding('policy-disabled', d, 'Gatekeeper constraint removed'));
      } else if (d.status === 'changed') {
        const action = (o: DiffObject) => ((o.spec as { enforcementAction?: string } | undefined)?.enforcementAction ?? 'deny');
        const [was, now] = [action(d.old!), action(d.new!)];
        if (GATEKEEPER_ACTIONS.indexOf(now) < GATEKEEPER_ACTIONS.indexOf(was)) {
          out.push(finding('policy-disabled', d, `enforcementAction ${was} → ${now}`));
        }
        const excluded = (o: DiffObject) => (o.spec as { match?: { excludedNamespaces?: string[] } } | undefined)?.match?.excludedNamespaces ?? [];
        const fresh = excluded(d.new!).filter((ns) => !excluded(d.old!).includes(ns));
        if (fresh.length) out.push(finding('policy-disabled', d, `newly excluded namespaces ${fresh.join(', ')}`));
      }
    }
    if (object.apiVersion.startsWith('templates.gatekeeper.sh/') && d.status === 'removed') {
      out.push(finding('policy-disabled', d, 'ConstraintTemplate removed (its constraints stop working)'));
    }
    if (object.apiVersion.startsWith('kyverno.io/') && (d.kind === 'ClusterPolicy' || d.kind === 'Policy')) {
      const action = (o?: DiffObject) => String((o?.spec as { validationFailureAction?: string } | undefined)?.validationFailureAction ?? 'Audit').toLowerCase();
      if (d.status === 'removed') out.push(finding('policy-disabled', d, 'Kyverno policy removed'));
      else if (d.status === 'changed' && action(d.old) === 'enforce' && action(d.new) !== 'enforce') {
        out.push(finding('policy-disabled', d, `validationFailureAction ${action(d.old)} → ${action(d.new)}`));
      }
    }
    const was = falcoRules(d.old);
    const now = falcoRules(d.new);
    for (const [rule, enabled] of was) {
      if (!enabled) continue;
      if (!now.has(rule)) out.push(finding('policy-disabled', d, `Falco rule '${rule}' removed`));
      else if (!now.get(rule)) out.push(finding('policy-disabled', d, `Falco rule '${rule}' disabled`));
    }
  }
  return out;
};

/** Falco rules found in any YAML text inside `object` (ConfigMap data, Helm values): name → enabled. */
export function falcoRules(object: DiffObject | undefined): Map<string, boolean> {
  const rules = new Map<string, boolean>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      if (!/^\s*-\s*rule:/m.test(node)) return;
      for (const doc of parseAllDocuments(node)) {
        const items = doc.errors.length ? undefined : (doc.toJS() as unknown);
        if (Array.isArray(items)) visit(items);
      }
    } else if (Array.isArray(node)) {
      for (const item of node) {
        const rule = item as { rule?: unknown; enabled?: unknown; override?: { enabled?: unknown } } | null;
        if (rule && typeof rule === 'object' && typeof rule.rule === 'string') {
          const enabled = rule.enabled !== false;
          // A later entry for the same rule (append/override) decides, as in Falco itself.
          if (rule.enabled !== undefined || !rules.has(rule.rule)) rules.set(rule.rule, enabled);
        } else {
          visit(item);
        }
      }
    } else if (node && typeof node === 'object') {
      for (const v of Object.values(node)) visit(v);
    }
  };
  if (object) visit(object);
  return rules;
}
