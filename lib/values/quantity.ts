/**
 * Kubernetes resource quantities, parsed to plain numbers so config can be checked
 * arithmetically (requests <= limits, sum of requests fits the quota).
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */

const CPU = /^(\d+(?:\.\d+)?)(m?)$/;
const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;
const MEMORY_FACTOR: Record<string, number> = {
  '': 1,
  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50,
};

/** Cores, or undefined when `value` is not a CPU quantity ("250m", "2", "0.5"). */
export function parseCpu(value: string): number | undefined {
  const m = CPU.exec(value);
  if (!m) return undefined;
  return Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
}

/** Bytes, or undefined when `value` is not a memory quantity ("512Mi", "2Gi", "1G"). */
export function parseMemory(value: string): number | undefined {
  const m = MEMORY.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * MEMORY_FACTOR[m[2] ?? '']!;
}
