/**
 * Scenario 13 — External Secrets deliver every Secret before the pods that need it.
 *
 * Runbook: ESO runs for real (e2e/controllers/external-secrets.ts, issue 18);
 * its stores are the rendered ones with AWS Secrets Manager swapped for ESO's fake provider,
 * holding the remote keys the ExternalSecrets name with values made at run time. Look at
 * `kubectl get clustersecretstores,externalsecrets -A`, the Secrets, and when each appeared.
 *
 * Expected (issue 18): every store and every ExternalSecret of dist/ Ready; each Secret holds, under
 * each secretKey, exactly the value the store holds for its remoteRef (key, property); and every
 * Secret a pod template of dist/ references (env, envFrom, volume) existed before the first pod of
 * that workload was created (etcd creation revisions, e2e/controllers/creation-log.ts).
 * Planted defect: an ExternalSecret reading a remote key its store does not hold must fail the
 * "every ExternalSecret Ready" check, naming it, the missing key and ESO's own warning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCreationLog, type Creation } from '../controllers/creation-log.ts';
import { EXTERNAL_SECRETS, storeOf, type ExternalSecretsHandle } from '../controllers/external-secrets.ts';
import { kubePath, type KubeObject } from '../controllers/kube.ts';
import { PLATFORM_SETUP_MS, seconds, type Ctx } from './context.ts';
import { controllerScenario, lastWarning, readyText, ref, waitAllReady } from './ready-conditions.ts';

const READY_WITHIN_MS = 60_000;
const ES = 'external-secrets.io/v1';

let ctx: Ctx;
let eso: ExternalSecretsHandle;
let dist: KubeObject[];

/** The planted defect: development api-svc's ExternalSecret with one more key, which no store holds. */
const PLANT = { name: 'e2e-planted-missing-key', namespace: 'flextime-development', key: 'api-svc/e2e-planted-missing', property: 'value' };

beforeAll(async () => {
  ({ ctx, handle: eso, dist } = await controllerScenario<ExternalSecretsHandle>(EXTERNAL_SECRETS));
}, PLATFORM_SETUP_MS);

afterAll(async () => {
  await ctx?.kube.delete(kubePath(ES, 'externalsecrets', PLANT.namespace, PLANT.name)).catch(() => undefined);
});

/** Waits until every given ExternalSecrets.io object is Ready, explaining each that is not. */
function waitReady(plural: string, kind: string, objs: readonly KubeObject[], timeoutMs = READY_WITHIN_MS): Promise<KubeObject[]> {
  expect(objs.length, `${kind}s rendered in dist/`).toBeGreaterThan(0);
  return waitAllReady(ctx.kube, {
    path: kubePath(ES, plural),
    kind,
    wanted: objs.map(ref),
    timeoutMs,
    explain: async (r, live) => {
      const o = live ?? objs.find((x) => ref(x) === r)!;
      if (kind !== 'ExternalSecret') return `${r}: ${readyText(live)}${live ? await lastWarning(ctx.kube, live) : ''}`;
      const store = await liveStore(o);
      const missing = (o.spec?.data ?? []).map((d: KubeObject) => storeValue(store, d.remoteRef.key, d.remoteRef.property).missing).filter(Boolean);
      return `${r} (store ${storeOf(o)}): ${readyText(live)}${missing.length ? `; ${missing.join('; ')}` : ''}${live ? await lastWarning(ctx.kube, live) : ''}`;
    },
  });
}

/** The value a fake store holds for a remoteRef, or why there is none. */
function storeValue(store: KubeObject | undefined, key: string, property?: string): { value?: string; missing?: string } {
  const entry = (store?.spec?.provider?.fake?.data ?? []).find((d: { key: string }) => d.key === key);
  if (!entry) return { missing: `the store holds no key ${key}` };
  if (!property) return { value: entry.value };
  const v = (JSON.parse(entry.value) as Record<string, string>)[property];
  return v === undefined ? { missing: `key ${key} has no property ${property}` } : { value: v };
}

async function liveStore(es: KubeObject): Promise<KubeObject | undefined> {
  const [kind, ns, name] = storeOf(es).split('/');
  return ctx.kube.find(kind === 'ClusterSecretStore' ? kubePath(ES, 'clustersecretstores', undefined, name) : kubePath(ES, 'secretstores', ns, name));
}

const DIFFERS = 'differs from the store';

