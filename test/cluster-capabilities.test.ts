/**
 * Every capability a committed file asks the cluster for is one the platform installs: each
 * storageClassName (claims, volumeClaimTemplates, add-on values) names a StorageClass rendered in
 * dist/cluster, each ingressClassName (Ingresses, ACME solvers, add-on values) an IngressClass the
 * platform creates, and each AWS load-balancer annotation (`service.beta.kubernetes.io/aws-load-balancer-*`,
 * `alb.ingress.kubernetes.io/*`, in objects or add-on values) is served by an AWS Load Balancer
 * Controller Application on the cluster that file syncs to. Read from the committed dist/ and
 * argocd/ (what ArgoCD syncs; the golden test holds them to config). A need nothing provides
 * leaves a claim Pending or a Service without a load balancer, and its wave never becomes Healthy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../lib/synth/object-json.ts';

interface Doc {
  readonly path: string;
  readonly object: KubeObject;
}

/** Something a file asks the cluster for, found at `field` (a path into the object). */
interface Need {
  readonly path: string;
  readonly field: string;
  readonly what: 'StorageClass' | 'IngressClass' | 'AWS Load Balancer Controller';
  readonly value: string;
}

type Json = unknown;
type ApplicationSpec = {
  destination: { server: string };
  source: { path?: string; repoURL: string; chart?: string; helm?: { valuesObject?: Record<string, Json> } };
};

const LB_ANNOTATION = /^(service\.beta\.kubernetes\.io\/aws-load-balancer-|alb\.ingress\.kubernetes\.io\/)/;
/** The chart that serves them, from the repository AWS publishes it in. */
const LB_CONTROLLER = { repoURL: 'https://aws.github.io/eks-charts', chart: 'aws-load-balancer-controller' };
/** Service annotation values the controller serves (`nlb` is the in-tree cloud provider's). */
const LB_CONTROLLER_TYPES = ['external', 'nlb-ip'];

function committed(): Doc[] {
  const docs: Doc[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.yaml')) docs.push({ path, object: parse(readFileSync(path, 'utf8')) as KubeObject });
    }
  };
  walk('dist');
  walk('argocd');
  return docs;
}

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const spec = (o: KubeObject) => o.spec as ApplicationSpec;
const applications = (docs: readonly Doc[]) => docs.filter((d) => d.object.kind === 'Application' && d.path.startsWith('argocd/apps/'));

/** Every need of every object: a walk over all fields, so add-on values and custom resources count too. */
export function needsOf(docs: readonly Doc[]): Need[] {
  const found: Need[] = [];
  const walk = (path: string, value: Json, field: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(path, v, `${field}[${i}]`));
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const here = field ? `${field}.${key}` : key;
      if (typeof child === 'string') {
        // `storageClass` is the Helm charts' spelling of the same request (persistence.storageClass).
        if (key === 'storageClassName' || key === 'storageClass') found.push({ path, field: here, what: 'StorageClass', value: child });
        if (key === 'ingressClassName' || key === 'kubernetes.io/ingress.class') found.push({ path, field: here, what: 'IngressClass', value: child });
        if (LB_ANNOTATION.test(key)) found.push({ path, field: here, what: 'AWS Load Balancer Controller', value: child });
      }
      walk(path, child, here);
    }
  };
  for (const d of docs) walk(d.path, d.object, '');
  return found;
}

/** What the platform installs: StorageClasses in dist/cluster, IngressClasses (objects and ingress-nginx's), LB controllers per cluster. */
export function providedBy(docs: readonly Doc[]) {
  const apps = applications(docs).map((d) => spec(d.object));
  const ingressNginx = apps.filter((a) => a.source.chart === 'ingress-nginx');
  return {
    storageClasses: docs.filter((d) => d.path.startsWith('dist/cluster/') && d.object.kind === 'StorageClass').map((d) => d.object.metadata.name!).sort(),
    ingressClasses: [
      ...docs.filter((d) => d.object.kind === 'IngressClass').map((d) => d.object.metadata.name!),
      ...ingressNginx.map((a) => ((a.source.helm?.valuesObject?.controller as { ingressClassResource?: { name?: string } }).ingressClassResource?.name)).filter((n): n is string => !!n),
    ].sort(),
    lbControllerClusters: new Set(apps.filter((a) => a.source.repoURL === LB_CONTROLLER.repoURL && a.source.chart === LB_CONTROLLER.chart).map((a) => a.destination.server)),
  };
}

