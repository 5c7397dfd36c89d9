/**
 * lib/graph's scanner, one reference field at a time: hand-written objects in, literal needs and
 * provides out (kind, namespace, name and the referring field).
 */
import { describe, expect, it } from 'vitest';
import { needsOf } from '../lib/graph/needs.ts';
import { providesOf } from '../lib/graph/provides.ts';
import { describeRef } from '../lib/graph/refs.ts';
import type { KubeObject } from '../lib/synth/object-json.ts';

/** Needs as `<field> -> <ref>` lines, without the kind and namespace every object has. */
function needs(object: KubeObject, mentions?: Map<string, { group: string; kind: string; name: string }>): string[] {
  return needsOf(object, { mentions })
    .filter((n) => !n.field.endsWith('.kind') && !n.field.endsWith('.metadata.namespace'))
    .map((n) => `${n.field} -> ${describeRef(n.ref)}`);
}

const meta = (name: string, namespace = 'shop') => ({ name, namespace });
const deployment = (podSpec: object): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web'), spec: { template: { spec: podSpec } } });

describe('every object', () => {
  it('needs its kind and its namespace', () => {
    const o: KubeObject = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: meta('web') };
    expect(needsOf(o).map((n) => `${n.field} -> ${describeRef(n.ref)}`)).toEqual([
      'servicemonitor-web.kind -> kind monitoring.coreos.com/ServiceMonitor',
      'servicemonitor-web.metadata.namespace -> Namespace shop',
    ]);
  });

  it('needs the IAM role of an IRSA annotation', () => {
    const sa: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { ...meta('backup'), annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/backup' } } };
    expect(needs(sa)).toEqual(['serviceaccount-backup.metadata.annotations["eks.amazonaws.com/role-arn"] -> Role arn:aws:iam::1:role/backup']);
  });

  it('needs what a string field mentions, once per field', () => {
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('pgbouncer'), data: { 'pgbouncer.ini': 'db = host=db.example.rds.amazonaws.com port=5432 host=db.example.rds.amazonaws.com' } };
    const mentions = new Map([['db.example.rds.amazonaws.com', { group: 'rds.amazonaws.com', kind: 'DBInstance', name: 'db.example.rds.amazonaws.com' }]]);
    expect(needs(cm, mentions)).toEqual(['configmap-pgbouncer.data.pgbouncer.ini -> DBInstance db.example.rds.amazonaws.com']);
  });
});

describe('pod specs, wherever they are nested', () => {
  it('reads env secretKeyRef and configMapKeyRef, envFrom, and skips optional references', () => {
    const o = deployment({
      containers: [{
        name: 'web',
        env: [
          { name: 'A', value: 'x' },
          { name: 'B', valueFrom: { secretKeyRef: { name: 'web-secrets', key: 'b' } } },
          { name: 'C', valueFrom: { configMapKeyRef: { name: 'web-settings', key: 'c' } } },
          { name: 'D', valueFrom: { secretKeyRef: { name: 'maybe', key: 'd', optional: true } } },
        ],
        envFrom: [{ secretRef: { name: 'web-env' } }, { configMapRef: { name: 'shared-env' } }],
      }],
    });
    expect(needs(o)).toEqual([
      'deployment-web.spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.name -> Secret shop/web-secrets',
      'deployment-web.spec.template.spec.containers[0].env[2].valueFrom.configMapKeyRef.name -> ConfigMap shop/web-settings',
      'deployment-web.spec.template.spec.containers[0].envFrom[0].secretRef.name -> Secret shop/web-env',
      'deployment-web.spec.template.spec.containers[0].envFrom[1].configMapRef.name -> ConfigMap shop/shared-env',
    ]);
  });

  it('reads volumes (secret, configMap, projected, PVC), imagePullSecrets, serviceAccountName, priorityClassName and init containers', () => {
    const o = deployment({
      serviceAccountName: 'web',
      priorityClassName: 'critical',
      imagePullSecrets: [{ name: 'registry' }],
      volumes: [
        { name: 'a', secret: { secretName: 'tls' } },
        { name: 'b', configMap: { name: 'rules' } },
        { name: 'c', projected: { sources: [{ secret: { name: 'p1' } }, { configMap: { name: 'p2' } }, { serviceAccountToken: { path: 't' } }] } },
        { name: 'd', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'e', emptyDir: {} },
        { name: 'f', secret: { secretName: 'maybe', optional: true } },
      ],
      initContainers: [{ name: 'init', envFrom: [{ secretRef: { name: 'init-env' } }] }],
      containers: [{ name: 'web' }],
    });
    expect(needs(o)).toEqual([
      'deployment-web.spec.template.spec.serviceAccountName -> ServiceAccount shop/web',
      'deployment-web.spec.template.spec.priorityClassName -> PriorityClass critical',
      'deployment-web.spec.template.spec.imagePullSecrets[0].name -> Secret shop/registry',
      'deployment-web.spec.template.spec.volumes[0].secret.secretName -> Secret shop/tls',
      'deployment-web.spec.template.spec.volumes[1].configMap.name -> ConfigMap shop/rules',
      'deployment-web.spec.template.spec.volumes[2].projected.sources[0].secret.name -> Secret shop/p1',
      'deployment-web.spec.template.spec.volumes[2].projected.sources[1].configMap.name -> ConfigMap shop/p2',
      'deployment-web.spec.template.spec.volumes[3].persistentVolumeClaim.claimName -> PersistentVolumeClaim shop/data',
      'deployment-web.spec.template.spec.initContainers[0].envFrom[0].secretRef.name -> Secret shop/init-env',
    ]);
  });

  it('finds the pod spec of a CronJob', () => {
    const o: KubeObject = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('backup'),
      spec: { jobTemplate: { spec: { template: { spec: { serviceAccountName: 'backup', containers: [{ name: 'b' }] } } } } },
    };
    expect(needs(o)).toEqual(['cronjob-backup.spec.jobTemplate.spec.template.spec.serviceAccountName -> ServiceAccount shop/backup']);
  });
});

