/**
 * Values types of the add-ons that integrate the cluster with AWS, part of ADDON_VALUES in
 * ./schema-addons.ts. Like every add-on, only the keys we set are typed (a typo is a config
 * error); the per-cluster values (cluster name, region, VPC, the ServiceAccount's IAM role) come
 * from the cluster's Terraform outputs at synth time (charts/addon-roles.ts), not from the table.
 *
 * This module must not import ./schema.ts or ./schema-addons.ts (they import it).
 */
import { z } from 'zod';
import { requestsAndMemoryLimit } from './schema-primitives.ts';

/**
 * kubernetes-sigs/aws-load-balancer-controller, chart `aws-load-balancer-controller` of
 * https://aws.github.io/eks-charts (values.yaml of the pinned version). It serves Services that
 * ask for `service.beta.kubernetes.io/aws-load-balancer-type: external` (ingress-nginx's NLB).
 */
export const awsLoadBalancerControllerValues = z.object({
  replicaCount: z.number().int().min(2, 'must be at least 2: the controller holds a leader lease, a second replica takes over'),
  /** Rendered only when replicaCount > 1 (templates/pdb.yaml). */
  podDisruptionBudget: z.object({ maxUnavailable: z.number().int().positive() }).strict(),
  /**
   * Webhook serving certificates from cert-manager. Without it the chart generates them with
   * genCA on every `helm template`, so ArgoCD would see a new certificate (and CA bundle) on every
   * refresh and never report Synced.
   */
  enableCertManager: z.literal(true),
  /**
   * The chart's webhook that sets loadBalancerClass on every new LoadBalancer Service would make
   * creating any Service in the cluster depend on this controller's availability; our only
   * LoadBalancer Service opts in by annotation instead.
   */
  enableServiceMutatorWebhook: z.literal(false),
  /** An `alb` IngressClass: ingress-nginx is the cluster's one IngressClass (service-exposure policy). */
  createIngressClassResource: z.literal(false),
  /** With no ALB IngressClass, its Ingress webhook would only add a failure point to every Ingress (failurePolicy Fail). */
  webhookConfig: z.object({ disableIngressValidation: z.literal(true) }).strict(),
  /** Pod securityContext: the chart's fsGroup plus what Pod Security `restricted` requires. */
  podSecurityContext: z.object({
    fsGroup: z.number().int().nonnegative(),
    runAsNonRoot: z.literal(true),
    seccompProfile: z.object({ type: z.literal('RuntimeDefault') }).strict(),
  }).strict(),
  /** Container securityContext (the chart's defaults plus capabilities drop ALL). */
  securityContext: z.object({
    readOnlyRootFilesystem: z.literal(true),
    runAsNonRoot: z.literal(true),
    allowPrivilegeEscalation: z.literal(false),
    capabilities: z.object({ drop: z.tuple([z.literal('ALL')]) }).strict(),
  }).strict(),
  resources: requestsAndMemoryLimit,
  serviceMonitor: z.object({ enabled: z.boolean(), additionalLabels: z.record(z.string(), z.string()) }).strict(),
}).strict();
