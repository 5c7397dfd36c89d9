import type { ApiObject } from 'cdk8s';
import { installFastToJson } from './fast-json.ts';

// Every toJson() of a run takes the fast path (lib/synth/fast-json.ts): the ones below, the
// generated classes' super calls, and any chart reading an object's JSON.
installFastToJson();

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
