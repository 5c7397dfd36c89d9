/**
 * `npm run preflight -- --env production`: is the site filled in for this environment? Lists every
 * placeholder of config/site.ts the environment uses (its own, its cluster's, the shared ones) with
 * its field, the example it still renders and what to put there, and exits 1 while any remains;
 * exits 0 when none does. Run it before the first `terraform apply` (README "Adopting this
 * repository"); not part of CI, where the examples are what the tests render.
 *
 *   npm run preflight -- --env production     one environment
 *   npm run preflight                         every environment
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, type Platform } from '../config/index.ts';
import { filled, openPlaceholders } from '../config/schema-site.ts';

export interface PreflightResult {
  /** 0: nothing left to fill; 1: placeholders remain; 2: unknown environment. */
  readonly code: number;
  readonly lines: string[];
}

export function preflight(platform: Platform, only?: string): PreflightResult {
  const known = platform.environments.map((e) => e.name);
  if (only !== undefined && !known.includes(only as (typeof known)[number])) {
    return { code: 2, lines: [`--env = ${JSON.stringify(only)}: must be one of ${known.map((k) => `"${k}"`).join(', ')}`] };
  }
  const lines: string[] = [];
  let open = 0;
  for (const env of platform.environments.filter((e) => only === undefined || e.name === only)) {
    const left = openPlaceholders(platform.site, env);
    open += left.length;
    if (!left.length) {
      lines.push(`${env.name}: no placeholders left (cluster ${env.cluster}, account ${filled(platform.site.clusters[env.cluster]!.accountId)})`);
    } else {
      lines.push(`${env.name}: ${left.length} placeholder${left.length === 1 ? '' : 's'} left in config/site.ts:`);
      for (const p of left) lines.push(`  ${p.field} = ${JSON.stringify(p.value)}`, `      put: ${p.fillIn}`);
    }
    // Outputs come back after the apply; until then they are the examples of the repository.
    const account = filled(platform.site.clusters[env.cluster]!.accountId);
    const outputs = platform.aws.outputs.environments[env.name]?.account_id;
    if (!left.length && outputs !== account) {
      lines.push(`  then: config/terraform-outputs.json holds ${env.name}'s outputs of account ${outputs}; after terraform apply copy them back (terraform-bootstrap/README.md)`);
    }
  }
  if (open) lines.push(`fill them in (replace placeholder(…) by the value), then npm run synth and run preflight again`);
  return { code: open ? 1 : 0, lines };
}

export function main(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { env: { type: 'string' } } });
  try {
    const result = preflight(loadConfig(), values.env);
    (result.code === 0 ? console.log : console.error)(result.lines.join('\n'));
    return result.code;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2));
