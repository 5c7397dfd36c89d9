/**
 * Schema of the site (config/site.ts): every value that differs for whoever adopts this
 * repository (AWS account, admin networks, DNS zones and domains, the SSO issuer's range, the
 * SSO admin role). Part of the platform schema in ./schema.ts (`site`).
 *
 * A value the repository cannot know is written `placeholder(example, 'what to put here')`: the
 * type system keeps it apart from a real value (`Fillable<T>`), synth renders the example so
 * everything still builds, `npm run synth` counts them and `npm run preflight -- --env <env>`
 * refuses to go on while one the environment uses remains (scripts/preflight.ts).
 *
 * This module must not import ./schema.ts (schema.ts imports it). `checkSite` holds the rules
 * that look at other sections; schema.ts calls it from the platform's superRefine.
 */
import { z } from 'zod';
import { dnsLabel, environmentName } from './schema-primitives.ts';
import { cidr } from './schema-network.ts';

/** A value still to be filled in: the example it renders until then, and what belongs there. */
export interface Placeholder<T> {
  readonly placeholder: T;
  readonly fillIn: string;
}
/** A site value: the real one, or a placeholder for it. */
export type Fillable<T> = T | Placeholder<T>;

/** Mark `example` as a stand-in; `fillIn` says what the adopter puts there and where to find it. */
export function placeholder<T>(example: T, fillIn: string): Placeholder<T> {
  return { placeholder: example, fillIn };
}

export function isPlaceholder(value: unknown): value is Placeholder<unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'placeholder' in value && 'fillIn' in value;
}

/** The value to render: the real one, or a placeholder's example. */
export function filled<T>(value: Fillable<T>): T {
  return isPlaceholder(value) ? (value as Placeholder<T>).placeholder : (value as T);
}

/** `inner`, or a placeholder whose example `inner` accepts (so even the examples are valid). */
function fillable<T extends z.ZodType>(inner: T) {
  return z.union([z.object({ placeholder: inner, fillIn: z.string().min(1) }).strict(), inner]);
}

const accountId = z.string().regex(/^[0-9]{12}$/, 'must be a 12-digit AWS account id');
const region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/, 'must be an AWS region such as "us-east-2"');
const roleArn = z.string().regex(/^arn:aws:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]+$/, 'must be an IAM role ARN');
const hostedZoneId = z.string().regex(/^Z[A-Z0-9]{1,32}$/, 'must be a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"');
const domain = z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS domain such as "staging.flextime.app"');

export const siteCluster = z.object({
  /** The only AWS account the cluster's and its environments' Terraform may touch (`allowed_account_ids`). */
  accountId: fillable(accountId),
  /** Region of the cluster and its environments; the zones of `clusters[].network` lie in it. */
  region,
  /**
   * The explicit choice of a public EKS API endpoint, open to these networks only (office and VPN
   * egress; never 0.0.0.0/0 or ::/0). Left out, the endpoint is private: reachable from inside the
   * cluster's VPC only (VPN, Direct Connect, a runner in the VPC), which is the default.
   */
  publicApiCidrs: z.array(cidr).min(1)
    .refine((list) => !list.some((c) => c.endsWith('/0')), 'must list specific networks; 0.0.0.0/0 and ::/0 are not allowed')
    .optional(),
  /** IAM role of the SSO permission set that administers the cluster (its EKS access entry). */
  ssoAdminRoleArn: fillable(roleArn),
  /** OIDC client id the cluster is registered as at the SSO (EKS identity provider config). */
  ssoClientId: z.string().min(1),
  /** Route 53 hosted zones of the environments' domains: cert-manager answers DNS-01 there. */
  hostedZoneIds: fillable(z.array(hostedZoneId).min(1)),
}).strict();

export const site = z.object({
  /** Per cluster of `clusters`. */
  clusters: z.record(dnsLabel, siteCluster),
  /** Per environment. */
  environments: z.partialRecord(environmentName, z.object({
    /** Public DNS zone of the environment (`environments[].domain`); api-svc is `api.<domain>`. */
    domain: fillable(domain),
  }).strict()),
  /** Egress ranges of the SSO issuer: api-svc fetches its signing keys (the `oidc-issuer` peer). */
  ssoIssuerRanges: fillable(z.array(cidr).min(1)),
}).strict();
export type Site = z.infer<typeof site>;

/** One placeholder still in the site: its field, the example it renders, what to put there. */
export interface OpenPlaceholder {
  readonly field: string;
  readonly value: unknown;
  readonly fillIn: string;
}

/**
 * The placeholders left in `s`, in file order; with `only`, those that environment uses (its own
 * fields, its cluster's, and the shared ones).
 */
export function openPlaceholders(s: Site, only?: { readonly name: string; readonly cluster: string }): OpenPlaceholder[] {
  const out: OpenPlaceholder[] = [];
  const walk = (value: unknown, field: string): void => {
    if (isPlaceholder(value)) out.push({ field, value: value.placeholder, fillIn: value.fillIn });
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, `${field}.${k}`);
    }
  };
  for (const [name, c] of Object.entries(s.clusters)) if (!only || only.cluster === name) walk(c, `site.clusters.${name}`);
  for (const [name, e] of Object.entries(s.environments)) if (!only || only.name === name) walk(e, `site.environments.${name}`);
  walk(s.ssoIssuerRanges, 'site.ssoIssuerRanges');
  return out;
}

/** The parts of the platform `checkSite` reads. */
export interface SiteCheckInput {
  readonly site: Site;
  readonly clusters: ReadonlyArray<{ readonly name: string }>;
  readonly environments: ReadonlyArray<{ readonly name: string; readonly cluster: string; readonly domain: string }>;
}

/** Every cluster that hosts an environment, and every environment, has its site values; each domain has one home. */
export function checkSite(p: SiteCheckInput, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  for (const [name, c] of Object.entries(p.site.clusters)) {
    // Filled-in values only: while either is a placeholder, preflight reports it instead.
    const account = /^arn:aws:iam::([0-9]{12}):/.exec(isPlaceholder(c.ssoAdminRoleArn) ? '' : c.ssoAdminRoleArn)?.[1];
    if (account && !isPlaceholder(c.accountId) && account !== c.accountId) {
      issue(['site', 'clusters', name, 'ssoAdminRoleArn'], `must be a role of the cluster's account ${c.accountId} (accountId)`);
    }
  }
  for (const cluster of p.clusters) {
    if (p.environments.some((e) => e.cluster === cluster.name) && !p.site.clusters[cluster.name]) {
      issue(['site', 'clusters', cluster.name], `cluster '${cluster.name}' hosts environments and needs its account, region, admin CIDRs, SSO admin role and hosted zones in config/site.ts`);
    }
  }
  p.environments.forEach((env, e) => {
    const own = p.site.environments[env.name as keyof Site['environments']];
    if (!own) issue(['site', 'environments', env.name], `environment '${env.name}' needs its domain in config/site.ts`);
    else if (filled(own.domain) !== env.domain) {
      issue(['environments', e, 'domain'], `must be the domain config/site.ts gives ${env.name} ('${filled(own.domain)}'): take it from there`);
    }
  });
}
