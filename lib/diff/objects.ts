/**
 * Two sets of rendered objects → one ObjectDiff per object that was added, removed or changed.
 *
 * Objects are matched by identity (API group, kind, namespace, name), not by file path, so a
 * file rename alone is reported as a move and never as remove + add.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { groupOf } from '../synth/layout.ts';
import { diffValues, type FieldChange } from './values.ts';

/** The part of a Kubernetes object the diff relies on. */
export interface DiffObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** An object and the file (relative, `/`-separated) it was rendered into. */
export interface LocatedObject {
  readonly path: string;
  readonly object: DiffObject;
}

export type ObjectStatus = 'added' | 'removed' | 'changed';

export interface ObjectDiff {
  /** `apps/Deployment/flextime-production/api-svc`. */
  readonly key: string;
  /** Where a reviewer looks for it: the environment folder under dist/, or `argocd`. */
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly status: ObjectStatus;
  /** File after the change (before, for a removed object). */
  readonly path: string;
  /** File before, when the object moved to another file. */
  readonly movedFrom?: string;
  readonly old?: DiffObject;
  readonly new?: DiffObject;
  /** Field changes, for `changed` objects; empty otherwise. */
  readonly changes: readonly FieldChange[];
}

/** `apps/v1` → `apps`, `v1` → `` (core). */
export function apiGroupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
}

/** Identity of an object: stable across API versions and file names. */
export function objectKey(o: DiffObject): string {
  return [apiGroupOf(o.apiVersion), o.kind, o.metadata?.namespace ?? '', o.metadata?.name ?? ''].join('/');
}

/** `Deployment flextime-production/api-svc`, `ClusterRole view-schedules`. */
export function describeObject(d: Pick<ObjectDiff, 'kind' | 'namespace' | 'name'>): string {
  return `${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}`;
}


/**
 * Every object in the YAML files below `root`/`folder` for each folder (missing folders are
 * empty). A file may hold several documents; empty documents are skipped.
 */
export function loadObjects(root: string, folders: readonly string[] = ['dist', 'argocd']): LocatedObject[] {
  const out: LocatedObject[] = [];
  for (const folder of folders) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => join(e.parentPath, e.name))
      .sort();
    for (const file of files) {
      const path = relative(root, file).split(sep).join('/');
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        if (doc.errors.length) throw new Error(`${path}: ${doc.errors[0]!.message}`);
        const object = doc.toJS() as DiffObject | null;
        if (object && typeof object === 'object' && object.kind) out.push({ path, object });
      }
    }
  }
  return out;
}

/** Per object: added, removed or changed (unchanged objects are left out), in a stable order. */
export function diffObjects(before: readonly LocatedObject[], after: readonly LocatedObject[]): ObjectDiff[] {
  const index = (list: readonly LocatedObject[]) => {
    const map = new Map<string, LocatedObject>();
    for (const item of list) {
      let key = objectKey(item.object);
      // Two files with one identity would fight in the cluster; keep both visible in the diff.
      if (map.has(key)) key = `${key}#${item.path}`;
      map.set(key, item);
    }
    return map;
  };
  const a = index(before);
  const b = index(after);
  const out: ObjectDiff[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const was = a.get(key);
    const now = b.get(key);
    const object = (now ?? was)!.object;
    const base = {
      key,
      kind: object.kind,
      namespace: object.metadata?.namespace,
      name: object.metadata?.name ?? '',
      group: groupOf((now ?? was)!.path),
      path: (now ?? was)!.path,
    };
    if (!was) {
      out.push({ ...base, status: 'added', new: now!.object, changes: [] });
    } else if (!now) {
      out.push({ ...base, status: 'removed', old: was.object, changes: [] });
    } else {
      const changes = diffValues(was.object, now.object);
      const moved = was.path !== now.path;
      if (changes.length || moved) {
        out.push({ ...base, status: 'changed', old: was.object, new: now.object, changes, ...(moved ? { movedFrom: was.path } : {}) });
      }
    }
  }
  return out.sort((x, y) => compare(x.group, y.group) || compare(x.path, y.path) || compare(x.key, y.key));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
