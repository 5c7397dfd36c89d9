/**
 * Reference fields of particular kinds (core and the common operators' custom resources), keyed
 * by `group/Kind`. Each rule adds the objects its fields name; pod specs, namespaces, kinds and
 * storage classes are read for every object by ./needs.ts.
 */
import type { KubeObject } from '../synth/object-json.ts';
import { loadBalancerNeeds } from './load-balancers.ts';
import { containerNeeds, list, podSpecNeeds, type AddNeed } from './pod-needs.ts';
import { DEFAULT_NAME, groupOfApiVersion, kindRef, objectRef } from './refs.ts';

type Json = Record<string, unknown>;
type KindRule = (object: KubeObject, add: AddNeed) => void;

const spec = (o: KubeObject): Json => (o.spec as Json | undefined) ?? {};
const str = (x: unknown): x is string => typeof x === 'string' && x.length > 0;

/** An object another one names by `{apiVersion?, kind?, name}` (scaleTargetRef, workloadRef) in its namespace. */
function targetRef(o: KubeObject, ref: unknown, path: string, add: AddNeed, defaults = { apiVersion: 'apps/v1', kind: 'Deployment' }): void {
  const r = ref as Json | undefined;
  if (!r || !str(r.name)) return;
  const apiVersion = str(r.apiVersion) ? r.apiVersion : defaults.apiVersion;
  add(objectRef(groupOfApiVersion(apiVersion), str(r.kind) ? r.kind : defaults.kind, r.name, o.metadata.namespace), `${path}.name`);
}

/**
 * A `{kind?, name}` reference at `path` to a namespaced kind (in the object's namespace) or, when
 * `kind` says so, to its cluster-wide twin: SecretStore / ClusterSecretStore, Issuer / ClusterIssuer, …
 */
function namespacedOrCluster(o: KubeObject, ref: unknown, path: string, add: AddNeed, group: string, [namespaced, clusterWide]: [string, string]): void {
  const r = ref as Json | undefined;
  if (!r || !str(r.name)) return;
  const cluster = r.kind === clusterWide;
  add(objectRef(group, cluster ? clusterWide : namespaced, r.name, cluster ? undefined : o.metadata.namespace), `${path}.name`);
}

/** `roleRef` and ServiceAccount `subjects` of a RoleBinding or ClusterRoleBinding. */
const binding: KindRule = (o, add) => {
  const roleRef = o.roleRef as Json | undefined;
  if (roleRef && str(roleRef.name)) {
    const namespaced = roleRef.kind === 'Role';
    add(objectRef('rbac.authorization.k8s.io', namespaced ? 'Role' : 'ClusterRole', roleRef.name, namespaced ? o.metadata.namespace : undefined), 'roleRef.name');
  }
  list(o.subjects).forEach((s, i) => {
    const namespace = str(s.namespace) ? s.namespace : o.metadata.namespace;
    if (s.kind === 'ServiceAccount' && str(s.name)) add(objectRef('', 'ServiceAccount', s.name, namespace), `subjects[${i}].name`);
  });
};

/** `secretStoreRef` of an ExternalSecret: a SecretStore in its namespace or a ClusterSecretStore. */
const externalSecret: KindRule = (o, add) =>
  namespacedOrCluster(o, spec(o).secretStoreRef, 'spec.secretStoreRef', add, 'external-secrets.io', ['SecretStore', 'ClusterSecretStore']);

/** Every `serviceAccountRef` and `secretRef`-style selector below `spec.provider` of a secret store. */
const secretStore: KindRule = (o, add) => {
  const visit = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node as Json)) {
      const v = value as Json;
      if (key === 'serviceAccountRef' && str(v?.name)) {
        add(objectRef('', 'ServiceAccount', v.name, str(v.namespace) ? v.namespace : o.metadata.namespace), `${path}.${key}.name`);
      } else if (/SecretRef$|^secretRef$/.test(key) && str(v?.name) && str(v?.key)) {
        add(objectRef('', 'Secret', v.name, str(v.namespace) ? v.namespace : o.metadata.namespace), `${path}.${key}.name`);
      } else {
        visit(value, `${path}.${key}`);
      }
    }
  };
  visit(spec(o).provider, 'spec.provider');
};

