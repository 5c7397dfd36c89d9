/**
 * Where an environment's Redis is: the in-cluster Service of charts/redis.ts, or ElastiCache
 * (the environment's Terraform outputs). Apps (ConfigMap), KEDA and NetworkPolicies read it
 * from here, so the choice in config (`environments[].redis.mode`) is made in one place.
 */
import type { EnvContext } from './context.ts';

export const REDIS_SERVICE = 'redis';
export const REDIS_PORT = 6379;

export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** True when charts/redis.ts renders Redis into the namespace. */
  readonly inCluster: boolean;
}

export function redisEndpoint({ env, platform, namespace }: EnvContext): RedisEndpoint {
  if (env.redis.mode === 'in-cluster') {
    return { host: `${REDIS_SERVICE}.${namespace}.svc.cluster.local`, port: REDIS_PORT, tls: false, inCluster: true };
  }
  const outputs = platform.aws.outputs.environments[env.name];
  if (!outputs) throw new Error(`environments[${env.name}].redis.mode is 'external' but aws.outputs.environments has no '${env.name}' entry`);
  return { host: outputs.redis_endpoint, port: outputs.redis_port, tls: env.redis.tls, inCluster: false };
}