describe('storage classes', () => {
  it('reads storageClassName of volumeClaimTemplates, and the default class when it is absent', () => {
    const o: KubeObject = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('redis'),
      spec: { template: { spec: { containers: [{ name: 'r' }] } }, volumeClaimTemplates: [{ metadata: { name: 'a' }, spec: { storageClassName: 'gp3' } }, { metadata: { name: 'b' }, spec: {} }] },
    };
    expect(needs(o)).toEqual([
      'statefulset-redis.spec.volumeClaimTemplates[0].spec.storageClassName -> StorageClass gp3',
      'statefulset-redis.spec.volumeClaimTemplates[1].spec.storageClassName -> the default StorageClass',
    ]);
  });

  it('reads a PVC, and "" as no class at all', () => {
    const pvc = (storageClassName?: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('data'), spec: { storageClassName } });
    expect(needs(pvc('fast'))).toEqual(['persistentvolumeclaim-data.spec.storageClassName -> StorageClass fast']);
    expect(needs(pvc(''))).toEqual([]);
  });
});

describe('kind-specific references', () => {
  it('ExternalSecret: its ClusterSecretStore or SecretStore; provides its target Secret', () => {
    const es = (storeRef: object, target?: object): KubeObject => ({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: meta('web'), spec: { secretStoreRef: storeRef, target } });
    expect(needs(es({ kind: 'ClusterSecretStore', name: 'aws' }))).toEqual(['externalsecret-web.spec.secretStoreRef.name -> ClusterSecretStore aws']);
    expect(needs(es({ name: 'local' }))).toEqual(['externalsecret-web.spec.secretStoreRef.name -> SecretStore shop/local']);
    expect(providesOf(es({ name: 'local' }, { name: 'web-env' })).map(describeRef)).toEqual(['ExternalSecret shop/web', 'Secret shop/web-env']);
    expect(providesOf(es({ name: 'local' })).map(describeRef)).toEqual(['ExternalSecret shop/web', 'Secret shop/web']);
  });

  it('ClusterSecretStore: the ServiceAccount it authenticates as', () => {
    const store: KubeObject = {
      apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore', metadata: { name: 'aws' },
      spec: { provider: { aws: { auth: { jwt: { serviceAccountRef: { name: 'eso', namespace: 'eso-system' } } } } } },
    };
    expect(needs(store)).toEqual(['clustersecretstore-aws.spec.provider.aws.auth.jwt.serviceAccountRef.name -> ServiceAccount eso-system/eso']);
  });

  it('Certificate: its issuer; provides its secretName', () => {
    const cert = (issuerRef: object): KubeObject => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: meta('api'), spec: { secretName: 'api-tls', issuerRef } });
    expect(needs(cert({ kind: 'ClusterIssuer', name: 'letsencrypt' }))).toEqual(['certificate-api.spec.issuerRef.name -> ClusterIssuer letsencrypt']);
    expect(needs(cert({ name: 'local' }))).toEqual(['certificate-api.spec.issuerRef.name -> Issuer shop/local']);
    expect(providesOf(cert({ name: 'local' })).map(describeRef)).toEqual(['Certificate shop/api', 'Secret shop/api-tls']);
  });

  it('Ingress: its class (or the default one), cert-manager annotations and backend Services', () => {
    const ingress = (spec: object, annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { ...meta('api'), annotations }, spec });
    expect(needs(ingress(
      { ingressClassName: 'nginx', rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'api', port: { number: 80 } } } }] } }] },
      { 'cert-manager.io/cluster-issuer': 'letsencrypt', 'cert-manager.io/issuer': 'local' },
    ))).toEqual([
      'ingress-api.spec.ingressClassName -> IngressClass nginx',
      'ingress-api.metadata.annotations["cert-manager.io/cluster-issuer"] -> ClusterIssuer letsencrypt',
      'ingress-api.metadata.annotations["cert-manager.io/issuer"] -> Issuer shop/local',
      'ingress-api.spec.rules[0].http.paths[0].backend.service.name -> Service shop/api',
    ]);
    expect(needs(ingress({ defaultBackend: { service: { name: 'web' } } }))).toEqual([
      'ingress-api.spec.ingressClassName -> the default IngressClass',
      'ingress-api.spec.defaultBackend.service.name -> Service shop/web',
    ]);
  });

  it('KEDA: TriggerAuthentication secretTargetRef, ScaledObject target and authenticationRef', () => {
    const auth: KubeObject = { apiVersion: 'keda.sh/v1alpha1', kind: 'TriggerAuthentication', metadata: meta('redis'), spec: { secretTargetRef: [{ parameter: 'password', name: 'redis-auth', key: 'p' }] } };
    expect(needs(auth)).toEqual(['triggerauthentication-redis.spec.secretTargetRef[0].name -> Secret shop/redis-auth']);
    const scaled: KubeObject = {
      apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: meta('worker'),
      spec: { scaleTargetRef: { name: 'worker' }, triggers: [{ type: 'redis', authenticationRef: { name: 'redis' } }, { type: 'cpu' }] },
    };
    expect(needs(scaled)).toEqual([
      'scaledobject-worker.spec.scaleTargetRef.name -> Deployment shop/worker',
      'scaledobject-worker.spec.triggers[0].authenticationRef.name -> TriggerAuthentication shop/redis',
    ]);
  });

  it('HorizontalPodAutoscaler: its target and, for CPU/memory, the resource metrics API', () => {
    const hpa: KubeObject = {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta('api'),
      spec: { scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' }, metrics: [{ type: 'Resource', resource: { name: 'cpu' } }] },
    };
    expect(needs(hpa)).toEqual([
      'horizontalpodautoscaler-api.spec.scaleTargetRef.name -> Rollout shop/api',
      'horizontalpodautoscaler-api.spec.metrics[0].type -> kind metrics.k8s.io/PodMetrics',
    ]);
  });

  it('AlertmanagerConfig: every receiver Secret selector', () => {
    const amc: KubeObject = {
      apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'AlertmanagerConfig', metadata: meta('routing'),
      spec: { receivers: [{ name: 'oncall', pagerdutyConfigs: [{ routingKey: { name: 'receivers', key: 'pd' } }], slackConfigs: [{ apiURL: { name: 'receivers', key: 'slack' }, channel: '#x' }] }] },
    };
    expect(needs(amc)).toEqual([
      'alertmanagerconfig-routing.spec.receivers[0].pagerdutyConfigs[0].routingKey.name -> Secret shop/receivers',
      'alertmanagerconfig-routing.spec.receivers[0].slackConfigs[0].apiURL.name -> Secret shop/receivers',
    ]);
  });

  it('RoleBinding: its role and ServiceAccount subjects', () => {
    const rb: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('readers'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
      subjects: [{ kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' }],
    };
    expect(needs(rb)).toEqual(['rolebinding-readers.roleRef.name -> ClusterRole reader', 'rolebinding-readers.subjects[1].name -> ServiceAccount tools/ci']);
  });

  it('Rollout: analysis templates; TestRun: script ConfigMap and runner pod fields; Chaos Mesh: selector namespaces', () => {
    const rollout: KubeObject = {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: meta('api'),
      spec: { template: { spec: { containers: [{ name: 'api' }] } }, strategy: { canary: { steps: [{ analysis: { templates: [{ templateName: 'slo' }] } }] } } },
    };
    expect(needs(rollout)).toEqual(['rollout-api.spec.strategy.canary.steps[0].analysis.templates[0].templateName -> AnalysisTemplate shop/slo']);
    const testRun: KubeObject = {
      apiVersion: 'k6.io/v1alpha1', kind: 'TestRun', metadata: meta('load'),
      spec: { script: { configMap: { name: 'scripts', file: 'a.js' } }, runner: { serviceAccountName: 'k6', env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'token', key: 't' } } }] } },
    };
    expect(needs(testRun)).toEqual([
      'testrun-load.spec.script.configMap.name -> ConfigMap shop/scripts',
      'testrun-load.spec.runner.serviceAccountName -> ServiceAccount shop/k6',
      'testrun-load.spec.runner.env[0].valueFrom.secretKeyRef.name -> Secret shop/token',
    ]);
    const schedule: KubeObject = { apiVersion: 'chaos-mesh.org/v1alpha1', kind: 'Schedule', metadata: meta('kill'), spec: { podChaos: { selector: { namespaces: ['shop'] } } } };
    expect(needs(schedule)).toEqual(['schedule-kill.spec.podChaos.selector.namespaces[0] -> Namespace shop']);
  });
});

