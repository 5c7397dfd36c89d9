/**
 * The Redis passwords of the e2e, from the cluster's Secrets (keda-redis.ts says which):
 * each Redis server's `default` user takes the value of its server-side Secret as soon as it
 * exists and again whenever it changes, like a Redis pod restarted with a rotated Secret.
 *
 * Who writes those Secrets: External Secrets, when it runs in the e2e (a platform controller
 * named like external-secrets). Without it nothing would, so the e2e writes the two Secrets each
 * trigger needs — the TriggerAuthentication's and the server side's — with one password made at
 * run time, annotated as a stand-in and listed in the report.
 */
import { randomBytes } from 'node:crypto';
import { kubePath, type Kube } from './kube.ts';
import { setDefaultPassword, type RedisEndpoint } from './keda-redis.ts';

export const STAND_IN_ANNOTATION = 'flextime.io/e2e-stand-in';
const DAY_MS = 24 * 3600_000;

const decode = (v: string | undefined): string | undefined => (v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8'));

/** Creates the Secrets External Secrets would (only the password key), once the namespace exists. */
export async function writeStandInSecrets(kube: Kube, r: RedisEndpoint, signal: AbortSignal): Promise<string[]> {
  await kube.waitFor({ path: '/api/v1/namespaces', name: r.namespace, what: `namespace ${r.namespace} (synced by ArgoCD)`, timeoutMs: DAY_MS, signal }, ([ns]) => ns);
  const password = randomBytes(18).toString('hex');
  const written: string[] = [];
  const secrets = [r.passwordSecret, r.serverSecret].filter((s, i, all) => all.findIndex((x) => x.name === s.name) === i);
  for (const s of secrets) {
    const path = kubePath('v1', 'secrets', r.namespace, s.name);
    if (await kube.find(path)) continue; // already there (External Secrets was faster): keep it
    const keys = [r.passwordSecret, r.serverSecret].filter((x) => x.name === s.name).map((x) => x.key);
    await kube.ensure(kubePath('v1', 'secrets', r.namespace), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: s.name, namespace: r.namespace, annotations: { [STAND_IN_ANNOTATION]: 'external-secrets: no External Secrets controller in this run' } },
      type: 'Opaque',
      stringData: Object.fromEntries(keys.map((k) => [k, password])),
    });
    written.push(`${r.namespace}/${s.name} (${keys.join(', ')})`);
  }
  return written;
}

/**
 * Keeps the Redis server's password equal to its server-side Secret until `signal` aborts.
 * Resolves the first time it is set.
 */
export function followServerSecret(kube: Kube, r: RedisEndpoint, signal: AbortSignal, log: (l: string) => void): Promise<void> {
  let first!: () => void;
  const set = new Promise<void>((res) => (first = res));
  void (async () => {
    let last: string | undefined;
    while (!signal.aborted) {
      const value = await kube.waitFor(
        { path: kubePath('v1', 'secrets', r.namespace), name: r.serverSecret.name, what: `Secret ${r.namespace}/${r.serverSecret.name} key ${r.serverSecret.key}`, timeoutMs: DAY_MS, signal },
        ([s]) => {
          const v = decode(s?.data?.[r.serverSecret.key]);
          return v !== undefined && v !== last ? v : undefined;
        },
      );
      setDefaultPassword(r, value);
      if (last !== undefined) log(`keda: Redis ${r.host} password follows ${r.namespace}/${r.serverSecret.name} (changed)`);
      last = value;
      first();
    }
  })().catch((e) => {
    if (!signal.aborted) log(`keda: following ${r.namespace}/${r.serverSecret.name} stopped: ${(e as Error).message}`);
  });
  return set;
}