/** `issuerRef` of a cert-manager Certificate: an Issuer in its namespace or a ClusterIssuer. */
const certificate: KindRule = (o, add) =>
  namespacedOrCluster(o, spec(o).issuerRef, 'spec.issuerRef', add, 'cert-manager.io', ['Issuer', 'ClusterIssuer']);

/** IngressClass (named, by annotation or the default), cert-manager issuer annotations, backend Services. */
const ingress: KindRule = (o, add) => {
  const s = spec(o);
  const annotations = o.metadata.annotations ?? {};
  const ns = o.metadata.namespace;
  const byAnnotation = annotations['kubernetes.io/ingress.class'];
  const [className, classField] = str(s.ingressClassName) ? [s.ingressClassName, 'spec.ingressClassName']
    : str(byAnnotation) ? [byAnnotation, 'metadata.annotations["kubernetes.io/ingress.class"]'] : [DEFAULT_NAME, 'spec.ingressClassName'];
  add(objectRef('networking.k8s.io', 'IngressClass', className), classField);
  const clusterIssuer = annotations['cert-manager.io/cluster-issuer'];
  if (str(clusterIssuer)) add(objectRef('cert-manager.io', 'ClusterIssuer', clusterIssuer), 'metadata.annotations["cert-manager.io/cluster-issuer"]');
  const issuer = annotations['cert-manager.io/issuer'];
  if (str(issuer)) add(objectRef('cert-manager.io', 'Issuer', issuer, ns), 'metadata.annotations["cert-manager.io/issuer"]');
  const service = (backend: unknown, path: string) => {
    const name = ((backend as Json | undefined)?.service as Json | undefined)?.name;
    if (str(name)) add(objectRef('', 'Service', name, ns), `${path}.service.name`);
  };
  service(s.defaultBackend, 'spec.defaultBackend');
  list(s.rules).forEach((r, i) => list((r.http as Json | undefined)?.paths).forEach((p, j) => service(p.backend, `spec.rules[${i}].http.paths[${j}].backend`)));
};

/** KEDA: `secretTargetRef` of a TriggerAuthentication. */
const triggerAuthentication: KindRule = (o, add) => {
  list(spec(o).secretTargetRef).forEach((r, i) => {
    if (str(r.name)) add(objectRef('', 'Secret', r.name, o.metadata.namespace), `spec.secretTargetRef[${i}].name`);
  });
};

/** KEDA: the scaled workload and each trigger's `authenticationRef`. */
const scaled: KindRule = (o, add) => {
  const s = spec(o);
  if (o.kind === 'ScaledObject') targetRef(o, s.scaleTargetRef, 'spec.scaleTargetRef', add);
  list(s.triggers).forEach((t, i) =>
    namespacedOrCluster(o, t.authenticationRef, `spec.triggers[${i}].authenticationRef`, add, 'keda.sh', ['TriggerAuthentication', 'ClusterTriggerAuthentication']));
};

/** The scaled workload, and the resource metrics API (metrics-server) for CPU/memory targets. */
const horizontalPodAutoscaler: KindRule = (o, add) => {
  targetRef(o, spec(o).scaleTargetRef, 'spec.scaleTargetRef', add);
  list(spec(o).metrics).forEach((m, i) => {
    if (m.type === 'Resource' || m.type === 'ContainerResource') add(kindRef('metrics.k8s.io', 'PodMetrics'), `spec.metrics[${i}].type`);
  });
};

/** Prometheus Operator AlertmanagerConfig: every `{name, key}` Secret selector of its receivers. */
const alertmanagerConfig: KindRule = (o, add) => {
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((x, i) => visit(x, `${path}[${i}]`));
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    const n = node as Json;
    if (str(n.name) && str(n.key) && Object.keys(n).every((k) => ['name', 'key', 'optional'].includes(k))) {
      if (!n.optional) add(objectRef('', 'Secret', n.name, o.metadata.namespace), `${path}.name`);
      return;
    }
    for (const [key, value] of Object.entries(n)) visit(value, `${path}.${key}`);
  };
  visit(spec(o).receivers, 'spec.receivers');
};

