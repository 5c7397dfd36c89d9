/**
 * The site: every value that belongs to whoever runs this platform, in one place. Adopting the
 * repository starts here (README "Adopting this repository"): replace each `placeholder(…)` by
 * the real value (just the value, without `placeholder`), run `npm run synth`, then
 * `npm run preflight -- --env <env>` until it passes. Schema and helpers: ./schema-site.ts.
 *
 * Where the values go: environment domains (environments/*.ts), the SSO issuer's range (the
 * `oidc-issuer` NetworkPolicy peer), and the Terraform inputs synth writes per cluster and per
 * environment (terraform-bootstrap/cluster/clusters/<cluster>.tfvars and .s3.tfbackend,
 * terraform-bootstrap/environment/environments/<env>.tfvars and .s3.tfbackend).
 */
import { placeholder, type Site } from './schema-site.ts';

export const siteConfig: Site = {
  clusters: {
    flextime: {
      accountId: placeholder('111111111111', 'the 12-digit id of the AWS account the cluster and its environments run in (`aws sts get-caller-identity`)'),
      region: 'us-east-2',
      // No publicApiCidrs: the EKS API endpoint is private (reach it from the VPC). Listing office
      // and VPN egress ranges here is the explicit choice of a public endpoint open to them only.
      ssoAdminRoleArn: placeholder(
        'arn:aws:iam::111111111111:role/AWSReservedSSO_PlatformAdmin_0000000000000000',
        'the IAM role of the IAM Identity Center permission set of platform administrators (`aws iam list-roles --path-prefix /aws-reserved/`)',
      ),
      ssoClientId: 'flextime-eks',
      hostedZoneIds: placeholder(['Z00000000000000000001'], 'the Route 53 hosted zone ids of the environments\' domains (`aws route53 list-hosted-zones`)'),
    },
  },
  environments: {
    development: { domain: placeholder('dev.flextime.app', 'the public DNS name of development; api-svc is served at api.<domain>') },
    staging: { domain: placeholder('staging.flextime.app', 'the public DNS name of staging; api-svc is served at api.<domain>') },
    production: { domain: placeholder('flextime.app', 'the public DNS name of production; api-svc is served at api.<domain>') },
  },
  // TEST-NET-3 until the Big 12 IdP team publishes the range sso.big12sports.com answers from.
  ssoIssuerRanges: placeholder(['203.0.113.0/24'], 'the egress ranges of the SSO issuer (sso.big12sports.com), as its IdP team publishes them'),
};
