/**
 * The Terraform inputs the Terraform tests compare with config: the tfvars synth generates and
 * the hand-written ones per cluster and environment. Shared by test/terraform-config.test.ts and
 * test/terraform-irsa.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_TFVARS_PATH, ENVIRONMENT_TFVARS_PATH } from '../charts/terraform.ts';
import { parseHclFile, type Hcl } from './terraform-hcl.ts';

export const generated = {
  cluster: JSON.parse(readFileSync(CLUSTER_TFVARS_PATH, 'utf8')) as Record<string, Hcl>,
  environment: JSON.parse(readFileSync(ENVIRONMENT_TFVARS_PATH, 'utf8')) as Record<string, Hcl>,
};
/** Hand-written tfvars: clusters/<cluster>.tfvars and environments/<env>.tfvars, by name (filled by each test file's beforeAll). */
export const tfvars = { cluster: {} as Record<string, Record<string, Hcl>>, environment: {} as Record<string, Record<string, Hcl>> };

export async function readTfvars(dir: string): Promise<Record<string, Record<string, Hcl>>> {
  const out: Record<string, Record<string, Hcl>> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tfvars'))) out[file.replace(/\.tfvars$/, '')] = await parseHclFile(join(dir, file));
  return out;
}