/** Argo Rollouts: the pod template is read by ./needs.ts; analysis templates and a referenced workload here. */
const rollout: KindRule = (o, add) => {
  targetRef(o, spec(o).workloadRef, 'spec.workloadRef', add);
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((x, i) => visit(x, `${path}[${i}]`));
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    const n = node as Json;
    if (str(n.templateName)) {
      const cluster = n.clusterScope === true;
      add(objectRef('argoproj.io', cluster ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate', n.templateName, cluster ? undefined : o.metadata.namespace), `${path}.templateName`);
    }
    for (const [key, value] of Object.entries(n)) visit(value, `${path}.${key}`);
  };
  visit(spec(o).strategy, 'spec.strategy');
};

/** k6-operator TestRun: the script ConfigMap, and runner/initializer/starter as pod specs with their own env. */
const testRun: KindRule = (o, add) => {
  const s = spec(o);
  const script = (s.script as Json | undefined)?.configMap as Json | undefined;
  if (script && str(script.name)) add(objectRef('', 'ConfigMap', script.name, o.metadata.namespace), 'spec.script.configMap.name');
  for (const part of ['runner', 'initializer', 'starter']) {
    const pod = s[part] as Json | undefined;
    if (!pod) continue;
    podSpecNeeds(pod, `spec.${part}`, o.metadata.namespace, add);
    containerNeeds(pod, `spec.${part}`, o.metadata.namespace, add);
  }
};

/** Chaos Mesh: every `selector.namespaces` (the experiment's and a network target's). */
const chaos: KindRule = (o, add) => {
  const visit = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    for (const [key, value] of Object.entries(node as Json)) {
      const namespaces = key === 'selector' ? (value as Json | undefined)?.namespaces : undefined;
      if (Array.isArray(namespaces)) namespaces.forEach((ns, i) => str(ns) && add(objectRef('', 'Namespace', ns), `${path}.selector.namespaces[${i}]`));
      visit(value, `${path}.${key}`);
    }
  };
  visit(spec(o), 'spec');
};

/** A LoadBalancer Service: the controller that serves it (./load-balancers.ts). */
const service: KindRule = (o, add) => {
  const s = spec(o);
  if (s.type !== 'LoadBalancer') return;
  for (const n of loadBalancerNeeds(o.metadata.annotations, s.loadBalancerClass, { annotations: 'metadata.annotations', spec: 'spec' })) add(n.ref, n.field);
};

/** A StorageClass: its CSI driver (in-tree `kubernetes.io/*` provisioners come with the cluster). */
const storageClass: KindRule = (o, add) => {
  const provisioner = (o as { provisioner?: unknown }).provisioner;
  if (str(provisioner) && !provisioner.startsWith('kubernetes.io/')) add(objectRef('storage.k8s.io', 'CSIDriver', provisioner), 'provisioner');
};

export const KIND_NEEDS: Readonly<Record<string, KindRule>> = {
  '/Service': service,
  'storage.k8s.io/StorageClass': storageClass,
  'rbac.authorization.k8s.io/RoleBinding': binding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': binding,
  'external-secrets.io/ExternalSecret': externalSecret,
  'external-secrets.io/SecretStore': secretStore,
  'external-secrets.io/ClusterSecretStore': secretStore,
  'cert-manager.io/Certificate': certificate,
  'networking.k8s.io/Ingress': ingress,
  'keda.sh/TriggerAuthentication': triggerAuthentication,
  'keda.sh/ScaledObject': scaled,
  'keda.sh/ScaledJob': scaled,
  'autoscaling/HorizontalPodAutoscaler': horizontalPodAutoscaler,
  'monitoring.coreos.com/AlertmanagerConfig': alertmanagerConfig,
  'argoproj.io/Rollout': rollout,
  'k6.io/TestRun': testRun,
  'chaos-mesh.org/Schedule': chaos,
};
