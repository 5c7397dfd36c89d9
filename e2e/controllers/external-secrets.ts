/**
 * The External Secrets Operator's controllers, for real: ESO v0.20.4's SecretStore,
 * ClusterSecretStore and ExternalSecret reconcilers (tools/external-secrets: upstream's packages
 * with only the fake provider registered, main.go says why), run as one local process against the
 * e2e API server under the chart's leader-election Lease. With it running, KEDA's Redis password
 * Secrets are ESO's too (keda.ts writes stand-ins only without it).
 *
 * The one substitution (issue 18): AWS Secrets Manager is out of reach, so each rendered
 * (Cluster)SecretStore is served with ESO's built-in fake provider instead of its `aws` block —
 * everything else in the file (name, labels, conditions) is as rendered. Each fake store holds
 * exactly the remote keys the rendered ExternalSecrets read through it (remoteRef key/property),
 * with values made up at run time (random, never in this repository); a key read with properties
 * holds a JSON object with those properties, as in Secrets Manager.
 *
 * Also started here: a creation log of Secrets and Pods (creation-log.ts), which scenario 12
 * reads to show that every Secret a workload needs existed before its first pod.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { toolPath } from '../../test/tools.ts';
import { readObjects, walkYaml } from './addons.ts';
import { startCreationLog } from './creation-log.ts';
import type { RepoSubstitution } from './git-server.ts';
import { kubePath, type KubeObject } from './kube.ts';
import type { ControllerEntry, PlatformController } from './platform-controllers.ts';
import { freePort, startProcess, waitForPort } from './processes.ts';

export const EXTERNAL_SECRETS = 'external-secrets';
const GROUP = 'external-secrets.io';
const STORE_KINDS = ['ClusterSecretStore', 'SecretStore'];
/** The chart's LeaderElectionID (leaderElect: true in config/addons.ts), in the add-on's namespace. */
const LEASE = 'external-secrets-controller';

/** What scenario 12 gets (vitest provide: serialisable). */
export interface ExternalSecretsHandle {
  readonly logFile: string;
  /** creation-log.ts file: Secrets and Pods in the order they were created. */
  readonly creationLog: string;
  /** The substituted stores: `<kind>/<namespace>/<name>` → remote keys it holds. */
  readonly storeKeys: Record<string, string[]>;
}

/** `<kind>/<namespace>/<name>` of the store an ExternalSecret reads from. */
export function storeOf(es: KubeObject): string {
  const ref = es.spec?.secretStoreRef ?? {};
  const kind = ref.kind ?? 'SecretStore';
  return `${kind}/${kind === 'ClusterSecretStore' ? '' : es.metadata?.namespace}/${ref.name}`;
}

const storeId = (s: KubeObject) => `${s.kind}/${s.kind === 'ClusterSecretStore' ? '' : s.metadata?.namespace}/${s.metadata?.name}`;

/** Remote key → properties read (empty string: the whole value), per store, from the ExternalSecrets. */
export function remoteKeysByStore(objects: readonly KubeObject[]): Map<string, Map<string, Set<string>>> {
  const out = new Map<string, Map<string, Set<string>>>();
  for (const es of objects.filter((o) => o.kind === 'ExternalSecret')) {
    const keys = out.get(storeOf(es)) ?? new Map<string, Set<string>>();
    out.set(storeOf(es), keys);
    for (const d of es.spec?.data ?? []) {
      const props = keys.get(d.remoteRef.key) ?? new Set<string>();
      props.add(d.remoteRef.property ?? '');
      keys.set(d.remoteRef.key, props);
    }
    for (const d of es.spec?.dataFrom ?? []) if (d.extract?.key) keys.set(d.extract.key, keys.get(d.extract.key) ?? new Set(['']));
  }
  return out;
}

const made = () => randomBytes(18).toString('base64url');

/** A fake provider holding `keys`, each with a value made now. */
export function fakeProvider(keys: Map<string, Set<string>>): KubeObject {
  const data = [...keys].sort(([a], [b]) => a.localeCompare(b)).map(([key, props]) => {
    const named = [...props].filter(Boolean);
    const value = named.length ? JSON.stringify(Object.fromEntries(named.map((p) => [p, made()]))) : made();
    return { key, value };
  });
  return { fake: { data } };
}

