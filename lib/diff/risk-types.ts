/**
 * Risk flags: changes a reviewer must look at before approving, each with the objects involved.
 * The types every rule shares; the rules are lib/diff/risk-*.ts, the list of them lib/diff/risk.ts.
 */
import type { ReachabilityInput } from '../network/reachability.ts';
import { describeObject, type LocatedObject, type ObjectDiff } from './objects.ts';

export type RiskId =
  | 'prune'
  | 'protected'
  | 'rbac-widened'
  | 'network-widened'
  | 'capacity-lowered'
  | 'resources-changed'
  | 'security-weakened'
  | 'image-changed'
  | 'policy-disabled';

export interface RiskFinding {
  readonly rule: RiskId;
  /** Group of the object (environment folder or `argocd`); `cluster-wide` for evaluator pairs. */
  readonly group: string;
  /** `Deployment flextime-production/api-svc`. */
  readonly object: string;
  /** What changed, e.g. `replicas 3 → 2`. */
  readonly detail: string;
}

/**
 * A NetworkPolicy evaluator: every connection the policies allow between the pods.
 * A pair allowed after the change but not before is a widening.
 */
export type ReachabilityEvaluator = (input: ReachabilityInput) => ReadonlySet<string>;

export interface RiskOptions {
  /**
   * Groups (the folder under dist/) in which every change is flagged.
   * @default [] - nothing is protected
   */
  readonly protectedGroups?: readonly string[];
  /**
   * Further namespaces in which every change is flagged, including ArgoCD Applications that
   * deploy there. Namespaces of objects in `protectedGroups` are always protected.
   * @default []
   */
  readonly protectedNamespaces?: readonly string[];
  /**
   * A request or limit that moves by more than this fraction of its old value is flagged.
   * @default 0.5
   */
  readonly resourceChangeRatio?: number;
  /**
   * NetworkPolicy evaluator. Without one, any new or changed ingress/egress rule, selector
   * change or removed policy counts as widened (conservative).
   * @default - conservative rule-level comparison
   */
  readonly reachability?: ReachabilityEvaluator;
  /**
   * Annotation keys (on the object or its pod template) that record a security exception.
   * @default /exception|exempt|^ignore-check\.kube-linter\.io\//i
   */
  readonly exceptionAnnotation?: RegExp;
}

export interface RiskContext {
  readonly before: readonly LocatedObject[];
  readonly after: readonly LocatedObject[];
  readonly options: RiskOptions;
}

export type RiskRule = (diffs: readonly ObjectDiff[], context: RiskContext) => RiskFinding[];

export function finding(rule: RiskId, d: ObjectDiff, detail: string): RiskFinding {
  return { rule, group: d.group, object: describeObject(d), detail };
}

export function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
