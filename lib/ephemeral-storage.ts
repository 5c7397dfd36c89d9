/**
 * Ephemeral storage of hardened pods: every container requests and limits `ephemeral-storage`, so
 * the scheduler places pods by disk and the kubelet evicts the one that fills a shared node's disk
 * instead of the node going DiskPressure for everyone. A pod's emptyDir volumes count against the
 * sum of its containers' limits, so their size limits are added to the main container's request
 * and limit; an emptyDir without a sizeLimit is refused (it could fill the node).
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage
 */
import { k8s } from 'cdk8s-plus-28';
import { parseMemory } from './values/quantity.ts';

export interface EphemeralStorage {
  /** e.g. "64Mi". */
  readonly request: string;
  /** e.g. "256Mi"; at least the request. */
  readonly limit: string;
}

/** Logs and the odd file of a container whose root filesystem is read-only. */
export const DEFAULT_EPHEMERAL_STORAGE: EphemeralStorage = { request: '64Mi', limit: '256Mi' };

/** Bytes of every disk-backed emptyDir of a pod (memory-backed ones count as memory). */
export function emptyDirBytes(volumes: readonly k8s.Volume[]): number {
  let total = 0;
  for (const v of volumes) {
    if (!v.emptyDir || v.emptyDir.medium === 'Memory') continue;
    const size = v.emptyDir.sizeLimit?.value;
    const bytes = typeof size === 'string' ? parseMemory(size) : typeof size === 'number' ? size : undefined;
    if (bytes === undefined) throw new Error(`volume '${v.name}': an emptyDir needs a 'sizeLimit', or it can fill the node's disk`);
    total += bytes;
  }
  return total;
}

/** `requests`/`limits` entries of `ephemeral-storage`, plus `extraBytes` (the pod's emptyDirs) on both. */
export function ephemeralStorageResources(where: string, storage: EphemeralStorage | undefined, extraBytes: number): { request: k8s.Quantity; limit: k8s.Quantity } {
  const s = storage ?? DEFAULT_EPHEMERAL_STORAGE;
  const request = parseMemory(s.request);
  const limit = parseMemory(s.limit);
  if (request === undefined || limit === undefined) throw new Error(`${where}: 'resources.ephemeralStorage' (${s.request}, ${s.limit}) must be quantities such as "64Mi"`);
  if (request > limit) throw new Error(`${where}: 'resources.ephemeralStorage.request' (${s.request}) must be <= its limit (${s.limit})`);
  return { request: mebibytes(request + extraBytes), limit: mebibytes(limit + extraBytes) };
}

function mebibytes(bytes: number): k8s.Quantity {
  return k8s.Quantity.fromString(`${Math.ceil(bytes / 2 ** 20)}Mi`);
}
