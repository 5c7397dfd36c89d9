#!/usr/bin/env node
// Copy the outputs of one Terraform state into config/terraform-outputs.json:
//
//   terraform -chdir=terraform-bootstrap/cluster output -json     | node scripts/terraform-outputs.mjs cluster flextime
//   terraform -chdir=terraform-bootstrap/environment output -json | node scripts/terraform-outputs.mjs environment production
//
// `cluster <name>` writes `clusters.<name>`, `environment <name>` writes `environments.<name>`;
// everything else stays as it is. Keys are written sorted (as `terraform output` does), so a
// re-apply without changes is an empty diff. Sensitive outputs are refused. Config validates the
// result (npm run synth / npm test). FLEXTIME_TERRAFORM_OUTPUTS overrides the file (tests).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILE = process.env.FLEXTIME_TERRAFORM_OUTPUTS
  ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'config', 'terraform-outputs.json');
const PARTS = { cluster: 'clusters', environment: 'environments' };
const USAGE = 'usage: terraform output -json | node scripts/terraform-outputs.mjs cluster <name> | environment <name>';

const [kind, name] = process.argv.slice(2);
if (!(kind in PARTS) || !name || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name) || process.argv.length !== 4) {
  console.error(USAGE);
  process.exit(2);
}
const raw = JSON.parse(readFileSync(0, 'utf8'));
const sensitive = Object.keys(raw).filter((k) => raw[k].sensitive);
if (sensitive.length) {
  console.error(`refusing to commit sensitive outputs: ${sensitive.join(', ')}`);
  process.exit(1);
}
if ((kind === 'environment' && !('db_endpoint' in raw)) || (kind === 'cluster' && !('oidc_provider_arn' in raw))) {
  console.error(`these are not the outputs of terraform-bootstrap/${kind} (wrong -chdir?)`);
  process.exit(1);
}
const all = JSON.parse(readFileSync(FILE, 'utf8'));
const part = PARTS[kind];
all[part] = { ...all[part], [name]: Object.fromEntries(Object.keys(raw).sort().map((k) => [k, raw[k].value])) };
writeFileSync(FILE, `${JSON.stringify(all, null, 2)}\n`);
console.log(`${part}.${name}: ${Object.keys(all[part][name]).length} outputs written to ${FILE.endsWith('config/terraform-outputs.json') ? 'config/terraform-outputs.json' : FILE}`);
