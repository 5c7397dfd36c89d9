/**
 * Two smaller defects of issue 19 (class 10), read from the rendered output:
 * - Grafana maps roles from SSO groups that exist: every group its role_attribute_path names is a
 *   group some rendered RoleBinding/ClusterRoleBinding binds (the SSO groups are `flextime:*`);
 * - the apps get the OTLP protocol with the endpoint, and the pair agrees (the OTLP spec's
 *   ports: 4317 gRPC, 4318 HTTP/protobuf).
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { configError, objects, rawConfig, renderPlatform } from './helpers.ts';

const OTLP_PORTS: Record<string, string> = { grpc: '4317', 'http/protobuf': '4318' };

export function unknownGrafanaGroups(all: readonly KubeObject[]): string[] {
  const app = all.find((o) => o.kind === 'Application' && (o.spec as { source?: { chart?: string } }).source?.chart === 'kube-prometheus-stack')!;
  const path = (app.spec as { source: { helm: { valuesObject: { grafana: { 'grafana.ini': { 'auth.generic_oauth': { role_attribute_path: string } } } } } } })
    .source.helm.valuesObject.grafana['grafana.ini']['auth.generic_oauth'].role_attribute_path;
  const bound = new Set(all.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')
    .flatMap((b) => ((b as { subjects?: Array<{ kind: string; name: string }> }).subjects ?? []).filter((s) => s.kind === 'Group').map((s) => s.name.replace(/^[a-z0-9-]+:(?=[a-z])/, ''))));
  return [...path.matchAll(/contains\(groups\[\*\], '([^']+)'\)/g)].map((m) => m[1]!).filter((g) => !bound.has(g)).map((g) => `Grafana maps '${g}', which no binding names (bound: ${[...bound].sort().join(', ')})`);
}

export function otlpSettingProblems(all: readonly KubeObject[]): string[] {
  return all.filter((o) => o.kind === 'ConfigMap' && o.metadata.name === 'flextime-settings').flatMap((cm) => {
    const data = (cm as unknown as { data: Record<string, string> }).data;
    const protocol = data.OTEL_EXPORTER_OTLP_PROTOCOL;
    const port = /:(\d+)\/?$/.exec(data.OTEL_EXPORTER_OTLP_ENDPOINT ?? '')?.[1];
    if (!protocol) return [`${cm.metadata.namespace}: OTEL_EXPORTER_OTLP_PROTOCOL is not set (SDKs default differently)`];
    return OTLP_PORTS[protocol] === port ? [] : [`${cm.metadata.namespace}: protocol ${protocol} with endpoint port ${port}`];
  });
}

const all = objects('', renderPlatform());

describe('Grafana roles and the OTLP settings', () => {
  it('Grafana maps only groups that are bound', () => {
    expect(unknownGrafanaGroups(all)).toEqual([]);
  });

  it('every environment gets the OTLP protocol that matches the endpoint port', () => {
    expect(all.filter((o) => o.kind === 'ConfigMap' && o.metadata.name === 'flextime-settings').length).toBe(3);
    expect(otlpSettingProblems(all)).toEqual([]);
  });

  it('finds planted instances: the old Grafana group names, a settings map without the protocol', () => {
    const planted = structuredClone(all);
    const app = planted.find((o) => o.kind === 'Application' && (o.spec as { source?: { chart?: string } }).source?.chart === 'kube-prometheus-stack')!;
    const oauth = (app.spec as { source: { helm: { valuesObject: { grafana: { 'grafana.ini': { 'auth.generic_oauth': { role_attribute_path: string } } } } } } }).source.helm.valuesObject.grafana['grafana.ini']['auth.generic_oauth'];
    oauth.role_attribute_path = "contains(groups[*], 'flextime-admins') && 'Admin' || contains(groups[*], 'flextime-engineers') && 'Editor' || 'Viewer'";
    const cm = planted.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'flextime-settings' && o.metadata.namespace === 'flextime-staging')!;
    delete (cm as unknown as { data: Record<string, string> }).data.OTEL_EXPORTER_OTLP_PROTOCOL;
    expect(unknownGrafanaGroups(planted).map((p) => p.split(',')[0])).toEqual(["Grafana maps 'flextime-admins'", "Grafana maps 'flextime-engineers'"]);
    expect(otlpSettingProblems(planted)).toEqual(['flextime-staging: OTEL_EXPORTER_OTLP_PROTOCOL is not set (SDKs default differently)']);
  });

  it('refuses a protocol that does not match the endpoint port, naming the field', () => {
    const raw = rawConfig();
    raw.otelProtocol = 'http/protobuf';
    expect(configError(raw)).toMatch(/otelProtocol.*'http\/protobuf' is served on port 4318 of the collector, but otelEndpoint names port 4317/);
  });
});
