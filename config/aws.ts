/**
 * The AWS ground (terraform-bootstrap/): the names Terraform must agree on with the manifests,
 * and what Terraform produced per cluster and per environment (config/terraform-outputs.json,
 * copied from `terraform output -json` of terraform-bootstrap/cluster and terraform-bootstrap/environment
 * after an apply; example outputs in the placeholder account 111111111111 of config/site.ts until
 * the first one: `npm run preflight` says so).
 */
import type { PlatformInput } from './schema.ts';
import terraformOutputs from './terraform-outputs.json' with { type: 'json' };
import { ssoConfig } from './network.ts';
import { nodeGroupsConfig } from './node-groups.ts';

/** Outputs per cluster and per environment, for config values that come from Terraform (role ARNs, endpoints). */
export { terraformOutputs };

export const awsConfig: PlatformInput['aws'] = {
  // The minor of podSecurityVersion (checked): the cluster runs what the manifests are verified against.
  eksVersion: '1.32',
  // One prefix for EKS and RBAC: config/network.ts (sso.groupsPrefix) owns it.
  ssoGroupsPrefix: ssoConfig.groupsPrefix,
  serviceAccounts: {
    backup: 'flextime-backup',
    externalSecrets: { namespace: 'external-secrets', name: 'external-secrets' },
    certManager: { namespace: 'cert-manager', name: 'cert-manager' },
    // The cluster-autoscaler add-on's own namespace (config/addons.ts), rendered with restricted Pod Security.
    clusterAutoscaler: { namespace: 'cluster-autoscaler', name: 'cluster-autoscaler' },
    efsCsiDriver: { namespace: 'kube-system', name: 'efs-csi-controller-sa' },
    // The names the EKS managed add-ons give their service accounts (terraform-bootstrap/cluster/eks-addons.tf).
    ebsCsiDriver: { namespace: 'kube-system', name: 'ebs-csi-controller-sa' },
    vpcCni: { namespace: 'kube-system', name: 'aws-node' },
    // The aws-load-balancer-controller add-on's own namespace (config/addons-aws.ts), restricted Pod Security.
    awsLoadBalancerController: { namespace: 'aws-load-balancer-controller', name: 'aws-load-balancer-controller' },
    // The log collector (charts/logging.ts, namespace observability.logs.namespace).
    logCollector: { namespace: 'logging', name: 'log-collector' },
    // kube-prometheus-stack's Grafana: the chart names its ServiceAccount <release>-grafana.
    grafana: { namespace: 'observability', name: 'kube-prometheus-stack-grafana' },
  },
  outputs: terraformOutputs,
  nodeGroups: nodeGroupsConfig,
};