/** What an ExternalSecret's Secret holds that its store does not ([] when it matches). */
function compare(es: KubeObject, store: KubeObject | undefined, secret: KubeObject | undefined): string[] {
  if (!secret) return [`${ref(es)}: Ready, but its Secret does not exist`];
  const value = (k: string) => (secret.data?.[k] === undefined ? undefined : Buffer.from(secret.data[k], 'base64').toString());
  const out: string[] = [];
  for (const d of es.spec?.data ?? []) {
    const want = storeValue(store, d.remoteRef.key, d.remoteRef.property);
    const from = `${d.remoteRef.key}${d.remoteRef.property ? `#${d.remoteRef.property}` : ''}`;
    if (want.missing) out.push(`${ref(es)}: ${d.secretKey} ← ${from}: ${want.missing}`);
    else if (value(d.secretKey) === undefined) out.push(`${ref(es)}: Secret key ${d.secretKey} missing (the store's ${from})`);
    else if (value(d.secretKey) !== want.value) out.push(`${ref(es)}: Secret key ${d.secretKey} ${DIFFERS}'s ${from}`);
  }
  for (const k of Object.keys(es.spec?.target?.template?.data ?? {})) {
    const v = value(k);
    if (v === undefined || v.includes('{{')) out.push(`${ref(es)}: templated key ${k} ${v === undefined ? 'missing' : 'not rendered'}`);
  }
  return out;
}

/** Secrets a pod template needs (optional references left out). */
function secretsOf(podSpec: KubeObject): string[] {
  const names = new Set<string>();
  for (const c of [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? [])]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional) names.add(e.valueFrom.secretKeyRef.name);
    for (const e of c.envFrom ?? []) if (e.secretRef && !e.secretRef.optional) names.add(e.secretRef.name);
  }
  for (const v of podSpec.volumes ?? []) {
    if (v.secret && !v.secret.optional) names.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) if (s.secret && !s.secret.optional) names.add(s.secret.name);
  }
  return [...names].sort();
}

/** Pod template and the labels its pods carry, of every workload kind dist/ renders. */
function podTemplate(o: KubeObject): { spec: KubeObject; labels: Record<string, string> } | undefined {
  const t = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
  if (!t?.spec) return undefined;
  return { spec: t.spec, labels: o.spec?.selector?.matchLabels ?? t.metadata?.labels ?? {} };
}