describe('load balancers and storage drivers', () => {
  const service = (spec: object, annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { ...meta('edge'), annotations }, spec });

  it('a LoadBalancer Service handed to the AWS Load Balancer Controller needs the controller\'s kind; the built-in provider needs nothing', () => {
    expect(needs(service({ type: 'LoadBalancer' }, { 'service.beta.kubernetes.io/aws-load-balancer-type': 'external' })))
      .toEqual(['service-edge.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"] -> kind elbv2.k8s.aws/TargetGroupBinding']);
    expect(needs(service({ type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb' }))).toEqual(['service-edge.spec.loadBalancerClass -> kind elbv2.k8s.aws/TargetGroupBinding']);
    expect(needs(service({ type: 'LoadBalancer' }, { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }))).toEqual([]);
    expect(needs(service({ type: 'ClusterIP' }, { 'service.beta.kubernetes.io/aws-load-balancer-type': 'external' }))).toEqual([]);
  });

  it('a StorageClass needs its CSI driver, not an in-tree provisioner', () => {
    const sc = (provisioner: string): KubeObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'gp3' }, provisioner } as KubeObject);
    expect(needs(sc('ebs.csi.aws.com'))).toEqual(['storageclass-gp3.provisioner -> CSIDriver ebs.csi.aws.com']);
    expect(needs(sc('kubernetes.io/aws-ebs'))).toEqual([]);
  });
});

describe('provides', () => {
  it('a CRD and a Gatekeeper ConstraintTemplate provide the kind they define', () => {
    const crd: KubeObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.io' }, spec: { group: 'example.io', names: { kind: 'Widget' } } };
    expect(providesOf(crd).map(describeRef)).toEqual(['CustomResourceDefinition widgets.example.io', 'kind example.io/Widget']);
    const template: KubeObject = { apiVersion: 'templates.gatekeeper.sh/v1', kind: 'ConstraintTemplate', metadata: { name: 'k8sprobes' }, spec: { crd: { spec: { names: { kind: 'K8sProbes' } } } } };
    expect(providesOf(template).map(describeRef)).toEqual(['ConstraintTemplate k8sprobes', 'kind constraints.gatekeeper.sh/K8sProbes']);
  });

  it('a StorageClass annotated as the default is also the default StorageClass', () => {
    const sc: KubeObject = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'gp3', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } };
    expect(providesOf(sc).map(describeRef)).toEqual(['StorageClass gp3', 'the default StorageClass']);
  });
});
