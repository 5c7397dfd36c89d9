/**
 * Reference fields of a pod spec and its containers, wherever the pod spec is nested (Deployment,
 * StatefulSet, CronJob, Rollout, k6 runners, ...): ServiceAccount, PriorityClass, image pull
 * Secrets, volumes (Secret, ConfigMap, projected, PVC) and env / envFrom references.
 */
import { objectRef, type Ref } from './refs.ts';

/** Adds a need of `ref` found at `path` (relative to the object). */
export type AddNeed = (ref: Ref, path: string) => void;
type Json = Record<string, unknown>;

/**
 * The needs of a pod spec (or of anything shaped like one: `containers` beside pod-level fields)
 * at `path` in an object of `namespace`.
 */
export function podSpecNeeds(spec: Json, path: string, namespace: string | undefined, add: AddNeed): void {
  const inNs = (kind: string, name: unknown, at: string) => {
    if (typeof name === 'string') add(objectRef('', kind, name, namespace), `${path}.${at}`);
  };
  inNs('ServiceAccount', spec.serviceAccountName, 'serviceAccountName');
  if (typeof spec.priorityClassName === 'string') add(objectRef('scheduling.k8s.io', 'PriorityClass', spec.priorityClassName), `${path}.priorityClassName`);
  list(spec.imagePullSecrets).forEach((s, i) => inNs('Secret', s.name, `imagePullSecrets[${i}].name`));
  list(spec.volumes).forEach((v, i) => {
    const at = `volumes[${i}]`;
    const secret = v.secret as Json | undefined;
    const configMap = v.configMap as Json | undefined;
    if (secret && !secret.optional) inNs('Secret', secret.secretName, `${at}.secret.secretName`);
    if (configMap && !configMap.optional) inNs('ConfigMap', configMap.name, `${at}.configMap.name`);
    inNs('PersistentVolumeClaim', (v.persistentVolumeClaim as Json | undefined)?.claimName, `${at}.persistentVolumeClaim.claimName`);
    list((v.projected as Json | undefined)?.sources).forEach((s, j) => {
      for (const [key, kind] of [['secret', 'Secret'], ['configMap', 'ConfigMap']] as const) {
        const source = s[key] as Json | undefined;
        if (source && !source.optional) inNs(kind, source.name, `${at}.projected.sources[${j}].${key}.name`);
      }
    });
  });
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    list(spec[key]).forEach((c, i) => containerNeeds(c, `${path}.${key}[${i}]`, namespace, add));
  }
}

/** env[].valueFrom.{secretKeyRef,configMapKeyRef} and envFrom[].{secretRef,configMapRef} of one container. */
export function containerNeeds(container: Json, path: string, namespace: string | undefined, add: AddNeed): void {
  const ref = (kind: string, source: unknown, at: string) => {
    const s = source as Json | undefined;
    if (s && !s.optional && typeof s.name === 'string') add(objectRef('', kind, s.name, namespace), `${path}.${at}.name`);
  };
  list(container.env).forEach((e, i) => {
    const from = e.valueFrom as Json | undefined;
    ref('Secret', from?.secretKeyRef, `env[${i}].valueFrom.secretKeyRef`);
    ref('ConfigMap', from?.configMapKeyRef, `env[${i}].valueFrom.configMapKeyRef`);
  });
  list(container.envFrom).forEach((e, i) => {
    ref('Secret', e.secretRef, `envFrom[${i}].secretRef`);
    ref('ConfigMap', e.configMapRef, `envFrom[${i}].configMapRef`);
  });
}

/** The items of an array field that are objects; [] for anything else. */
export function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((x): x is Json => typeof x === 'object' && x !== null) : [];
}