function substitutions(root: string): RepoSubstitution[] {
  const files = walkYaml(join(root, 'dist'));
  const objects = readObjects(files);
  const keys = remoteKeysByStore(objects);
  return files.flatMap((file) => {
    const obj = parseYaml(readFileSync(file, 'utf8')) as KubeObject;
    if (obj?.apiVersion?.split('/')[0] !== GROUP || !STORE_KINDS.includes(obj.kind!)) return [];
    const held = keys.get(storeId(obj)) ?? new Map();
    const rendered = Object.keys(obj.spec?.provider ?? {}).join(', ');
    obj.spec.provider = fakeProvider(held);
    return [{
      file: relative(root, file),
      content: `# Substituted by the e2e (e2e/controllers/external-secrets.ts): provider ${rendered} → fake, values made at run time.\n${stringify(obj)}`,
      reason: `${obj.kind} ${obj.metadata?.name}: provider ${rendered} (AWS, out of reach) → ESO's fake provider holding the ${held.size} remote key(s) its ExternalSecrets read, values made at run time`,
    }];
  });
}

async function start(ctx: Parameters<ControllerEntry['start']>[0]): Promise<PlatformController> {
  const binary = toolPath(EXTERNAL_SECRETS);
  if (!existsSync(binary)) throw new Error(`${binary} missing: run scripts/install-tools external-secrets`);
  const addon = ctx.addons.find((a) => a.chart === EXTERNAL_SECRETS);
  if (!addon) throw new Error(`no ${EXTERNAL_SECRETS} add-on in argocd/apps: nothing says which namespace holds its Lease`);
  mkdirSync(ctx.workDir, { recursive: true });
  const t0 = Date.now();
  const creations = startCreationLog(ctx.kube, { Secret: '/api/v1/secrets', Pod: '/api/v1/pods' }, join(ctx.workDir, 'creations.jsonl'), ctx.log);
  const live = await freePort();
  // The chart's arguments (concurrent 1, loglevel info, leader election) with local ports.
  const proc = startProcess(EXTERNAL_SECRETS, binary, [
    '--concurrent=1',
    '--loglevel=info',
    `--metrics-addr=127.0.0.1:${await freePort()}`,
    `--live-addr=127.0.0.1:${live}`,
    '--enable-leader-election=true',
    `--leader-election-namespace=${addon.namespace}`,
  ], { logFile: join(ctx.workDir, 'external-secrets.log'), env: { KUBECONFIG: ctx.cluster.kubeconfig } });
  const abort = new AbortController();
  try {
    await waitForPort(proc, live, 60_000);
    // Reconciling once it holds the Lease (a fresh cluster: any holder is this process).
    await ctx.kube.waitFor(
      { path: kubePath('coordination.k8s.io/v1', 'leases', addon.namespace), name: LEASE, what: `Lease ${addon.namespace}/${LEASE} held (ESO's leader election)`, timeoutMs: 60_000, signal: abort.signal, describe: () => proc.tail(10) },
      ([l]) => (l?.spec?.holderIdentity ? true : undefined),
    );
  } catch (e) {
    abort.abort();
    creations.stop();
    await proc.stop();
    throw e;
  }
  const storeKeys = Object.fromEntries([...remoteKeysByStore(readObjects(walkYaml(join(ctx.root, 'dist'))))].map(([s, k]) => [s, [...k.keys()].sort()]));
  ctx.log(`external-secrets: controllers running in ${((Date.now() - t0) / 1000).toFixed(1)} s (log ${proc.logFile})`);
  const handle: ExternalSecretsHandle = { logFile: proc.logFile, creationLog: creations.file, storeKeys };
  return {
    name: EXTERNAL_SECRETS,
    assesses: ['ExternalSecret', 'ClusterSecretStore', 'SecretStore'].map((kind) => ({ group: GROUP, kind })),
    differences: [
      `external-secrets: ESO v0.20.4's SecretStore, ClusterSecretStore and ExternalSecret controllers (.tools/bin/${EXTERNAL_SECRETS}, tools/external-secrets) run as one local process under the chart's Lease ${addon.namespace}/${LEASE}; the chart runs two replicas, the webhook and the cert-controller (no webhook here: ESO validates nothing on admission)`,
      'external-secrets: only the fake provider is compiled in (tools/external-secrets/patches); ClusterExternalSecret, PushSecret, ClusterPushSecret and GeneratorState controllers are not started (nothing renders them, their CRDs are not installed)',
      'external-secrets: fake stores hold the keys as the ExternalSecrets name them, values made at run time; a store\'s AWS prefix (flextime/<env>/) has no counterpart',
    ],
    handle: handle as unknown as Record<string, unknown>,
    stop: async () => {
      creations.stop();
      await proc.stop();
    },
  };
}

export const EXTERNAL_SECRETS_CONTROLLER: ControllerEntry = { name: EXTERNAL_SECRETS, substitutions, start };