/** The clusters a file is synced to: an Application's own destination, or those of the Applications syncing its folder. */
function clustersOf(docs: readonly Doc[], path: string): string[] {
  const apps = applications(docs);
  const own = apps.find((d) => d.path === path);
  if (own) return [spec(own.object).destination.server];
  return apps.filter((d) => spec(d.object).source.path === dirname(path)).map((d) => spec(d.object).destination.server);
}

/** One message per need nothing provides: `<file>: <field> = "<value>": <what is missing>`. */
export function unmetNeeds(docs: readonly Doc[]): string[] {
  const provided = providedBy(docs);
  const out: string[] = [];
  for (const need of needsOf(docs)) {
    const at = `${need.path}: ${need.field} = "${need.value}"`;
    if (need.what === 'StorageClass' && !provided.storageClasses.includes(need.value)) {
      out.push(`${at}: no StorageClass "${need.value}" is rendered in dist/cluster (rendered: ${provided.storageClasses.join(', ') || 'none'})`);
    }
    if (need.what === 'IngressClass' && !provided.ingressClasses.includes(need.value)) {
      out.push(`${at}: no IngressClass "${need.value}" is installed (installed: ${provided.ingressClasses.join(', ') || 'none'})`);
    }
    if (need.what === 'AWS Load Balancer Controller') {
      const missing = clustersOf(docs, need.path).filter((c) => !provided.lbControllerClusters.has(c));
      if (missing.length) out.push(`${at}: no AWS Load Balancer Controller Application (${LB_CONTROLLER.chart} from ${LB_CONTROLLER.repoURL}) on ${missing.join(', ')}`);
      if (need.field.endsWith('service.beta.kubernetes.io/aws-load-balancer-type') && !LB_CONTROLLER_TYPES.includes(need.value)) {
        out.push(`${at}: the AWS Load Balancer Controller serves ${LB_CONTROLLER_TYPES.map((t) => `"${t}"`).join(' or ')}; other types go to the in-tree cloud provider`);
      }
    }
  }
  return out;
}

const docs = committed();
const copy = () => structuredClone(docs);
const doc = (all: Doc[], path: string) => all.find((d) => d.path === path)!.object;

describe('what dist/ and argocd/ ask the cluster for', () => {
  it('is all installed by the platform', () => {
    expect(unmetNeeds(docs)).toEqual([]);
  });

  it('installs exactly the StorageClass gp3, the IngressClass nginx and a load balancer controller on the one cluster', () => {
    const provided = providedBy(docs);
    expect(provided.storageClasses).toEqual(['gp3']);
    expect(provided.ingressClasses).toEqual(['nginx']);
    expect([...provided.lbControllerClusters]).toEqual(['https://kubernetes.default.svc']);
  });

  it('finds the claims of Redis, Pushgateway and Jaeger, the Ingresses and the ingress-nginx load balancer annotations', () => {
    const needs = needsOf(docs).map((n) => `${n.path}: ${n.field} = ${n.value}`);
    expect(needs).toEqual(expect.arrayContaining([
      'dist/development/redis/statefulset-redis.yaml: spec.volumeClaimTemplates[0].spec.storageClassName = gp3',
      'dist/staging/redis/statefulset-redis.yaml: spec.volumeClaimTemplates[0].spec.storageClassName = gp3',
      'dist/production/database/statefulset-pushgateway.yaml: spec.volumeClaimTemplates[0].spec.storageClassName = gp3',
      'dist/cluster/tracing/statefulset-jaeger.yaml: spec.volumeClaimTemplates[0].spec.storageClassName = gp3',
      'dist/production/ingress/ingress-api-svc.yaml: spec.ingressClassName = nginx',
      'argocd/apps/application-addon-flextime-ingress-nginx.yaml: spec.source.helm.valuesObject.controller.service.annotations.service.beta.kubernetes.io/aws-load-balancer-type = external',
      'argocd/apps/application-addon-flextime-ingress-nginx.yaml: spec.source.helm.valuesObject.controller.service.annotations.service.beta.kubernetes.io/aws-load-balancer-scheme = internet-facing',
    ]));
    // Every claim in dist/ names its class: a claim without one would wait for whatever default exists.
    const claims = docs.flatMap((d) => ((d.object.spec as { volumeClaimTemplates?: Array<{ spec: { storageClassName?: string } }> } | undefined)?.volumeClaimTemplates ?? []).map((t) => [d.path, t.spec.storageClassName]));
    expect(claims.length).toBe(6);
    for (const [path, name] of claims) expect(name, path).toBe('gp3');
  });
});

