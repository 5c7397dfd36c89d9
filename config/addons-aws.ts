/**
 * Add-on rows that integrate the cluster with AWS (part of config/addons.ts `addonsConfig`).
 * Their per-cluster values (cluster name, region, VPC, IAM role on the ServiceAccount) come from
 * config/terraform-outputs.json at synth time (charts/addon-roles.ts).
 */
import type { AddonInput } from './schema-addons.ts';
import { CRD, MUTATING_WEBHOOK, PROMETHEUS_SELECTOR_LABELS, RBAC, VALIDATING_WEBHOOK } from './addons-common.ts';

/**
 * The AWS Load Balancer Controller: provisions the NLB of ingress-nginx's Service
 * (`aws-load-balancer-type: external`, which the in-tree cloud provider ignores), so it must run
 * before ingress-nginx creates that Service. Chart 3.5.0 = controller v3.5.0 (aws/eks-charts
 * stable/aws-load-balancer-controller/Chart.yaml); the controller supports Kubernetes 1.22+
 * (kubernetes-sigs/aws-load-balancer-controller/docs/deploy/installation.md), so EKS 1.32. Its IAM policy is the upstream
 * kubernetes-sigs/aws-load-balancer-controller/docs/install/iam_policy.json of the same tag, in terraform-bootstrap/cluster/iam-load-balancer-controller.tf:
 * move both together.
 */
export const awsLoadBalancerController: AddonInput = {
  name: 'aws-load-balancer-controller',
  repoURL: 'https://aws.github.io/eks-charts',
  chart: 'aws-load-balancer-controller',
  version: '3.5.0',
  // Its own namespace (aws.serviceAccounts.awsLoadBalancerController, which the IAM role trusts),
  // so ArgoCD can create it with restricted Pod Security instead of labelling kube-system.
  namespace: 'aws-load-balancer-controller',
  podSecurity: 'restricted',
  // ingress-nginx's LoadBalancer Service needs these kinds (lib/graph/load-balancers.ts), so it
  // syncs after this controller; the controller's webhook certificates need cert-manager.
  serves: [{ group: 'elbv2.k8s.aws', kinds: ['TargetGroupBinding', 'IngressClassParams'] }],
  clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, MUTATING_WEBHOOK],
  values: {
    replicaCount: 2,
    podDisruptionBudget: { maxUnavailable: 1 },
    enableCertManager: true,
    enableServiceMutatorWebhook: false,
    createIngressClassResource: false,
    webhookConfig: { disableIngressValidation: true },
    podSecurityContext: { fsGroup: 65534, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    securityContext: { readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    serviceMonitor: { enabled: true, additionalLabels: { ...PROMETHEUS_SELECTOR_LABELS } },
  },
};
