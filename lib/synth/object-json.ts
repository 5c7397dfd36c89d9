import type { ApiObject } from 'cdk8s';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

const rendered = new WeakMap<ApiObject, KubeObject>();

/**
 * `object.toJson()`, computed once per object: readers that run after every chart is built (the
 * dependency graph of charts/argocd.ts, then render) share it instead of resolving twice.
 */
export function objectJson(object: ApiObject): KubeObject {
  let json = rendered.get(object);
  if (!json) {
    json = object.toJson() as KubeObject;
    rendered.set(object, json);
  }
  return json;
}
