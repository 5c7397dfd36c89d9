/**
 * Where apps reach the database: the PgBouncer Service of charts/database.ts, never RDS itself.
 * The settings ConfigMap (charts/namespaces.ts) and the database chart read it from here, so the
 * address is defined once.
 */
import type { EnvContext } from './context.ts';

export const PGBOUNCER_SERVICE = 'pgbouncer';
/** PgBouncer's client port (config/network.ts declares the same number for the NetworkPolicies). */
export const PGBOUNCER_PORT = 6432;

export interface DatabaseEndpoint {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

/** The read-only pool in front of the read replica (environments[].database.readPool). */
export const PGBOUNCER_READ_SERVICE = 'pgbouncer-ro';

/** Where apps send read traffic, where the environment has a read pool. */
export function databaseReadEndpoint({ env, namespace }: EnvContext): { readonly host: string; readonly port: number } | undefined {
  return env.database.readPool ? { host: `${PGBOUNCER_READ_SERVICE}.${namespace}.svc.cluster.local`, port: PGBOUNCER_PORT } : undefined;
}

export function databaseEndpoint({ platform, namespace }: EnvContext): DatabaseEndpoint {
  return { host: `${PGBOUNCER_SERVICE}.${namespace}.svc.cluster.local`, port: PGBOUNCER_PORT, database: platform.database.name };
}
