/**
 * The semantic diff engine: objects matched by identity, field paths with old → new values, no
 * noise from key order, formatting or list order, and a report with the summary first.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { diffObjects, loadObjects, type LocatedObject } from '../lib/diff/objects.ts';
import { buildReport, formatMarkdown, formatText, summaryRows } from '../lib/diff/report.ts';
import { diffValues, lineDiff } from '../lib/diff/values.ts';
import { at, container, deployment, DIGEST_B } from './fixtures/diff-objects.ts';
import { rawConfig, renderPlatform } from './helpers.ts';

const located = (files: ReturnType<typeof renderPlatform>): LocatedObject[] => files.map((f) => ({ path: f.path, object: f.object }));

describe('field diff', () => {
  it('reports a changed scalar with its path and old → new value', () => {
    expect(diffValues({ spec: { replicas: 3 } }, { spec: { replicas: 2 } })).toEqual([
      { path: 'spec.replicas', op: 'changed', old: 3, new: 2 },
    ]);
  });

  it('ignores key order', () => {
    expect(diffValues({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toEqual([]);
  });

  it('quotes keys that are not identifiers', () => {
    expect(diffValues({ metadata: { labels: { 'app.kubernetes.io/version': '1' } } }, { metadata: { labels: { 'app.kubernetes.io/version': '2' } } }))
      .toEqual([{ path: 'metadata.labels["app.kubernetes.io/version"]', op: 'changed', old: '1', new: '2' }]);
  });

  it('matches containers, env, ports and volumes by name, so a reorder is no change', () => {
    const before = deployment();
    const after = deployment('staging', (d) => {
      const c = container(d);
      (c.env as unknown[]).reverse();
      (c.ports as unknown[]).reverse();
    });
    expect(diffValues(before, after)).toEqual([]);
  });

  it('names list items by their name in the path', () => {
    const after = deployment('staging', (d) => {
      container(d).image = `ghcr.io/flextime/api-svc:1.5.0@${DIGEST_B}`;
      (container(d).env as Array<{ name: string; value: string }>)[0]!.value = 'debug';
    });
    expect(diffValues(deployment(), after).map((c) => c.path)).toEqual([
      'spec.template.spec.containers[api-svc].env[LOG_LEVEL].value',
      'spec.template.spec.containers[api-svc].image',
    ]);
  });

  it('reports added and removed list items by name', () => {
    const after = deployment('staging', (d) => {
      const env = container(d).env as Array<{ name: string; value: string }>;
      env.splice(1, 1, { name: 'NODE_ENV', value: 'production' });
    });
    expect(diffValues(deployment(), after)).toEqual([
      { path: 'spec.template.spec.containers[api-svc].env[PORT]', op: 'removed', old: { name: 'PORT', value: '3000' } },
      { path: 'spec.template.spec.containers[api-svc].env[NODE_ENV]', op: 'added', new: { name: 'NODE_ENV', value: 'production' } },
    ]);
  });

  it('pairs equal items of unkeyed lists first, so reordering RBAC rules is no change', () => {
    const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] }];
    expect(diffValues({ rules }, { rules: [...rules].reverse() })).toEqual([]);
    expect(diffValues({ rules }, { rules: [rules[0], { ...rules[1], verbs: ['list', 'watch'] }] })).toEqual([
      { path: 'rules[1].verbs', op: 'changed', old: ['list'], new: ['list', 'watch'] },
    ]);
  });

  it('compares JSON held in a string as structure', () => {
    const before = { data: { 'dash.json': JSON.stringify({ title: 'API', panels: [{ id: 1, title: 'p95' }] }) } };
    const after = { data: { 'dash.json': JSON.stringify({ panels: [{ title: 'p99', id: 1 }], title: 'API' }, null, 2) } };
    expect(diffValues(before, after)).toEqual([
      { path: 'data["dash.json"].panels[0].title', op: 'changed', old: 'p95', new: 'p99' },
    ]);
  });

  it('shows the changed lines of other multi-line text', () => {
    expect(lineDiff('a\nb\nc', 'a\nB\nc\nd')).toEqual(['- b', '+ B', '+ d']);
  });
});

describe('object diff', () => {
  it('matches objects by kind/namespace/name, reporting a file rename as a move', () => {
    const d = deployment();
    const diffs = diffObjects([at('staging', 'api-svc', d)], [{ path: 'dist/staging/api/deployment-api-svc.yaml', object: d }]);
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatchObject({ status: 'changed', changes: [], movedFrom: 'dist/staging/api-svc/deployment-api-svc.yaml' });
  });

  it('reads YAML files from disk regardless of formatting and key order', () => {
    const root = mkdtempSync(join(tmpdir(), 'diff-load-'));
    mkdirSync(join(root, 'dist/staging/x'), { recursive: true });
    writeFileSync(join(root, 'dist/staging/x/a.yaml'), 'kind: ConfigMap\napiVersion: v1\nmetadata: {name: a, namespace: n}\ndata: {k: v}\n');
    const again = mkdtempSync(join(tmpdir(), 'diff-load-'));
    mkdirSync(join(again, 'dist/staging/x'), { recursive: true });
    writeFileSync(join(again, 'dist/staging/x/a.yaml'), '# comment\napiVersion: v1\nkind: ConfigMap\ndata:\n  k: "v"\nmetadata:\n  namespace: n\n  name: a\n');
    try {
      expect(loadObjects(root)).toHaveLength(1);
      expect(diffObjects(loadObjects(root), loadObjects(again))).toEqual([]);
    } finally {
      for (const dir of [root, again]) rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('changing one config value', () => {
  it('shows exactly that field in exactly the affected environment', () => {
    const raw = rawConfig();
    const production = raw.environments.find((e) => e.name === 'production')!;
    production.quota.pods = 120;
    const before = located(renderPlatform());
    const after = located(renderPlatform(loadConfig(raw)));
    const report = buildReport({ base: 'HEAD', head: 'working tree', before, after, options: { protectedGroups: ['production'] } });
    expect(report.diffs.map((d) => [d.group, d.kind, d.changes.map((c) => `${c.path}: ${String(c.old)} → ${String(c.new)}`)])).toEqual([
      ['production', 'ResourceQuota', ['spec.hard.pods: 100 → 120']],
    ]);
    expect(summaryRows(report)).toEqual([{ group: 'production', added: 0, removed: 0, changed: 1, fields: 1, flags: 1 }]);
  });
});

describe('report', () => {
  const before = [at('staging', 'api-svc', deployment())];
  const after = [at('staging', 'api-svc', deployment('staging', (d) => { (d.spec as { replicas: number }).replicas = 1; }))];
  const report = buildReport({ base: 'main', head: 'pr', before, after });

  it('prints the summary table, then risk flags, then the changes (text)', () => {
    const text = formatText(report);
    expect(text.indexOf('group')).toBeLessThan(text.indexOf('Risk flags'));
    expect(text.indexOf('Risk flags')).toBeLessThan(text.indexOf('Changes'));
    expect(text).toContain('    ~ Deployment flextime-staging/api-svc  changed  (dist/staging/api-svc/deployment-api-svc.yaml)\n        spec.replicas: 3 → 1');
    expect(text).toContain('Deployment flextime-staging/api-svc: spec.replicas 3 → 1');
  });

  it('renders Markdown with the sticky-comment marker, summary table and flag table', () => {
    const md = formatMarkdown(report, { marker: '<!-- m -->' });
    expect(md.startsWith('<!-- m -->\n### Rendered diff: `main` → `pr`')).toBe(true);
    expect(md).toContain('| staging | 0 | 0 | 1 | 1 | **1** |');
    expect(md).toContain('| staging | `Deployment flextime-staging/api-svc` | `spec.replicas 3 → 1` |');
    expect(md).toContain('- `spec.replicas`: `3` → `1`');
  });

  it('keeps the Markdown under the size limit by leaving out whole environment sections', () => {
    const md = formatMarkdown(report, { maxLength: 800 });
    expect(md.length).toBeLessThanOrEqual(800);
    expect(md).toContain('1 environment section(s) left out');
  });

  it('says so when nothing changed', () => {
    expect(formatText(buildReport({ base: 'a', head: 'b', before, after: before }))).toContain('No changes to rendered output.');
  });
});
