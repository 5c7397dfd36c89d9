/**
 * Issue 19, class 10: "the production sync window blocks a bootstrap outside business hours".
 * A window with manualSync lets through any operation not started by the automated policy
 * (ArgoCD's syncWindowPreventsSync), so every Application a window gates carries a one-time
 * sync-on-create operation, and the root that creates them ignores `/operation` so it never
 * starts one again. The e2e (scenario 1) shows it on a real ArgoCD.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RenderedFile } from '../lib/synth/engine.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { objects, renderPlatform } from './helpers.ts';
import { projectSpec, spec } from './argocd-model.ts';

interface Operation {
  initiatedBy: { username?: string; automated?: boolean };
  sync: { prune?: boolean; syncOptions?: string[] };
  retry?: unknown;
}
const operationOf = (o: KubeObject) => (o as KubeObject & { operation?: Operation }).operation;
const glob = (pattern: string, value: string) =>
  new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);

let files: RenderedFile[];
let applications: KubeObject[];
let gated: Set<string>;

beforeAll(() => {
  files = renderPlatform();
  applications = objects('argocd/apps/', files);
  const windows = objects('argocd/projects/', files).flatMap((p) => projectSpec(p).syncWindows ?? []);
  gated = new Set(applications
    .map((a) => a.metadata.name!)
    .filter((name) => windows.some((w) => w.manualSync && w.applications.some((g) => glob(g, name)))));
});

describe('a first bootstrap completes outside the sync windows', () => {
  it('the production Applications are among those a manualSync window gates (the issue names production)', () => {
    // Literal names from the subject, independent of config.
    for (const name of ['production-api-svc', 'production-scheduler-svc', 'production-database', 'production-namespaces']) {
      expect(gated.has(name), `${name} gated by a manualSync window`).toBe(true);
    }
    expect(gated.has('staging-api-svc'), 'staging-api-svc has no window').toBe(false);
  });

  it('every gated Application syncs once on creation, as a manual-class sync with its own options', () => {
    const missing = [...gated].filter((name) => {
      const a = applications.find((x) => x.metadata.name === name)!;
      const op = operationOf(a);
      return !(op && op.initiatedBy.username === 'flextime-root-bootstrap' && !op.initiatedBy.automated
        && JSON.stringify(op.sync.syncOptions) === JSON.stringify(spec(a).syncPolicy.syncOptions)
        && JSON.stringify(op.retry) === JSON.stringify(spec(a).syncPolicy.retry));
    });
    expect(missing, 'gated Applications without a matching sync-on-create operation').toEqual([]);
  });

  it('Applications no window gates carry no operation (automated sync starts them)', () => {
    const extra = applications.filter((a) => !gated.has(a.metadata.name!) && operationOf(a)).map((a) => a.metadata.name);
    expect(extra).toEqual([]);
  });

  it('the root ignores /operation on Applications and respects it when syncing, so no commit re-starts a sync-on-create', () => {
    const [root] = objects('argocd/bootstrap/', files);
    const s = spec(root!);
    expect(s.ignoreDifferences).toContainEqual({ group: 'argoproj.io', kind: 'Application', jsonPointers: ['/operation'] });
    expect(s.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });
});
