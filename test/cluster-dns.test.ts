/**
 * The e2e's cluster DNS (e2e/controllers/cluster-dns.ts), asked by Node's own DNS client over
 * UDP: a mapped name gets its A record, no AAAA, and every other name REFUSED — a name the platform gets wrong must not resolve.
 */
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusterDns, type ClusterDns } from '../e2e/controllers/cluster-dns.ts';

describe('e2e cluster DNS', () => {
  let dns: ClusterDns;
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  beforeAll(async () => {
    dns = await startClusterDns();
    dns.map('redis.flextime-staging.svc.cluster.local', '127.31.4.15');
    resolver.setServers([dns.address]);
  });
  afterAll(() => dns.stop());

  it('answers A for a mapped name', async () => {
    expect(await resolver.resolve4('redis.flextime-staging.svc.cluster.local')).toEqual(['127.31.4.15']);
  });

  it('has no AAAA for a mapped name and refuses every other name', async () => {
    await expect(resolver.resolve6('redis.flextime-staging.svc.cluster.local')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolver.resolve4('redis.flextime-production.svc.cluster.local')).rejects.toMatchObject({ code: 'EREFUSED' });
    expect(dns.queries()).toContain('redis.flextime-production.svc.cluster.local type 1: REFUSED');
  });

  it('refuses a mapping that is not an IPv4 address', () => {
    expect(() => dns.map('x.example', 'localhost')).toThrow("cluster DNS: 'localhost' (for x.example) is not an IPv4 address");
  });
});
