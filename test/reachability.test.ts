/** The NetworkPolicy evaluator (lib/network/reachability.ts) on small hand-made cases. */
import { describe, expect, it } from 'vitest';
import { anyAddressLeft, canonicalCidr, parseCidr } from '../lib/values/cidr.ts';
import { reachability, selectorMatches, widened, type PodEndpoint } from '../lib/network/reachability.ts';

const web: PodEndpoint = { namespace: 'app', name: 'web', labels: { app: 'web', tier: 'front' }, ports: [{ port: 8080, name: 'http' }] };
const db: PodEndpoint = { namespace: 'app', name: 'db', labels: { app: 'db' }, ports: [{ port: 5432, name: 'pg' }, { port: 9187, name: 'metrics' }] };
const prom: PodEndpoint = { namespace: 'monitoring', name: 'prometheus', labels: { app: 'prometheus' }, ports: [] };

function policy(name: string, namespace: string, spec: object) {
  return { kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}
const denyAll = policy('deny', 'app', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

function pairs(set: Set<string>, prefix = ''): string[] {
  return [...set].filter((p) => p.startsWith(prefix)).sort();
}

describe('reachability', () => {
  it('allows everything between pods that no policy selects, shown as their ports and *', () => {
    const set = reachability({ policies: [], pods: [web, db] });
    expect(pairs(set, 'app/web')).toEqual(['app/web → app/db:*/TCP', 'app/web → app/db:*/UDP', 'app/web → app/db:5432/TCP', 'app/web → app/db:9187/TCP']);
  });

  it('allows nothing to or from pods a default-deny policy selects', () => {
    const set = reachability({ policies: [denyAll], pods: [web, db, prom] });
    expect(pairs(set).filter((p) => p.includes('app/'))).toEqual([]);
    expect(pairs(set, 'monitoring/prometheus')).toEqual([]);
  });

  it('needs both the egress of the source and the ingress of the destination', () => {
    const ingressOnly = policy('db', 'app', {
      podSelector: { matchLabels: { app: 'db' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 5432 }] }],
    });
    expect(pairs(reachability({ policies: [denyAll, ingressOnly], pods: [web, db] }))).toEqual([]);
    const egress = policy('web', 'app', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
    });
    expect(pairs(reachability({ policies: [denyAll, ingressOnly, egress], pods: [web, db] }))).toEqual(['app/web → app/db:5432/TCP']);
  });

  it('takes the union of every policy that selects a pod', () => {
    const a = policy('a', 'app', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 5432 }] }] });
    const b = policy('b', 'app', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 9187 }] }] });
    expect(pairs(reachability({ policies: [a, b], pods: [web, db] }), 'app/web')).toEqual(['app/web → app/db:5432/TCP', 'app/web → app/db:9187/TCP']);
  });

  it('defaults policyTypes to Ingress, plus Egress only when the policy has an egress field', () => {
    const noTypes = policy('x', 'app', { podSelector: { matchLabels: { app: 'db' } } });
    const set = reachability({ policies: [noTypes], pods: [web, db] });
    expect(pairs(set, 'app/web')).toEqual([]);
    expect(pairs(set, 'app/db')).toContain('app/db → app/web:8080/TCP');
    const withEgress = policy('y', 'app', { podSelector: { matchLabels: { app: 'db' } }, egress: [] });
    expect(pairs(reachability({ policies: [withEgress], pods: [web, db] }), 'app/db')).toEqual([]);
  });

  it('resolves a named port against the destination pod’s container ports', () => {
    const scrape = policy('db', 'app', {
      podSelector: { matchLabels: { app: 'db' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 'metrics' }] }],
    });
    expect(pairs(reachability({ policies: [scrape], pods: [prom, db] }), 'monitoring')).toEqual(['monitoring/prometheus → app/db:9187/TCP']);
  });

  it('matches namespaceSelector on labels of Namespace objects and on kubernetes.io/metadata.name', () => {
    const rule = (namespaceSelector: object) =>
      policy('db', 'app', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector, podSelector: { matchLabels: { app: 'prometheus' } } }] }] });
    const namespaces = [{ metadata: { name: 'monitoring', labels: { team: 'sre' } } }];
    expect(pairs(reachability({ policies: [rule({ matchLabels: { team: 'sre' } })], pods: [prom, db], namespaces }), 'monitoring')).toContain('monitoring/prometheus → app/db:5432/TCP');
    expect(pairs(reachability({ policies: [rule({ matchLabels: { team: 'dev' } })], pods: [prom, db], namespaces }), 'monitoring')).toEqual([]);
    // A podSelector without namespaceSelector only looks into the policy's own namespace.
    const sameNamespace = policy('db', 'app', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] });
    expect(pairs(reachability({ policies: [sameNamespace], pods: [prom, db] }), 'monitoring')).toEqual([]);
  });

  it('supports matchExpressions In, NotIn, Exists and DoesNotExist', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches(undefined, labels)).toBe(false);
    expect(() => selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Equals' }] }, labels)).toThrow("label selector operator 'Equals' is not one of In, NotIn, Exists, DoesNotExist");
  });

  it('honours ipBlock except: the metadata address stays unreachable under 0.0.0.0/0', () => {
    const internet = policy('web', 'app', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32', '10.0.0.0/8'] } }], ports: [{ port: 443 }, { port: 80 }] }],
    });
    const externals = [
      { name: 'metadata', cidr: '169.254.169.254/32' },
      { name: 'vpc', cidr: '10.1.0.0/16' },
      { name: 'issuer', cidr: '203.0.113.10/32' },
    ];
    expect(pairs(reachability({ policies: [internet], pods: [web], externals }), 'app/web')).toEqual(['app/web → issuer:443/TCP', 'app/web → issuer:80/TCP']);
  });

  it('probes the bounds of endPort ranges and leaves ports outside them closed', () => {
    const range = policy('web', 'app', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 5000, endPort: 5432 }] }] });
    expect(pairs(reachability({ policies: [range], pods: [web, db] }), 'app/web')).toEqual(['app/web → app/db:5000/TCP', 'app/web → app/db:5432/TCP']);
  });

  it('reports what a change newly allows', () => {
    const before = reachability({ policies: [denyAll], pods: [web, db] });
    const open = policy('open', 'app', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{ ports: [{ port: 5432 }] }], egress: [{ ports: [{ port: 5432 }] }] });
    const after = reachability({ policies: [denyAll, open], pods: [web, db] });
    // web declares no port 5432, but a process could listen there: the pair counts too.
    expect(widened(before, after)).toEqual(['app/db → app/web:5432/TCP', 'app/web → app/db:5432/TCP']);
  });
});

describe('CIDR arithmetic', () => {
  it('rejects host bits unless asked to be sloppy, and suggests the canonical form', () => {
    expect(parseCidr('10.0.0.1/16')).toBeUndefined();
    expect(parseCidr('10.0.0.1/16', false)?.text).toBe('10.0.0.1/16');
    expect(canonicalCidr('10.0.0.1/16')).toBe('10.0.0.0/16');
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('256.0.0.0/8')).toBeUndefined();
    expect(parseCidr('fd00:ec2::254/128')?.family).toBe(6);
  });

  it('finds an address left after excepts only when the excepts leave a gap', () => {
    const c = (t: string) => parseCidr(t)!;
    expect(anyAddressLeft(c('10.0.0.0/24'), c('10.0.0.0/16'), [c('10.0.0.0/25'), c('10.0.0.128/25')])).toBe(false);
    expect(anyAddressLeft(c('10.0.0.0/24'), c('10.0.0.0/16'), [c('10.0.0.0/25')])).toBe(true);
    expect(anyAddressLeft(c('10.1.0.0/24'), c('10.0.0.0/16'), [])).toBe(false);
  });
});
