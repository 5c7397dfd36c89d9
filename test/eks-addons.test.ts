/**
 * The EKS pieces a fresh cluster needs before the first sync can finish: the AWS Load Balancer
 * Controller add-on (ordered before ingress-nginx, with its cluster's IAM role), the EBS CSI
 * driver with its role and the EBS key, the VPC CNI enforcing NetworkPolicies, pinned add-on
 * builds for the cluster's Kubernetes minor; and the config errors that guard them.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import type { RenderedFile } from '../lib/synth/engine.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { configError, find, rawConfig, renderPlatform } from './helpers.ts';
import { block, CLUSTER_DIR, evaluate, locals, parseStack, type Hcl } from './terraform-hcl.ts';
import { irsaSubjects } from './terraform-policy.ts';

const platform = loadConfig();
// Rendered at import, as test/addons.test.ts does: a hook's timeout would count it.
const files: RenderedFile[] = renderPlatform(platform);
let cluster: Hcl;
const generated = JSON.parse(readFileSync('terraform-bootstrap/cluster/generated.auto.tfvars.json', 'utf8')) as Record<string, Hcl>;
beforeAll(async () => {
  cluster = await parseStack(CLUSTER_DIR);
});

type HelmApp = KubeObject & { spec: { source: { chart: string; targetRevision: string; repoURL: string; helm: { valuesObject: Record<string, Hcl> } }; destination: { namespace: string } } };
const app = (name: string, f = files) => find('Application', `addon-flextime-${name}`, 'argocd/apps/', f) as HelmApp;
const wave = (o: KubeObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
const resource = (type: string, name: string) => block(cluster, 'resource', type, name);

describe('the AWS Load Balancer Controller add-on', () => {
  it('is the eks-charts chart 3.5.0, synced before ingress-nginx and after cert-manager', () => {
    const lbc = app('aws-load-balancer-controller');
    expect([lbc.spec.source.repoURL, lbc.spec.source.chart, lbc.spec.source.targetRevision]).toEqual(['https://aws.github.io/eks-charts', 'aws-load-balancer-controller', '3.5.0']);
    expect(wave(lbc)).toBeLessThan(wave(app('ingress-nginx')));
    expect(wave(lbc)).toBeGreaterThan(wave(app('cert-manager')));
  });

  it('manages its own cluster\'s load balancers in its VPC and region, as the role Terraform made for it', () => {
    const v = app('aws-load-balancer-controller').spec.source.helm.valuesObject;
    const outputs = platform.aws.outputs.clusters.flextime!;
    expect([v.clusterName, v.region, v.vpcId]).toEqual(['flextime', 'us-east-2', outputs.vpc_id]);
    expect(v.serviceAccount).toEqual({
      create: true,
      name: 'aws-load-balancer-controller',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/flextime-aws-load-balancer-controller' },
    });
    expect(app('aws-load-balancer-controller').spec.destination.namespace).toBe('aws-load-balancer-controller');
  });

  it('runs two replicas with a PDB under restricted Pod Security, webhook certificates from cert-manager, no cluster-wide Service or Ingress webhook', () => {
    const v = app('aws-load-balancer-controller').spec.source.helm.valuesObject;
    expect([v.replicaCount, v.podDisruptionBudget]).toEqual([2, { maxUnavailable: 1 }]);
    expect(v.podSecurityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(v.securityContext).toEqual({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect([v.enableCertManager, v.enableServiceMutatorWebhook, v.createIngressClassResource, v.webhookConfig]).toEqual([true, false, false, { disableIngressValidation: true }]);
    // Add-on namespaces are rendered (dist/cluster/namespaces), so the graph orders what they hold after them.
    const ns = find('Namespace', 'aws-load-balancer-controller', 'dist/cluster/namespaces/', files);
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('is trusted by exactly its Terraform role, whose policy creates only load balancers tagged for the cluster', () => {
    expect(irsaSubjects(cluster, { ...generated, cluster: 'flextime' }).aws_load_balancer_controller)
      .toBe('system:serviceaccount:aws-load-balancer-controller:aws-load-balancer-controller');
    expect(locals(cluster).irsa_policies.aws_load_balancer_controller).toBe('${data.aws_iam_policy_document.aws_load_balancer_controller.json}');
    const statements: Hcl[] = block(cluster, 'data', 'aws_iam_policy_document', 'aws_load_balancer_controller').statement;
    const create = statements.find((s) => s.actions.includes('elasticloadbalancing:CreateLoadBalancer'));
    expect(create.condition).toEqual([{ test: 'Null', variable: 'aws:RequestTag/elbv2.k8s.aws/cluster', values: ['false'] }]);
    // Every action that writes to EC2 security groups is limited: to tagged groups or to this VPC.
    for (const s of statements.filter((st) => st.actions.includes('ec2:AuthorizeSecurityGroupIngress'))) expect(s.condition, s.sid).toBeDefined();
    expect(cluster.output.aws_load_balancer_controller_role_arn[0].value).toBe('${module.irsa.arns["aws_load_balancer_controller"]}');
    expect(cluster.output.vpc_id[0].value).toBe('${aws_vpc.main.id}');
  });

  it('refuses a namespace its IAM role does not trust', () => {
    const raw = rawConfig();
    raw.aws.serviceAccounts.awsLoadBalancerController.namespace = 'kube-system';
    expect(() => renderPlatform(loadConfig(raw))).toThrow('addons[aws-load-balancer-controller].namespace = "aws-load-balancer-controller": must be aws.serviceAccounts.awsLoadBalancerController.namespace ("kube-system"), the only namespace its IAM role trusts');
  });

  it('refuses one replica and a webhook certificate generated at render time', () => {
    const raw = rawConfig();
    const lbc = raw.addons.find((a) => a.name === 'aws-load-balancer-controller')!.values as Record<string, unknown>;
    lbc.replicaCount = 1;
    lbc.enableCertManager = false;
    expect(configError(raw)).toBe([
      'invalid platform config:',
      '  - addons[aws-load-balancer-controller].values.replicaCount = 1: must be at least 2: the controller holds a leader lease, a second replica takes over',
      '  - addons[aws-load-balancer-controller].values.enableCertManager = false: must be one of true',
    ].join('\n'));
  });
});

describe('the EKS managed add-ons (terraform-bootstrap/cluster/eks-addons.tf)', () => {
  const versions = () => locals(cluster).eks_addon_versions as Record<string, Record<string, string>>;

  it('pin a build of every add-on for the Kubernetes minor config gives the cluster', () => {
    expect(generated.eks_version).toBe('1.32');
    expect(versions()['1.32']).toEqual({
      'vpc-cni': 'v1.19.2-eksbuild.5',
      'kube-proxy': 'v1.32.0-eksbuild.2',
      coredns: 'v1.11.4-eksbuild.10',
      'aws-ebs-csi-driver': 'v1.39.0-eksbuild.1',
      'aws-efs-csi-driver': 'v2.1.4-eksbuild.1',
    });
    expect(locals(cluster).eks_addons).toBe('${local.eks_addon_versions[var.eks_version]}');
    expect(resource('aws_eks_cluster', 'main').bootstrap_self_managed_addons).toBe(false);
  });

  it('run the VPC CNI with NetworkPolicy enforcement on, its own role, before the nodes join', () => {
    const cni = resource('aws_eks_addon', 'vpc_cni');
    expect(cni.addon_name).toBe('vpc-cni');
    expect(JSON.parse(evaluate(cni.configuration_values, { local: locals(cluster) }))).toEqual({ enableNetworkPolicy: 'true' });
    expect(cni.service_account_role_arn).toBe('${module.irsa.arns["vpc_cni"]}');
    expect(irsaSubjects(cluster, { ...generated, cluster: 'flextime' }).vpc_cni).toBe('system:serviceaccount:kube-system:aws-node');
    expect(locals(cluster).irsa_managed_policies.vpc_cni).toBe('arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy');
    expect(resource('aws_eks_node_group', 'main').depends_on).toEqual(expect.arrayContaining(['${aws_eks_addon.vpc_cni}', '${aws_eks_addon.kube_proxy}']));
    // The node role no longer carries the CNI's permissions.
    expect(resource('aws_iam_role_policy_attachment', 'node').for_each).not.toContain('AmazonEKS_CNI_Policy');
  });

  it('run the EBS CSI driver as its own role: AmazonEBSCSIDriverPolicy plus the EBS key, grants only for AWS resources', () => {
    const ebs = resource('aws_eks_addon', 'ebs_csi');
    expect([ebs.addon_name, ebs.service_account_role_arn]).toEqual(['aws-ebs-csi-driver', '${module.irsa.arns["ebs_csi_driver"]}']);
    expect(irsaSubjects(cluster, { ...generated, cluster: 'flextime' }).ebs_csi_driver).toBe('system:serviceaccount:kube-system:ebs-csi-controller-sa');
    expect(locals(cluster).irsa_managed_policies.ebs_csi_driver).toBe('arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy');
    expect(locals(cluster).irsa_policies.ebs_csi_driver).toBe('${data.aws_iam_policy_document.ebs_csi_driver_kms.json}');
    const [grants, use] = block(cluster, 'data', 'aws_iam_policy_document', 'ebs_csi_driver_kms').statement;
    expect([grants.resources, use.resources]).toEqual([['${module.ebs_kms.arn}'], ['${module.ebs_kms.arn}']]);
    expect(grants.condition).toEqual([{ test: 'Bool', variable: 'kms:GrantIsForAWSResource', values: ['true'] }]);
    expect(cluster.module.ebs_kms[0]).toMatchObject({ source: '../modules/kms-key', alias: '${var.ebs_kms_key_alias}' });
    expect(generated.ebs_kms_key_alias).toBe('flextime-ebs');
  });
});

describe('storage config errors', () => {
  it('rejects a claim for a StorageClass the platform does not render', () => {
    const raw = rawConfig();
    (raw.database.pushgateway as { storageClassName?: string }).storageClassName = 'gp2';
    expect(configError(raw)).toBe('invalid platform config:\n  - database.pushgateway.storageClassName = "gp2": unknown StorageClass \'gp2\'; allowed: gp3 (storage.classes)');
  });

  it('rejects an unencrypted StorageClass', () => {
    const raw = rawConfig();
    raw.storage.classes.push({ ...raw.storage.classes[0]!, name: 'gp3-plain', default: false, encrypted: false as true });
    expect(configError(raw)).toBe('invalid platform config:\n  - storage.classes[gp3-plain].encrypted = false: must be one of true');
  });

  it('rejects two default StorageClasses', () => {
    const raw = rawConfig();
    raw.storage.classes.push({ ...raw.storage.classes[0]!, name: 'gp3-scratch' });
    expect(configError(raw)).toContain('storage.classes = ');
    expect(configError(raw)).toContain(': exactly one StorageClass must be the default, not 2 (gp3, gp3-scratch): claims without a class get it');
  });
});