describe('13 external secrets', () => {
  it('every ClusterSecretStore and SecretStore of dist/ is Ready with the fake provider', async () => {
    const t0 = Date.now();
    const rendered = (kind: string) => dist.filter((o) => o.kind === kind && o.apiVersion === ES);
    const stores = [
      ...(rendered('ClusterSecretStore').length ? await waitReady('clustersecretstores', 'ClusterSecretStore', rendered('ClusterSecretStore')) : []),
      ...(rendered('SecretStore').length ? await waitReady('secretstores', 'SecretStore', rendered('SecretStore')) : []),
    ];
    for (const s of stores) expect(Object.keys(s.spec?.provider ?? {}), `${ref(s)} provider (the e2e's substitution)`).toEqual(['fake']);
    console.log(`${stores.length} stores Ready in ${seconds(Date.now() - t0)}: ${stores.map((s) => `${s.metadata!.name} (${s.spec.provider.fake.data.length} keys)`).join(', ')}`);
  });

  it('every ExternalSecret of dist/ is Ready and its Secret holds the store\'s values', async () => {
    const t0 = Date.now();
    const live = await waitReady('externalsecrets', 'ExternalSecret', dist.filter((o) => o.kind === 'ExternalSecret' && o.apiVersion === ES));
    const problems: string[] = [];
    const changed: Array<{ es: KubeObject; store: KubeObject | undefined; path: string }> = [];
    for (const es of live) {
      const store = await liveStore(es);
      const path = kubePath('v1', 'secrets', es.metadata!.namespace as string, es.spec?.target?.name ?? es.metadata!.name);
      const found = compare(es, store, await ctx.kube.find(path));
      if (found.length && found.every((p) => p.includes(DIFFERS))) changed.push({ es, store, path });
      else problems.push(...found);
    }
    expect(problems, 'Secrets that do not hold what their stores hold').toEqual([]);
    // A value written into a Secret by hand (scenario 11 rotates the Redis password in the Secrets:
    // the fake store is the served repository's) must be put back by ESO's refresh, forced as an
    // operator does with the force-sync annotation.
    for (const { es, store, path } of changed) {
      await ctx.kube.patch(kubePath(ES, 'externalsecrets', es.metadata!.namespace as string, es.metadata!.name as string), { metadata: { annotations: { 'force-sync': String(Date.now()) } } });
      await ctx.kube.waitFor(
        { path: path.slice(0, path.lastIndexOf('/')), name: path.slice(path.lastIndexOf('/') + 1), what: `ESO's refresh of ${ref(es)} putting the store's values back`, timeoutMs: 30_000, describe: ([sec]) => compare(es, store, sec).join('; ') },
        ([sec]) => (compare(es, store, sec).length === 0 ? true : undefined),
      );
    }
    const restored = changed.length ? `; ${changed.length} changed by hand (${changed.map((c) => ref(c.es)).join(', ')}) put back by a forced refresh` : '';
    console.log(`${live.length} ExternalSecrets Ready, their Secrets hold the stores' values (${seconds(Date.now() - t0)})${restored}`);
  });

  it('every Secret a workload of dist/ needs existed before the first pod of that workload', () => {
    const log = readCreationLog(eso.creationLog);
    const created = (kind: string, ns: string, name: string) => log.find((c) => c.kind === kind && c.namespace === ns && c.name === name);
    const podsOf = (ns: string, labels: Record<string, string>): Creation[] =>
      log.filter((c) => c.kind === 'Pod' && c.namespace === ns && Object.entries(labels).every(([k, v]) => c.labels[k] === v));
    const problems: string[] = [];
    const checked: string[] = [];
    const noPods: string[] = [];
    for (const w of dist) {
      const t = podTemplate(w);
      const needs = t ? secretsOf(t.spec) : [];
      if (!t || !needs.length) continue;
      const ns = w.metadata!.namespace as string;
      const pods = podsOf(ns, t.labels).sort((a, b) => a.revision - b.revision);
      for (const s of needs) {
        const secret = created('Secret', ns, s);
        if (!secret) {
          problems.push(`${w.kind} ${ns}/${w.metadata!.name} needs Secret ${s}: it was never created`);
          continue;
        }
        if (!pods.length) continue;
        if (secret.revision > pods[0].revision) {
          problems.push(`${w.kind} ${ns}/${w.metadata!.name}: its first pod ${pods[0].name} was created (revision ${pods[0].revision}) before Secret ${s} (revision ${secret.revision}): on EKS it would fail with CreateContainerConfigError until then`);
        }
      }
      (pods.length ? checked : noPods).push(`${w.kind} ${ns}/${w.metadata!.name} (${needs.join(', ')})`);
    }
    expect(checked.length + noPods.length, 'workloads of dist/ that reference a Secret').toBeGreaterThan(0);
    expect(problems, 'Secrets that did not exist before the pods that need them').toEqual([]);
    console.log(`${checked.length} workloads: every Secret existed before their first pod\n  ${checked.join('\n  ')}`);
    if (noPods.length) console.log(`${noPods.length} workloads have no pod yet (their Secrets exist): ${noPods.join(', ')}`);
  });

  it('planted: an ExternalSecret reading a key its store lacks fails the check, naming the key and ESO\'s warning', async () => {
    const base = dist.find((o) => o.kind === 'ExternalSecret' && o.metadata?.namespace === PLANT.namespace)!;
    const planted: KubeObject = {
      apiVersion: ES,
      kind: 'ExternalSecret',
      metadata: { name: PLANT.name, namespace: base.metadata!.namespace, labels: { 'flextime.io/e2e-planted': 'true' } },
      spec: { ...base.spec, target: { name: PLANT.name }, data: [...base.spec.data, { secretKey: 'PLANTED', remoteRef: { key: PLANT.key, property: PLANT.property } }] },
    };
    await ctx.kube.apply(planted, 'externalsecrets');
    const err = await waitReady('externalsecrets', 'ExternalSecret', [planted], 20_000).then(() => undefined, (e: Error) => e);
    expect(err, `ExternalSecret ${ref(planted)} reads ${PLANT.key}, which its store does not hold: expected the check to fail`).toBeInstanceOf(Error);
    console.log(`planted ${ref(planted)}: the check fails with\n${err!.message}`);
    expect(err!.message).toContain(`expected every ExternalSecret (1) Ready, saw not Ready: ${ref(planted)}`);
    expect(err!.message).toContain(`the store holds no key ${PLANT.key}`);
    expect(err!.message).toMatch(/last warning: .*e2e-planted-missing/);
  });
});
