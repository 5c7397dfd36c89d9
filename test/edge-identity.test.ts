/**
 * Client identity at the edge (issue 19 class 3), read from the rendered ingress configuration:
 * - nginx must see each client's own address wherever an Ingress limits per client IP: no
 *   X-Forwarded-For trusted from anyone (an L4 NLB sets none, so clients could forge it), and the
 *   NLB must keep the client address (IP targets drop it unless told) or speak proxy protocol;
 * - no Ingress routes to a port Prometheus scrapes (metrics would be public);
 * - the load tests are not throttled by the per-IP limits of what they measure, and a 429 is a
 *   failed request for k6 (loadtest/flextime.js), not a success.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { objects, renderPlatform } from './helpers.ts';

const NGINX = 'nginx.ingress.kubernetes.io';
type Svc = KubeObject & { spec: { ports: Array<{ name?: string; port: number; targetPort?: string | number }>; selector?: Record<string, string> } };
type Ing = KubeObject & { spec: { rules: Array<{ host: string; http: { paths: Array<{ backend: { service: { name: string; port: { name?: string; number?: number } } } }> } }> } };
type Monitor = KubeObject & { spec: { endpoints: Array<{ port?: string }>; selector: { matchLabels: Record<string, string> }; namespaceSelector?: { matchNames?: string[] } } };

const servicePort = (svc: Svc, ref: { name?: string; number?: number }) =>
  svc.spec.ports.find((p) => (ref.name !== undefined ? p.name === ref.name : p.port === ref.number));

/** Every Ingress path whose backend port is a port a ServiceMonitor scrapes (same container port). */
export function publicMetrics(all: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  const services = all.filter((o): o is Svc => o.kind === 'Service');
  const monitors = all.filter((o): o is Monitor => o.kind === 'ServiceMonitor');
  for (const ing of all.filter((o): o is Ing => o.kind === 'Ingress')) {
    for (const rule of ing.spec.rules) for (const path of rule.http.paths) {
      const svc = services.find((s) => s.metadata.name === path.backend.service.name && s.metadata.namespace === ing.metadata.namespace);
      const routed = svc && servicePort(svc, path.backend.service.port);
      if (!svc || !routed) continue;
      for (const m of monitors) {
        const selects = Object.entries(m.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels?.[k] === v)
          && (m.spec.namespaceSelector?.matchNames ?? [m.metadata.namespace]).includes(svc.metadata.namespace!);
        if (!selects) continue;
        for (const e of m.spec.endpoints) {
          const scraped = servicePort(svc, { name: e.port });
          if (scraped && String(scraped.targetPort ?? scraped.port) === String(routed.targetPort ?? routed.port)) {
            problems.push(`Ingress ${ing.metadata.namespace}/${ing.metadata.name} (${rule.host}) routes to ${svc.metadata.name}:${String(routed.targetPort ?? routed.port)}, which ServiceMonitor ${m.metadata.name} scrapes: metrics are public`);
          }
        }
      }
    }
  }
  return problems;
}

type NginxValues = { controller: { config: Record<string, string>; service: { annotations: Record<string, string> } } };

/** Every way the controller could take a client address that is not the client's. */
export function spoofableClientIp(all: readonly KubeObject[]): string[] {
  const app = all.find((o) => o.kind === 'Application' && (o.spec as { source?: { chart?: string } }).source?.chart === 'ingress-nginx')!;
  const values = (app.spec as { source: { helm: { valuesObject: NginxValues } } }).source.helm.valuesObject;
  const config = values.controller.config;
  const annotations = values.controller.service.annotations;
  const limited = all.filter((o) => o.kind === 'Ingress' && o.metadata.annotations?.[`${NGINX}/limit-rps`]).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  if (limited.length === 0) return [];
  const problems: string[] = [];
  const trustedFrom = config['proxy-real-ip-cidr'] ?? '0.0.0.0/0';
  if ((config['use-forwarded-headers'] === 'true' || config['compute-full-forwarded-for'] === 'true') && trustedFrom.split(',').includes('0.0.0.0/0')) {
    problems.push(`ingress-nginx trusts X-Forwarded-For from any address (use-forwarded-headers, proxy-real-ip-cidr ${trustedFrom}): clients can forge their IP past the per-IP limits of ${limited.join(', ')}`);
  }
  const proxyProtocol = config['use-proxy-protocol'] === 'true' && annotations['service.beta.kubernetes.io/aws-load-balancer-proxy-protocol'] === '*';
  const preserved = (annotations['service.beta.kubernetes.io/aws-load-balancer-target-group-attributes'] ?? '').split(',').includes('preserve_client_ip.enabled=true');
  if (annotations['service.beta.kubernetes.io/aws-load-balancer-nlb-target-type'] === 'ip' && !proxyProtocol && !preserved) {
    problems.push(`the NLB (IP targets) hides client addresses from nginx: the per-IP limits of ${limited.join(', ')} become one global cap`);
  }
  return problems;
}

