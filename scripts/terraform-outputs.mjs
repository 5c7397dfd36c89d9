#!/usr/bin/env node
// Copy one environment's Terraform outputs into config/terraform-outputs.json:
//
//   terraform -chdir=terraform-bootstrap output -json | node scripts/terraform-outputs.mjs production
//
// Keeps the other environments as they are, writes keys sorted (as `terraform output` does) so a
// re-apply without changes is an empty diff. Config validates the result (npm run synth / npm test).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'config', 'terraform-outputs.json');
const env = process.argv[2];
if (!env || !/^[a-z][a-z0-9-]*$/.test(env)) {
  console.error('usage: terraform output -json | node scripts/terraform-outputs.mjs <environment>');
  process.exit(2);
}
const raw = JSON.parse(readFileSync(0, 'utf8'));
const sensitive = Object.keys(raw).filter((k) => raw[k].sensitive);
if (sensitive.length) {
  console.error(`refusing to commit sensitive outputs: ${sensitive.join(', ')}`);
  process.exit(1);
}
const all = JSON.parse(readFileSync(FILE, 'utf8'));
all[env] = Object.fromEntries(Object.keys(raw).sort().map((k) => [k, raw[k].value]));
writeFileSync(FILE, `${JSON.stringify(all, null, 2)}\n`);
console.log(`${env}: ${Object.keys(all[env]).length} outputs written to config/terraform-outputs.json`);
