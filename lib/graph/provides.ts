/**
 * What one rendered object provides to others: itself (a Namespace, Secret, ConfigMap,
 * ClusterSecretStore, StorageClass, IngressClass, Issuer, PriorityClass, ServiceAccount, ...
 * by kind, namespace and name), plus what it makes exist once its controller acts:
 *
 *   CustomResourceDefinition    the kind it defines
 *   Gatekeeper ConstraintTemplate  the constraint kind Gatekeeper generates from it
 *   ExternalSecret              the Secret `spec.target.name` (default: its own name)
 *   cert-manager Certificate    the Secret `spec.secretName`
 *   SealedSecret                the Secret of its name
 *   StorageClass / IngressClass annotated as the default: also "the default" of its kind
 */
import type { KubeObject } from '../synth/object-json.ts';
import { DEFAULT_NAME, groupOfApiVersion, kindRef, objectRef, type Ref } from './refs.ts';

type Json = Record<string, unknown>;
const DEFAULT_CLASS_ANNOTATIONS: Readonly<Record<string, string>> = {
  'storage.k8s.io/StorageClass': 'storageclass.kubernetes.io/is-default-class',
  'networking.k8s.io/IngressClass': 'ingressclass.kubernetes.io/is-default-class',
};

/** Every ref `object` provides. */
export function providesOf(object: KubeObject): Ref[] {
  const group = groupOfApiVersion(object.apiVersion);
  const { name = '', namespace } = object.metadata;
  const spec = (object.spec as Json | undefined) ?? {};
  const refs: Ref[] = [objectRef(group, object.kind, name, namespace)];
  const secret = (secretName: unknown) => {
    if (typeof secretName === 'string' && secretName) refs.push(objectRef('', 'Secret', secretName, namespace));
  };
  switch (`${group}/${object.kind}`) {
    case 'apiextensions.k8s.io/CustomResourceDefinition': {
      const kind = (spec.names as Json | undefined)?.kind;
      if (typeof spec.group === 'string' && typeof kind === 'string') refs.push(kindRef(spec.group, kind));
      break;
    }
    case 'templates.gatekeeper.sh/ConstraintTemplate': {
      const kind = (((spec.crd as Json | undefined)?.spec as Json | undefined)?.names as Json | undefined)?.kind;
      if (typeof kind === 'string') refs.push(kindRef('constraints.gatekeeper.sh', kind));
      break;
    }
    case 'external-secrets.io/ExternalSecret':
      secret((spec.target as Json | undefined)?.name ?? name);
      break;
    case 'cert-manager.io/Certificate':
      secret(spec.secretName);
      break;
    case 'bitnami.com/SealedSecret':
      secret(((spec.template as Json | undefined)?.metadata as Json | undefined)?.name ?? name);
      break;
    default: {
      const annotation = DEFAULT_CLASS_ANNOTATIONS[`${group}/${object.kind}`];
      if (annotation && object.metadata.annotations?.[annotation] === 'true') refs.push(objectRef(group, object.kind, DEFAULT_NAME));
    }
  }
  return refs;
}
