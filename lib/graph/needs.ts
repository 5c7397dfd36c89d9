/**
 * What one rendered object needs from elsewhere, read from its Kubernetes reference fields:
 * its kind (a custom resource needs its CRD), its namespace, and every field that names another
 * object — pod specs wherever they are nested (secretKeyRef, configMapKeyRef, envFrom, volumes,
 * imagePullSecrets, serviceAccountName, priorityClassName), PVC storage classes, IRSA role
 * annotations, and the kind-specific references of ./needs-kinds.ts.
 *
 * One pass over the object; optional references (`optional: true`) are not needs.
 */
import type { KubeObject } from '../synth/object-json.ts';
import { KIND_NEEDS } from './needs-kinds.ts';
import { podSpecNeeds, type AddNeed } from './pod-needs.ts';
import { DEFAULT_NAME, groupOfApiVersion, kindRef, objectRef, type Need, type Ref } from './refs.ts';

/** The EKS annotation that gives a ServiceAccount an IAM role (IRSA). */
export const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';
/** How a need names an IAM role: it is met by an external input (Terraform output), never by a node. */
export const IAM_ROLE = { group: 'iam.amazonaws.com', kind: 'Role' } as const;

type Json = Record<string, unknown>;

export interface ScanOptions {
  /**
   * Strings that stand for something outside the cluster (an RDS endpoint, a cache endpoint): a
   * string field that contains one needs its ref.
   * @default - none
   */
  readonly mentions?: ReadonlyMap<string, Ref>;
}

/** Every need of `object`, each with the field that refers. */
export function needsOf(object: KubeObject, options: ScanOptions = {}): Need[] {
  const needs: Need[] = [];
  const at = `${object.kind.toLowerCase()}-${object.metadata.name}`;
  const namespace = object.metadata.namespace;
  const add: AddNeed = (ref, path) => needs.push({ ref, field: `${at}.${path}` });
  const group = groupOfApiVersion(object.apiVersion);

  add(kindRef(group, object.kind), 'kind');
  if (namespace) add(objectRef('', 'Namespace', namespace), 'metadata.namespace');
  const mention = mentionMatcher(options.mentions);
  walk(object, '', (node, path) => {
    if (Array.isArray(node.containers)) podSpecNeeds(node, path, namespace, add);
    if (Array.isArray(node.volumeClaimTemplates)) {
      (node.volumeClaimTemplates as Json[]).forEach((t, i) => claimNeeds(t.spec as Json | undefined, `${path}.volumeClaimTemplates[${i}].spec`, add));
    }
    roleNeeds(node, path, add);
  }, mention && ((value, path) => mention(value, path, add)));
  if (group === '' && object.kind === 'PersistentVolumeClaim') claimNeeds(object.spec as Json | undefined, 'spec', add);
  KIND_NEEDS[`${group}/${object.kind}`]?.(object, add);
  return needs;
}

/** The IAM roles of IRSA annotations anywhere in `values` (an add-on's Helm values), with fields below `prefix`. */
export function roleNeedsIn(values: unknown, prefix: string): Need[] {
  const needs: Need[] = [];
  walk(values, prefix, (node, path) => roleNeeds(node, path, (ref, field) => needs.push({ ref, field })));
  return needs;
}

/** The IAM role of an `annotations` map below `node` that carries the IRSA annotation. */
function roleNeeds(node: Json, path: string, add: AddNeed): void {
  const role = (node.annotations as Json | undefined)?.[IRSA_ANNOTATION];
  if (typeof role === 'string') add(objectRef(IAM_ROLE.group, IAM_ROLE.kind, role), `${path}.annotations["${IRSA_ANNOTATION}"]`);
}

/** A PVC spec needs its StorageClass; without `storageClassName` the cluster's default one ('' means none). */
function claimNeeds(spec: Json | undefined, path: string, add: AddNeed): void {
  if (!spec || spec.storageClassName === '' || spec.volumeName) return;
  const name = typeof spec.storageClassName === 'string' ? spec.storageClassName : DEFAULT_NAME;
  add(objectRef('storage.k8s.io', 'StorageClass', name), `${path}.storageClassName`);
}

/** Visits every object below `node` (arrays included, `metadata.labels` and strings skipped) with its path. */
function walk(node: unknown, path: string, visit: (node: Json, path: string) => void, onString?: (value: string, path: string) => void): void {
  if (typeof node === 'string') {
    onString?.(node, path);
  } else if (Array.isArray(node)) {
    node.forEach((x, i) => walk(x, `${path}[${i}]`, visit, onString));
  } else if (typeof node === 'object' && node !== null) {
    visit(node as Json, path);
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'labels') walk(value, path ? `${path}.${key}` : key, visit, onString);
    }
  }
}

type MentionMatcher = (value: string, path: string, add: AddNeed) => void;
const matchers = new WeakMap<ReadonlyMap<string, Ref>, MentionMatcher>();

/** One regular expression for all mentions (built once per map), so a string is tested once whatever their number. */
function mentionMatcher(mentions: ReadonlyMap<string, Ref> | undefined): MentionMatcher | undefined {
  if (!mentions?.size) return undefined;
  const known = matchers.get(mentions);
  if (known) return known;
  const keys = [...mentions.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const matcher: MentionMatcher = (value, path, add) => {
    for (const hit of new Set(value.match(pattern) ?? [])) add(mentions.get(hit)!, path);
  };
  matchers.set(mentions, matcher);
  return matcher;
}
