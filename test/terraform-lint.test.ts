/**
 * tflint (pinned in scripts/install-tools) with its bundled `terraform` ruleset over
 * terraform-bootstrap/: both root modules and every local module (`npm run lint:terraform`,
 * scripts/lint-terraform, config terraform-bootstrap/.tflint.hcl). The committed tree has no
 * finding; a copy of it with one planted defect fails, naming the rule and the place.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool, ROOT, skipWithout } from './tools.ts';

const SCRIPT = join(ROOT, 'scripts', 'lint-terraform');
const lint = (dir?: string) => spawnSync(SCRIPT, dir ? [dir] : [], {
  encoding: 'utf8',
  env: { ...process.env, TFLINT: requireTool('tflint') },
});

const copies: string[] = [];
afterAll(() => { for (const dir of copies) rmSync(dir, { recursive: true, force: true }); });

/** A copy of terraform-bootstrap/ (config included) with each `file` edited: each `anchor` must be there. */
function plantedCopy(plants: ReadonlyArray<readonly [file: string, anchor: string, replacement: string]>): string {
  const parent = mkdtempSync(join(tmpdir(), 'tflint-'));
  copies.push(parent);
  const dir = join(parent, 'terraform-bootstrap');
  cpSync(join(ROOT, 'terraform-bootstrap'), dir, { recursive: true });
  for (const [file, anchor, replacement] of plants) {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text, `${file} no longer contains the text the defect is planted at`).toContain(anchor);
    writeFileSync(join(dir, file), text.replace(anchor, replacement));
  }
  return dir;
}

/** Defects, where they are planted, and the finding tflint must report (file:line:column, rule). */
const PLANTED: Array<[string, string, string, string, string]> = [
  ['an unused variable in a root module', 'environment/variables.tf', 'variable "region" {',
    'variable "planted_unused" {\n  description = "Declared, never read."\n  type        = string\n}\n\nvariable "region" {',
    'environment/variables.tf:30:1: Warning - variable "planted_unused" is declared but not used (terraform_unused_declarations)'],
  ['a deprecated interpolation-only expression', 'cluster/versions.tf', '  region              = var.region\n',
    '  region              = "${var.region}"\n',
    'cluster/versions.tf:22:25: Warning - Interpolation-only expressions are deprecated in Terraform v0.12.14 (terraform_deprecated_interpolation)'],
  ['an unused local in a local module', 'modules/kms-key/main.tf', 'resource "aws_kms_key" "this" {',
    'locals {\n  planted_unused = 1\n}\n\nresource "aws_kms_key" "this" {',
    'modules/kms-key/main.tf:38:3: Warning - local.planted_unused is declared but not used (terraform_unused_declarations)'],
  ['an output without a description', 'environment/outputs.tf', '  description = "RDS PostgreSQL port."\n', '',
    'environment/outputs.tf:25:1: Notice - `db_port` output has no description (terraform_documented_outputs)'],
];

describe.skipIf(skipWithout('tflint'))('npm run lint:terraform (tflint, bundled terraform ruleset)', () => {
  it('finds nothing in terraform-bootstrap/ (cluster/, environment/ and modules/*)', () => {
    const run = lint();
    expect(run.stderr).toContain('TFLint version 0.64.0');
    expect(run.stderr).toContain('ruleset.terraform (0.15.0-bundled)');
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 0, stdout: '' });
  });

  // All defects sit in different files and rules, so one tflint run over one copy holding all of
  // them must report each, and nothing else (one run instead of one per defect: tflint evaluates
  // the whole tree each time).
  let planted: ReturnType<typeof lint> | undefined;
  const plantedRun = () => (planted ??= lint(plantedCopy(PLANTED.map(([, file, anchor, replacement]) => [file, anchor, replacement] as const))));

  it('reports the planted defects and nothing else, exit 2', () => {
    const run = plantedRun();
    expect(run.stdout.split('\n')[0]).toBe(`${PLANTED.length} issue(s) found:`);
    expect(run.stdout.split('\n').filter((l) => /^\S+\.tf:\d+:\d+: /.test(l)).sort()).toEqual(PLANTED.map((p) => p[4]).sort());
    expect(run.status).toBe(2);
  });

  it.each(PLANTED)('fails on %s', (_what, _file, _anchor, _replacement, finding) => {
    expect(plantedRun().stdout.split('\n')).toContain(finding);
  });
});
