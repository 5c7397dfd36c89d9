/**
 * Address ranges the environments' `network.cidrs` are built from (environments/*.ts). Kept apart
 * from ./network.ts, which reads the environment files (a cycle otherwise).
 */

/**
 * S3 prefix list of us-east-2 (com.amazonaws.us-east-2.s3), the destinations of the S3 gateway
 * endpoint. Refresh with `aws ec2 get-managed-prefix-list-entries --prefix-list-id <pl-id>`.
 */
export const S3_PREFIX_LIST_US_EAST_2 = ['3.5.128.0/22', '3.5.132.0/23', '16.12.64.0/22', '18.34.72.0/21', '52.219.80.0/20', '52.219.96.0/20', '52.219.176.0/20'];

/** The three private /18 subnets of a /16 VPC (terraform-bootstrap/vpc.tf: cidrsubnet(vpc, 2, 1..3)). */
export function privateSubnets(vpc16: string): string[] {
  const [a, b] = vpc16.split('.');
  return [64, 128, 192].map((third) => `${a}.${b}.${third}.0/18`);
}

/**
 * Egress range of the Big 12 SSO issuer (sso.big12sports.com).
 * PLACEHOLDER (TEST-NET-3): replace with the range the Big 12 IdP team publishes.
 */
export const OIDC_ISSUER_RANGES = ['203.0.113.0/24'];