describe('the default StorageClass', () => {
  const sc = doc(docs, 'dist/cluster/storage/storageclass-gp3.yaml') as KubeObject & Record<string, Json>;

  it('is the encrypted gp3 EBS class of the EBS CSI driver, the cluster default', () => {
    expect(sc.provisioner).toBe('ebs.csi.aws.com');
    expect(sc.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    expect(sc.parameters).toEqual({ type: 'gp3', encrypted: 'true', kmsKeyId: 'alias/flextime-ebs', 'csi.storage.k8s.io/fstype': 'ext4' });
  });

  it('creates volumes in the pod\'s zone, lets them grow and keeps them when their claim goes', () => {
    expect([sc.volumeBindingMode, sc.allowVolumeExpansion, sc.reclaimPolicy]).toEqual(['WaitForFirstConsumer', true, 'Retain']);
  });

  it('encrypts with the key Terraform creates under the same alias in every cluster', () => {
    const tfvars = JSON.parse(readFileSync('terraform-bootstrap/cluster/generated.auto.tfvars.json', 'utf8')) as { ebs_kms_key_alias: string };
    expect(`alias/${tfvars.ebs_kms_key_alias}`).toBe((sc.parameters as Record<string, string>).kmsKeyId);
  });
});

describe('an unmet need', () => {
  it('fails for a claim asking for gp2', () => {
    const all = copy();
    const jaeger = doc(all, 'dist/cluster/tracing/statefulset-jaeger.yaml').spec as { volumeClaimTemplates: Array<{ spec: { storageClassName: string } }> };
    jaeger.volumeClaimTemplates[0]!.spec.storageClassName = 'gp2';
    expect(unmetNeeds(all)).toEqual([
      'dist/cluster/tracing/statefulset-jaeger.yaml: spec.volumeClaimTemplates[0].spec.storageClassName = "gp2": no StorageClass "gp2" is rendered in dist/cluster (rendered: gp3)',
    ]);
  });

  it('fails for a storage class asked for in add-on values', () => {
    const all = copy();
    const values = spec(doc(all, 'argocd/apps/application-addon-flextime-kube-prometheus-stack.yaml')).source.helm!.valuesObject!;
    (values.grafana as Record<string, Json>).persistence = { enabled: true, storageClassName: 'standard' };
    expect(unmetNeeds(all)).toEqual([
      'argocd/apps/application-addon-flextime-kube-prometheus-stack.yaml: spec.source.helm.valuesObject.grafana.persistence.storageClassName = "standard": no StorageClass "standard" is rendered in dist/cluster (rendered: gp3)',
    ]);
  });

  it('fails for an Ingress of a class nothing installs', () => {
    const all = copy();
    (doc(all, 'dist/staging/ingress/ingress-api-svc.yaml').spec as { ingressClassName: string }).ingressClassName = 'alb';
    expect(unmetNeeds(all)).toEqual([
      'dist/staging/ingress/ingress-api-svc.yaml: spec.ingressClassName = "alb": no IngressClass "alb" is installed (installed: nginx)',
    ]);
  });

  it('fails for load balancer annotations without the controller', () => {
    const all = copy().filter((d) => d.path !== 'argocd/apps/application-addon-flextime-aws-load-balancer-controller.yaml');
    const at = 'argocd/apps/application-addon-flextime-ingress-nginx.yaml: spec.source.helm.valuesObject.controller.service.annotations.service.beta.kubernetes.io/aws-load-balancer';
    const missing = ': no AWS Load Balancer Controller Application (aws-load-balancer-controller from https://aws.github.io/eks-charts) on https://kubernetes.default.svc';
    expect(unmetNeeds(all)).toEqual([
      `${at}-nlb-target-type = "ip"${missing}`,
      `${at}-scheme = "internet-facing"${missing}`,
      `${at}-target-group-attributes = "preserve_client_ip.enabled=true"${missing}`,
      `${at}-type = "external"${missing}`,
    ]);
  });

  it('fails for a load balancer type the controller does not serve, and for an annotation on an object in dist/', () => {
    const all = copy();
    const annotations = (spec(doc(all, 'argocd/apps/application-addon-flextime-ingress-nginx.yaml')).source.helm!.valuesObject!.controller as { service: { annotations: Record<string, string> } }).service.annotations;
    annotations['service.beta.kubernetes.io/aws-load-balancer-type'] = 'nlb';
    const ingress = doc(all, 'dist/production/ingress/ingress-api-svc.yaml');
    ingress.metadata.annotations = { ...ingress.metadata.annotations, 'alb.ingress.kubernetes.io/scheme': 'internal' };
    expect(unmetNeeds(all.filter((d) => !d.path.endsWith('aws-load-balancer-controller.yaml')))).toEqual([
      'dist/production/ingress/ingress-api-svc.yaml: metadata.annotations.alb.ingress.kubernetes.io/scheme = "internal": no AWS Load Balancer Controller Application (aws-load-balancer-controller from https://aws.github.io/eks-charts) on https://kubernetes.default.svc',
      'argocd/apps/application-addon-flextime-ingress-nginx.yaml: spec.source.helm.valuesObject.controller.service.annotations.service.beta.kubernetes.io/aws-load-balancer-nlb-target-type = "ip": no AWS Load Balancer Controller Application (aws-load-balancer-controller from https://aws.github.io/eks-charts) on https://kubernetes.default.svc',
      'argocd/apps/application-addon-flextime-ingress-nginx.yaml: spec.source.helm.valuesObject.controller.service.annotations.service.beta.kubernetes.io/aws-load-balancer-scheme = "internet-facing": no AWS Load Balancer Controller Application (aws-load-balancer-controller from https://aws.github.io/eks-charts) on https://kubernetes.default.svc',
      'argocd/apps/application-addon-flextime-ingress-nginx.yaml: spec.source.helm.valuesObject.controller.service.annotations.service.beta.kubernetes.io/aws-load-balancer-target-group-attributes = "preserve_client_ip.enabled=true": no AWS Load Balancer Controller Application (aws-load-balancer-controller from https://aws.github.io/eks-charts) on https://kubernetes.default.svc',
      'argocd/apps/application-addon-flextime-ingress-nginx.yaml: spec.source.helm.valuesObject.controller.service.annotations.service.beta.kubernetes.io/aws-load-balancer-type = "nlb": no AWS Load Balancer Controller Application (aws-load-balancer-controller from https://aws.github.io/eks-charts) on https://kubernetes.default.svc',
      'argocd/apps/application-addon-flextime-ingress-nginx.yaml: spec.source.helm.valuesObject.controller.service.annotations.service.beta.kubernetes.io/aws-load-balancer-type = "nlb": the AWS Load Balancer Controller serves "external" or "nlb-ip"; other types go to the in-tree cloud provider',
    ]);
  });
});
