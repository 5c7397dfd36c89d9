/**
 * The site (config/site.ts): every adopter value in one typed place, placeholders until filled;
 * `npm run preflight` (scripts/preflight.ts) lists what an environment still needs; the
 * per-cluster and per-environment Terraform files are rendered from it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { isPlaceholder, openPlaceholders, type Site } from '../config/schema-site.ts';
import { siteTerraformFiles } from '../charts/terraform-site.ts';
import { preflight } from '../scripts/preflight.ts';
import { configError, rawConfig } from './helpers.ts';

const ACCOUNT = '123456789012';

/** The committed raw config with every placeholder replaced by a real-looking value (its example, in account ACCOUNT). */
function filledConfig(): ReturnType<typeof rawConfig> {
  const raw = rawConfig();
  const fill = (node: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(node)) {
      if (isPlaceholder(value)) node[key] = JSON.parse(JSON.stringify(value.placeholder).replaceAll('111111111111', ACCOUNT));
      else if (typeof value === 'object' && value !== null && !Array.isArray(value)) fill(value as Record<string, unknown>);
    }
  };
  fill(raw.site as unknown as Record<string, unknown>);
  return raw;
}

describe('the site', () => {
  it('marks every adopter value of the committed config as a placeholder: account, SSO admin role, hosted zones, domains, SSO issuer range', () => {
    expect(openPlaceholders(loadConfig().site).map((p) => p.field)).toEqual([
      'site.clusters.flextime.accountId',
      'site.clusters.flextime.ssoAdminRoleArn',
      'site.clusters.flextime.hostedZoneIds',
      'site.environments.development.domain',
      'site.environments.staging.domain',
      'site.environments.production.domain',
      'site.ssoIssuerRanges',
    ]);
  });

  it('renders the committed per-cluster and per-environment tfvars and backend files', () => {
    const files = siteTerraformFiles(loadConfig());
    expect([...files.keys()].sort()).toEqual([
      'terraform-bootstrap/cluster/clusters/flextime.s3.tfbackend',
      'terraform-bootstrap/cluster/clusters/flextime.tfvars',
      ...['development', 'production', 'staging'].flatMap((e) => [`terraform-bootstrap/environment/environments/${e}.s3.tfbackend`, `terraform-bootstrap/environment/environments/${e}.tfvars`]),
    ]);
    for (const [path, content] of files) expect(readFileSync(path, 'utf8'), path).toBe(content);
  });

  it('carries a filled-in account into every tfvars and state bucket, and the networks of a chosen public EKS endpoint into the cluster\'s', () => {
    const raw = filledConfig();
    // Private by default: the committed site chooses no public endpoint, so its tfvars sets none.
    expect(siteTerraformFiles(loadConfig(raw)).get('terraform-bootstrap/cluster/clusters/flextime.tfvars')).not.toContain('public_api_cidrs');
    raw.site.clusters.flextime!.publicApiCidrs = ['192.0.2.0/28', '192.0.2.64/28'];
    const files = siteTerraformFiles(loadConfig(raw));
    expect(files.get('terraform-bootstrap/cluster/clusters/flextime.tfvars')).toContain('aws_account_id     = "123456789012"\n');
    expect(files.get('terraform-bootstrap/cluster/clusters/flextime.tfvars')).toContain('public_api_cidrs   = ["192.0.2.0/28", "192.0.2.64/28"]\n');
    expect(files.get('terraform-bootstrap/environment/environments/production.tfvars')).toContain('aws_account_id = "123456789012"\n');
    expect(files.get('terraform-bootstrap/environment/environments/production.s3.tfbackend')).toContain('bucket         = "flextime-terraform-state-123456789012"\n');
  });

  it('refuses a domain written in an environment file instead of the site, and an SSO admin role of another account', () => {
    const raw = filledConfig();
    raw.environments.find((e) => e.name === 'staging')!.domain = 'stage.flextime.app';
    raw.site.clusters.flextime!.ssoAdminRoleArn = 'arn:aws:iam::222222222222:role/Admin';
    expect(configError(raw)).toBe([
      'invalid platform config:',
      '  - site.clusters.flextime.ssoAdminRoleArn = "arn:aws:iam::222222222222:role/Admin": must be a role of the cluster\'s account 123456789012 (accountId)',
      "  - environments[staging].domain = \"stage.flextime.app\": must be the domain config/site.ts gives staging ('staging.flextime.app'): take it from there",
    ].join('\n'));
  });

  it('refuses a public EKS endpoint open to the whole internet, naming the field', () => {
    const raw = filledConfig();
    raw.site.clusters.flextime!.publicApiCidrs = ['192.0.2.0/28', '0.0.0.0/0'];
    expect(configError(raw)).toContain('site.clusters.flextime.publicApiCidrs = ["192.0.2.0/28","0.0.0.0/0"]: must list specific networks; 0.0.0.0/0 and ::/0 are not allowed');
  });

  it('refuses a placeholder whose example is not a valid value, naming the field', () => {
    const raw = rawConfig();
    (raw.site as Site).clusters.flextime!.accountId = { placeholder: '1111', fillIn: 'the account' };
    expect(configError(raw)).toContain('site.clusters.flextime.accountId.placeholder = "1111": must be a 12-digit AWS account id');
  });
});

describe('npm run preflight', () => {
  it('exits 1 for production while placeholders remain, listing each with its value and what to put', () => {
    const { code, lines } = preflight(loadConfig(), 'production');
    expect(code).toBe(1);
    expect(lines[0]).toBe('production: 5 placeholders left in config/site.ts:');
    expect(lines).toContain('  site.clusters.flextime.accountId = "111111111111"');
    expect(lines).toContain('  site.environments.production.domain = "flextime.app"');
    expect(lines).toContain('      put: the public DNS name of production; api-svc is served at api.<domain>');
    expect(lines.join('\n')).not.toContain('site.environments.staging');
  });

  it('exits 0 for a config with no placeholders, and says the Terraform outputs come next', () => {
    expect(preflight(loadConfig(filledConfig()), 'production')).toEqual({
      code: 0,
      lines: [
        `production: no placeholders left (cluster flextime, account ${ACCOUNT})`,
        "  then: config/terraform-outputs.json holds production's outputs of account 111111111111; after terraform apply copy them back (terraform-bootstrap/README.md)",
      ],
    });
  });

  it('exits 1 naming the one placeholder left, only for the environment that uses it', () => {
    const raw = filledConfig();
    raw.site.environments.production!.domain = { placeholder: 'flextime.app', fillIn: 'the public DNS name of production' };
    const platform = loadConfig(raw);
    expect(preflight(platform, 'production')).toEqual({
      code: 1,
      lines: [
        'production: 1 placeholder left in config/site.ts:',
        '  site.environments.production.domain = "flextime.app"',
        '      put: the public DNS name of production',
        'fill them in (replace placeholder(…) by the value), then npm run synth and run preflight again',
      ],
    });
    expect(preflight(platform, 'staging').code).toBe(0);
    expect(preflight(platform, 'qa')).toEqual({ code: 2, lines: ['--env = "qa": must be one of "development", "staging", "production"'] });
  });

  it('runs as a command: exit status 1 and the list on stderr', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/preflight.ts', '--env', 'production'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('production: 5 placeholders left in config/site.ts:');
  }, 60_000);
});
