/**
 * Address ranges: the VPC plan of each cluster (`clusters[].network`, schema in ./schema-vpc.ts)
 * and the AWS ranges outside the VPC the environments' `network.cidrs` name (environments/*.ts).
 * Kept apart from ./network.ts, which reads the environment files (a cycle otherwise).
 */
import type { ClusterNetwork } from './schema-vpc.ts';

/**
 * The VPC of cluster `flextime` (terraform-bootstrap/cluster/vpc.tf builds exactly this; the
 * environment data subnets are built by terraform-bootstrap/environment/data-subnets.tf).
 *
 *   10.10.0.0/20, .16.0/20, .32.0/20      public: load balancers, NAT gateways
 *   10.10.48.0/22 … 10.10.56.0/22          data: one /22 per environment, one /24 per zone, no route out
 *   10.10.60.0/24 … 10.10.62.0/24          endpoints: interface endpoint ENIs, no route out
 *   10.10.64.0/18, .128.0/18, .192.0/18    private: nodes and pods (VPC CNI), out through NAT
 *
 * Data stores and endpoints have subnets of their own so NetworkPolicies can tell them from pods:
 * in the private subnets every pod has an address, and "443 to the private subnets" would mean
 * "443 to any pod".
 */
export const FLEXTIME_VPC: ClusterNetwork = {
  vpcCidr: '10.10.0.0/16',
  zones: [
    { name: 'us-east-2a', public: '10.10.0.0/20', private: '10.10.64.0/18', endpoints: '10.10.60.0/24' },
    { name: 'us-east-2b', public: '10.10.16.0/20', private: '10.10.128.0/18', endpoints: '10.10.61.0/24' },
    { name: 'us-east-2c', public: '10.10.32.0/20', private: '10.10.192.0/18', endpoints: '10.10.62.0/24' },
  ],
  dataSubnets: {
    development: ['10.10.48.0/24', '10.10.49.0/24', '10.10.50.0/24'],
    staging: ['10.10.52.0/24', '10.10.53.0/24', '10.10.54.0/24'],
    production: ['10.10.56.0/24', '10.10.57.0/24', '10.10.58.0/24'],
  },
  endpoints: {
    // ECR serves image layers from S3: nodes pull through the gateway without NAT.
    gateway: ['s3'],
    // IRSA (sts), image pulls (ecr.api, ecr.dkr), External Secrets (secretsmanager), log shipping (logs).
    interface: ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'sts'],
  },
};

/**
 * S3 prefix list of us-east-2 (com.amazonaws.us-east-2.s3), the destinations of the S3 gateway
 * endpoint. Refresh with `aws ec2 get-managed-prefix-list-entries --prefix-list-id <pl-id>`.
 */
export const S3_PREFIX_LIST_US_EAST_2 = ['3.5.128.0/22', '3.5.132.0/23', '16.12.64.0/22', '18.34.72.0/21', '52.219.80.0/20', '52.219.96.0/20', '52.219.176.0/20'];
