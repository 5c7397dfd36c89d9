/**
 * The Gatekeeper policies run for real with gator (the same engine as the admission webhook):
 * the gator suites pass, our own rendered dist/ violates no Constraint, and a deliberately bad
 * Deployment is denied. Needs .tools/bin/gator (scripts/install-tools; CI installs it) or a
 * gator binary in $GATOR; skipped without one outside CI, a failure in CI (test/tools.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { POLICIES } from '../charts/security-rules/gatekeeper-policies.ts';
import { requireTool, ROOT, skipWithout } from './tools.ts';

const skipGator = skipWithout('gator');
const SUITES = join(ROOT, 'policies/gatekeeper');

interface Violation { constraint: { kind: string; metadata: { name: string } }; msg: string; enforcementAction: string }

function gator(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(requireTool('gator'), args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.yaml'))
    .map((d) => join(d.parentPath, d.name))
    .sort();
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
const distObjects: Obj[] = yamlFiles(join(ROOT, 'dist')).map((f) => parse(readFileSync(f, 'utf8')) as Obj);

/**
 * Namespaces ArgoCD creates for add-ons are not rendered in dist/; Gatekeeper knows them in the
 * cluster. Stand-ins without the environment label let gator resolve the namespace selectors.
 */
function missingNamespaces(): string {
  const rendered = new Set(distObjects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const used = [...new Set(distObjects.map((o) => o.metadata.namespace).filter((n): n is string => !!n && !rendered.has(n)))].sort();
  return used.map((name) => stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })).join('---\n');
}

const work = mkdtempSync(join(tmpdir(), 'gator-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('gator suites', () => {
  it('has a suite for every policy, and every suite file it names exists', () => {
    for (const policy of POLICIES) {
      const suitePath = join(SUITES, policy.name, 'suite.yaml');
      expect(existsSync(suitePath), suitePath).toBe(true);
      const suite = parse(readFileSync(suitePath, 'utf8')) as { tests: Array<{ template: string; constraint: string; cases: Array<{ object: string; inventory?: string[]; assertions: unknown[] }> }> };
      const dir = join(SUITES, policy.name);
      for (const test of suite.tests) {
        expect(test.template).toBe(`../../../dist/cluster/security/constrainttemplate-${policy.kind.toLowerCase()}.yaml`);
        for (const path of [test.template, test.constraint, ...test.cases.flatMap((c) => [c.object, ...(c.inventory ?? [])])]) {
          expect(existsSync(join(dir, path)), `${policy.name}: ${path}`).toBe(true);
        }
      }
      // allowed and disallowed samples both
      const assertions = suite.tests.flatMap((t) => t.cases.flatMap((c) => c.assertions)) as Array<{ violations: unknown }>;
      expect(assertions.some((a) => a.violations === 'no' || a.violations === false), policy.name).toBe(true);
      expect(assertions.some((a) => typeof a.violations === 'number' && a.violations > 0), policy.name).toBe(true);
    }
  });

  it.skipIf(skipGator)('pass gator verify', () => {
    const r = gator(['verify', 'policies/gatekeeper/...']);
    expect(r.stderr + r.stdout).not.toMatch(/FAIL/);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

describe.skipIf(skipGator)('our own dist/ under every Constraint', () => {
  it('has zero violations, at any enforcement level', () => {
    const stubs = join(work, 'namespaces.yaml');
    writeFileSync(stubs, missingNamespaces());
    const r = gator(['test', '-f', 'dist', '-f', stubs, '-o', 'json']);
    expect(r.stderr).toBe('');
    const violations = (JSON.parse(r.stdout || '[]') ?? []) as Violation[];
    expect(violations.map((v) => `${v.constraint.metadata.name}: ${v.msg}`)).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('denies a deliberately bad Deployment in production', () => {
    const good = distObjects.find((o) => o.kind === 'Deployment' && o.metadata.namespace === 'flextime-production');
    expect(good, 'a production Deployment in dist/').toBeDefined();
    const bad = structuredClone(good) as Obj & { spec: { template: { spec: { hostNetwork?: boolean; containers: Array<Record<string, unknown>> } } } };
    bad.metadata.name = 'deliberately-bad';
    const container = bad.spec.template.spec.containers[0]!;
    container.image = 'docker.io/library/nginx:latest';
    container.securityContext = { privileged: true };
    bad.spec.template.spec.hostNetwork = true;
    const input = join(work, 'bad.yaml');
    writeFileSync(input, [
      ...yamlFiles(join(ROOT, 'dist/cluster/security')).map((f) => readFileSync(f, 'utf8')),
      readFileSync(join(ROOT, 'dist/production/namespaces/namespace-flextime-production.yaml'), 'utf8'),
      stringify(bad),
    ].join('\n---\n'));
    const r = gator(['test', '-f', input, '-o', 'json']);
    expect(r.status).toBe(1); // a deny-level violation
    const violations = JSON.parse(r.stdout) as Violation[];
    const by = (name: string) => violations.filter((v) => v.constraint.metadata.name === name).map((v) => v.msg);
    expect(by('allowed-images-deny')).toContain("Deployment 'deliberately-bad': container '" + container.name + "' image 'docker.io/library/nginx:latest' is not from an allowed registry (ghcr.io/flextime/)");
    expect(by('allowed-images-deny')).toContain("Deployment 'deliberately-bad': container '" + container.name + "' image 'docker.io/library/nginx:latest' must name a tag or digest other than 'latest'");
    expect(by('image-digest-deny')).toHaveLength(1);
    expect(by('container-security-deny')).toContain(`Deployment 'deliberately-bad': container '${container.name}' must not be privileged`);
    expect(by('host-isolation-deny')).toEqual(["Deployment 'deliberately-bad' must not set hostNetwork: true"]);
    expect(violations.every((v) => v.enforcementAction === 'deny')).toBe(true);
  });
});
