/**
 * Config errors are user errors: every rejected input names its field, the bad value and what
 * is allowed. Each case changes one field of the committed config.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { configError, ownCluster, rawConfig } from './helpers.ts';

// The cases write deliberately wrong values, so the raw config is handled untyped here.
type Untyped = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function errorAfter(change: (config: Untyped) => void): string {
  const config: Untyped = rawConfig();
  change(config);
  return configError(config);
}

const env = (config: Untyped, name: string): Untyped => config.environments.find((e: { name: string }) => e.name === name);

describe('platform config', () => {
  it('accepts the committed config', () => {
    expect(configError(rawConfig())).toBe('');
    expect(loadConfig().environments.map((e) => e.name)).toEqual(['development', 'staging', 'production']);
  });

  it('defaults every environment to the one cluster named flextime', () => {
    expect(loadConfig().environments.map((e) => e.cluster)).toEqual(['flextime', 'flextime', 'flextime']);
  });

  it('rejects a value of the wrong type, naming the field', () => {
    expect(errorAfter((c) => { env(c, 'production').services['api-svc'].replicas.min = '3'; }))
      .toContain('environments[production].services.api-svc.replicas.min = "3": Invalid input: expected number, received string');
  });

  it('rejects an unknown environment and lists the allowed ones', () => {
    expect(errorAfter((c) => { env(c, 'development').name = 'qa'; }))
      .toContain('environments[qa].name = "qa": must be one of "development", "staging", "production"');
  });

  it('rejects negative replicas', () => {
    expect(errorAfter((c) => { env(c, 'development').services['api-svc'].replicas.min = -1; }))
      .toContain('environments[development].services.api-svc.replicas.min = -1: Too small: expected number to be >=0');
  });

  it('rejects min replicas above max replicas', () => {
    expect(errorAfter((c) => { env(c, 'production').services['api-svc'].replicas = { min: 5, max: 2 }; }))
      .toContain('environments[production].services.api-svc.replicas.min = 5: min (5) must be <= max (2)');
  });

  it('rejects a CPU string that is not a Kubernetes quantity', () => {
    expect(errorAfter((c) => { env(c, 'staging').services['scheduler-svc'].resources.requests.cpu = '500 millicores'; }))
      .toContain('environments[staging].services.scheduler-svc.resources.requests.cpu = "500 millicores": must be a Kubernetes CPU quantity such as "250m", "1" or "1.5"');
  });

  it('rejects a memory string that is not a Kubernetes quantity', () => {
    expect(errorAfter((c) => { env(c, 'staging').quota.requestsMemory = '16GB'; }))
      .toContain('environments[staging].quota.requestsMemory = "16GB": must be a Kubernetes memory quantity such as "256Mi", "2Gi" or "1G"');
  });

  it('rejects a request above its limit', () => {
    expect(errorAfter((c) => { env(c, 'development').services['api-svc'].resources.requests.cpu = '2'; }))
      .toContain('environments[development].services.api-svc.resources.requests.cpu = "2": request (2) must not exceed the limit (500m)');
  });

  it('rejects an image with neither tag nor digest', () => {
    expect(errorAfter((c) => { env(c, 'development').services['api-svc'].image = 'ghcr.io/flextime/api-svc'; }))
      .toContain('environments[development].services.api-svc.image = "ghcr.io/flextime/api-svc": must name a tag or a digest');
  });

  it('rejects the floating latest tag', () => {
    expect(errorAfter((c) => { env(c, 'development').services['api-svc'].image = 'ghcr.io/flextime/api-svc:latest'; }))
      .toContain('environments[development].services.api-svc.image = "ghcr.io/flextime/api-svc:latest": must not use the floating tag "latest"');
  });

  it('requires a digest in staging and production but not in development', () => {
    expect(errorAfter((c) => { env(c, 'production').services['api-svc'].image = 'ghcr.io/flextime/api-svc:1.4.2'; }))
      .toContain("environments[production].services.api-svc.image = \"ghcr.io/flextime/api-svc:1.4.2\": image 'ghcr.io/flextime/api-svc:1.4.2' must be pinned by digest (repo@sha256:…) in production");
    expect(errorAfter((c) => { env(c, 'staging').services['api-svc'].image = 'ghcr.io/flextime/api-svc:1.5.0'; }))
      .toContain('must be pinned by digest (repo@sha256:…) in staging');
    expect(errorAfter((c) => { env(c, 'development').services['api-svc'].image = 'ghcr.io/flextime/api-svc:1.5.0'; })).toBe('');
  });

  it('rejects duplicate service names', () => {
    expect(errorAfter((c) => { c.services.push({ ...c.services[0] }); }))
      .toContain("services[api-svc].name = \"api-svc\": duplicate name 'api-svc' (also at services[0])");
  });

  it('rejects an environment entry for a service that does not exist', () => {
    expect(errorAfter((c) => { env(c, 'staging').services['billing-svc'] = env(c, 'staging').services['api-svc']; }))
      .toContain("environments[staging].services.billing-svc = {");
  });

  it('rejects an environment on a cluster that is not declared', () => {
    expect(errorAfter((c) => { env(c, 'production').cluster = 'flextime-prod'; }))
      .toContain("environments[production].cluster = \"flextime-prod\": unknown cluster 'flextime-prod'; allowed: flextime");
  });

  it('allows production on its own cluster with one added cluster (and the Terraform outputs of that cluster)', () => {
    expect(errorAfter((c) => {
      c.clusters.push(ownCluster(c, 'flextime-prod', 'production'));
      env(c, 'production').cluster = 'flextime-prod';
      c.aws.outputs.clusters['flextime-prod'] = { ...c.aws.outputs.clusters.flextime!, cluster_name: 'flextime-prod' };
    })).toBe('');
  });

  it('rejects a network peer in a namespace where no add-on runs', () => {
    expect(errorAfter((c) => { c.network.clusterPeers.find((p: { name: string }) => p.name === 'prometheus').namespace = 'monitoring'; }))
      .toContain("network.clusterPeers[prometheus].namespace = \"monitoring\": nothing is installed in namespace 'monitoring'; allowed: ");
  });

  it('rejects unknown fields instead of ignoring a typo', () => {
    expect(errorAfter((c) => { env(c, 'development').replicaz = 1; }))
      .toContain("environments[development]: unknown field(s) 'replicaz'");
  });
});
