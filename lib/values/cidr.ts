/**
 * IPv4/IPv6 CIDR arithmetic for NetworkPolicy `ipBlock`s: parse, contain, and "is anything of
 * this range left after the excepts". Addresses are BigInts so both families share one code path.
 */

export interface Cidr {
  readonly family: 4 | 6;
  /** First address of the range. */
  readonly start: bigint;
  /** Last address of the range (inclusive). */
  readonly end: bigint;
  readonly prefix: number;
  /** The CIDR as written. */
  readonly text: string;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(text) || (text.match(/::/g) ?? []).length > 1) return undefined;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined): string[] => (s ? s.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(`0x${group}`);
  }
  return value;
}

/** Parse an address (`10.0.0.1`, `fd00::1`); undefined when it is not one. */
export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/**
 * Parse `a.b.c.d/n` or `x::/n`. Returns undefined when malformed. `strict` (default) also
 * rejects host bits set (`10.0.0.1/16`), which the API server normalises silently.
 */
export function parseCidr(text: string, strict = true): Cidr | undefined {
  const match = /^([^/]+)\/([0-9]{1,3})$/.exec(text);
  if (!match) return undefined;
  const ip = parseIp(match[1]!);
  const prefix = Number(match[2]);
  if (!ip) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const size = 1n << BigInt(bits - prefix);
  const start = (ip.value / size) * size;
  if (strict && start !== ip.value) return undefined;
  return { family: ip.family, start, end: start + size - 1n, prefix, text };
}

/** `10.0.0.1/16` → `10.0.0.0/16` (for error messages that suggest the fix). */
export function canonicalCidr(text: string): string | undefined {
  const cidr = parseCidr(text, false);
  if (!cidr) return undefined;
  if (cidr.family === 4) {
    const octets = [24n, 16n, 8n, 0n].map((shift) => String((cidr.start >> shift) & 255n));
    return `${octets.join('.')}/${cidr.prefix}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => ((cidr.start >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return `${groups.join(':')}/${cidr.prefix}`;
}

/** `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;
}

/** `inner` lies inside `outer` and is smaller: what the API server requires of `ipBlock.except`. */
export function isStrictSubset(outer: Cidr, inner: Cidr): boolean {
  return cidrContains(outer, inner) && inner.prefix > outer.prefix;
}

/**
 * Some address of `target` lies in `allowed` and in none of `except`. For a /32 target this
 * is plain membership; for a wider target it means "part of it is reachable".
 */
export function anyAddressLeft(target: Cidr, allowed: Cidr, except: readonly Cidr[]): boolean {
  if (target.family !== allowed.family) return false;
  const start = target.start > allowed.start ? target.start : allowed.start;
  const end = target.end < allowed.end ? target.end : allowed.end;
  if (start > end) return false;
  // Walk the excepts in order; a gap before, between or after them is a reachable address.
  const cuts = except
    .filter((e) => e.family === target.family && e.end >= start && e.start <= end)
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let next = start;
  for (const cut of cuts) {
    if (cut.start > next) return true;
    if (cut.end >= next) next = cut.end + 1n;
    if (next > end) return false;
  }
  return next <= end;
}
