/**
 * GitHub Actions and dependency-update config: actionlint passes, every action is pinned by
 * commit SHA with its version in a comment, the sticky-comment marker matches the diff script,
 * and Renovate's regex finds every row of the Helm chart versions table.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMENT_MARKER } from '../scripts/diff.ts';
import { requireTool, ROOT, skipWithout } from './tools.ts';

const WORKFLOWS = join(ROOT, '.github', 'workflows');
const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
const read = (file: string) => readFileSync(join(WORKFLOWS, file), 'utf8');


describe('workflows', () => {
  it('are the four the review process relies on', () => {
    expect(workflowFiles).toEqual(['ci.yml', 'pr-diff.yml', 'promote.yml', 'service-release.yml']);
  });

  it.skipIf(skipWithout('actionlint'))('pass actionlint', () => {
    const result = spawnSync(requireTool('actionlint'), ['-no-color'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('run Node 22.23.3 everywhere: every setup-node, the pinned node package npm scripts run with, engines', () => {
    const versions = workflowFiles.flatMap((file) => [...read(file).matchAll(/node-version: (\S+)/g)].map((m) => `${file}: ${m[1]}`));
    expect(versions.length).toBeGreaterThanOrEqual(5);
    expect(versions.filter((v) => !v.endsWith(': 22.23.3'))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string>; allowScripts: Record<string, boolean> };
    expect(pkg.devDependencies.node).toBe('22.23.3');
    expect(pkg.engines.node).toBe('>=22.12');
    // npm 11 runs no install script it was not told to: node (installs the binary) and esbuild.
    expect(pkg.allowScripts).toEqual({ esbuild: true, node: true });
  });

  it('pin every action by full commit SHA with a "# vX.Y.Z" comment', () => {
    const uses = workflowFiles.flatMap((file) =>
      read(file).split('\n').filter((line) => /^\s*(-\s+)?uses:/.test(line)).map((line) => ({ file, line: line.trim() })),
    );
    expect(uses.length).toBeGreaterThan(10);
    const unpinned = uses.filter(({ line }) => !/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(line));
    expect(unpinned).toEqual([]);
  });

  it('pin the same action to the same commit everywhere', () => {
    const pins = new Map<string, Set<string>>();
    for (const file of workflowFiles) {
      for (const m of read(file).matchAll(/uses: ([\w.-]+\/[\w./-]+)@([0-9a-f]{40})/g)) {
        pins.set(m[1]!, (pins.get(m[1]!) ?? new Set()).add(m[2]!));
      }
    }
    expect([...pins].filter(([, shas]) => shas.size > 1)).toEqual([]);
  });

  it('give every job a timeout and the workflow a least-privilege default token', () => {
    for (const file of workflowFiles) {
      const wf = parse(read(file)) as { permissions?: Record<string, string>; jobs: Record<string, { 'timeout-minutes'?: number }> };
      expect(wf.permissions, file).toBeDefined();
      for (const [name, job] of Object.entries(wf.jobs)) expect(job['timeout-minutes'], `${file} ${name}`).toBeGreaterThan(0);
    }
  });

  it('update the sticky PR comment by the marker the diff script writes', () => {
    expect(read('pr-diff.yml')).toContain(`const marker = '${COMMENT_MARKER}';`);
  });

  it('never run pull request code with a write token (no pull_request_target)', () => {
    for (const file of workflowFiles) expect(read(file), file).not.toContain('pull_request_target');
  });
});

describe('service-release.yml signs what it releases (issue 20)', () => {
  type Step = { uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string>; id?: string };
  const build = () => (parse(read('service-release.yml')) as { jobs: { build: { permissions: Record<string, string>; steps: Step[] } } }).jobs.build;

  it('may ask GitHub for an OIDC token (keyless) and push signatures', () => {
    expect(build().permissions).toEqual({ contents: 'read', packages: 'write', 'id-token': 'write' });
  });

  it('signs the pushed digest and attests its SBOM and provenance, after the push', () => {
    const steps = build().steps;
    const push = steps.findIndex((s) => s.id === 'push');
    const sign = steps.findIndex((s) => s.run?.includes('cosign sign'));
    expect(push).toBeGreaterThanOrEqual(0);
    expect(sign).toBeGreaterThan(push);
    const script = steps[sign]!.run!;
    expect(steps[sign]!.env!.IMAGE).toBe('${{ steps.name.outputs.repository }}@${{ steps.push.outputs.digest }}');
    expect(script).toContain('cosign sign --yes "$IMAGE"');
    expect(script).toContain('cosign attest --yes --type spdxjson');
    expect(script).toContain('cosign attest --yes --type slsaprovenance');
    // Keyless: no key file, no key from a secret.
    expect(script).not.toMatch(/--key\b/);
  });

  it('installs the cosign release the admission policy is tested with (tools/policy-controller)', () => {
    const installer = build().steps.find((s) => s.uses?.startsWith('sigstore/cosign-installer@'));
    const goMod = readFileSync(join(ROOT, 'tools', 'policy-controller', 'go.sum'), 'utf8');
    const tested = /^github\.com\/sigstore\/cosign\/v2 (v[0-9.]+) h1:/m.exec(goMod)?.[1];
    expect(installer?.with?.['cosign-release']).toBe('v2.5.0');
    expect(tested).toBe('v2.5.0');
  });
});

describe('dependency updates', () => {
  it('Dependabot watches npm and GitHub Actions', () => {
    const config = parse(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as { updates: Array<{ 'package-ecosystem': string }> };
    expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
  });

  const addons = join(ROOT, 'config', 'addons.ts');
  it('Renovate finds every Helm chart version in config/addons.ts', () => {
    const renovate = JSON.parse(readFileSync(join(ROOT, 'renovate.json'), 'utf8')) as { customManagers: Array<{ matchStrings: string[] }> };
    const pattern = new RegExp(renovate.customManagers[0]!.matchStrings[0]!, 'g');
    const source = readFileSync(addons, 'utf8');
    const found = [...source.matchAll(pattern)].map((m) => `${m.groups!.depName}@${m.groups!.currentValue}`);
    const rows = [...source.matchAll(/chart: '([^']+)',(?:\s*\/\/[^\n]*)*\s*version: '([^']+)'/g)].map((m) => `${m[1]}@${m[2]}`);
    expect(rows.length).toBeGreaterThan(0);
    expect(found).toEqual(rows);
    expect(found).toHaveLength((source.match(/\bchart: '/g) ?? []).length);
  });
});