/** Load tests throttled by the per-IP limits of the Ingress they target. */
export function throttledLoadTests(all: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const o of all.filter((x) => x.metadata.labels?.['app.kubernetes.io/component'] === 'load-test' && ['TestRun', 'CronJob'].includes(x.kind))) {
    const host = /BASE_URL=https:\/\/([^\s"/]+)/.exec(JSON.stringify(o))?.[1];
    const ing = all.find((i) => i.kind === 'Ingress' && (i as Ing).spec.rules.some((r) => r.host === host));
    if (!host || !ing?.metadata.annotations?.[`${NGINX}/limit-rps`]) continue;
    const exempt = ing.metadata.annotations[`${NGINX}/limit-whitelist`];
    // The generators run as pods: their source is the (private) pod network.
    if (!exempt || !exempt.split(',').every((c) => /^10\.|^172\.(1[6-9]|2\d|3[01])\.|^192\.168\./.test(c))) {
      problems.push(`${o.kind} ${o.metadata.name} loads ${host}, whose Ingress limits ${ing.metadata.annotations[`${NGINX}/limit-rps`]} rps per client IP with no exemption for the pod network (${exempt ?? 'none'})`);
    }
  }
  return problems;
}

/** Status codes k6 counts as success, from the `http.expectedStatuses(...)` call of a script. */
export function expectedStatuses(script: string): Array<[number, number]> {
  const call = /http\.expectedStatuses\(([^;]*)\)\);/.exec(script)?.[1] ?? '';
  return [...call.matchAll(/\{\s*min:\s*(\d+),\s*max:\s*(\d+)\s*\}/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

const all = objects('', renderPlatform());
const k6Shared = readFileSync(join(import.meta.dirname, '..', 'loadtest', 'flextime.js'), 'utf8');

describe('client identity at the edge', () => {
  it('nginx sees real client addresses wherever an Ingress limits per client IP', () => {
    expect(all.filter((o) => o.kind === 'Ingress').length).toBe(3);
    expect(spoofableClientIp(all)).toEqual([]);
  });

  it('no Ingress routes to a scraped metrics port', () => {
    expect(publicMetrics(all)).toEqual([]);
  });

  it('the load tests are exempt from the limits of what they load, and count 429 as a failure', () => {
    expect(throttledLoadTests(all)).toEqual([]);
    const ranges = expectedStatuses(k6Shared);
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.filter(([min, max]) => min <= 429 && 429 <= max)).toEqual([]);
    expect(ranges.some(([min, max]) => min <= 200 && 200 <= max)).toBe(true);
  });

  it('finds planted instances of all four', () => {
    const planted = structuredClone(all);
    const app = planted.find((o) => o.kind === 'Application' && (o.spec as { source?: { chart?: string } }).source?.chart === 'ingress-nginx')!;
    const values = (app.spec as { source: { helm: { valuesObject: NginxValues } } }).source.helm.valuesObject;
    values.controller.config['use-forwarded-headers'] = 'true';
    delete values.controller.service.annotations['service.beta.kubernetes.io/aws-load-balancer-target-group-attributes'];
    const svc = planted.find((o) => o.kind === 'Service' && o.metadata.name === 'api-svc' && o.metadata.namespace === 'flextime-production') as Svc;
    svc.spec.ports.find((p) => p.name === 'metrics')!.targetPort = 'http';
    delete planted.find((o) => o.kind === 'Ingress' && o.metadata.namespace === 'flextime-staging')!.metadata.annotations![`${NGINX}/limit-whitelist`];
    expect(spoofableClientIp(planted)).toEqual([
      expect.stringMatching(/^ingress-nginx trusts X-Forwarded-For from any address/),
      expect.stringMatching(/^the NLB \(IP targets\) hides client addresses from nginx/),
    ]);
    expect(publicMetrics(planted)).toEqual(['Ingress flextime-production/api-svc (api.flextime.app) routes to api-svc:http, which ServiceMonitor api-svc scrapes: metrics are public']);
    expect(throttledLoadTests(planted).length).toBe(3); // two TestRuns and the nightly CronJob
    expect(expectedStatuses('http.setResponseCallback(http.expectedStatuses({ min: 200, max: 499 }));')).toEqual([[200, 499]]);
  });
});
