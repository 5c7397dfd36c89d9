/**
 * Who serves a Service of type LoadBalancer: the cloud provider built into the cluster, unless
 * `spec.loadBalancerClass` or a controller's annotation hands it to a controller installed in the
 * cluster. Such a Service needs the kind that controller's CRDs define, so it syncs after it.
 *
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/nlb/
 */
import { kindRef, type Ref } from './refs.ts';

/** The AWS Load Balancer Controller, known by the kind its chart installs. */
const AWS_LOAD_BALANCER_CONTROLLER = kindRef('elbv2.k8s.aws', 'TargetGroupBinding');
const AWS_TYPE_ANNOTATION = 'service.beta.kubernetes.io/aws-load-balancer-type';
/** `aws-load-balancer-type` values the controller serves (`nlb` is the legacy in-tree provider's). */
const AWS_CONTROLLER_TYPES = new Set(['external', 'nlb-ip']);
const CLASSES: Readonly<Record<string, Ref>> = { 'service.k8s.aws/nlb': AWS_LOAD_BALANCER_CONTROLLER };

/**
 * The controller a LoadBalancer Service with these annotations and class needs, with the field
 * (relative to `metadataPath` / `specPath`) that says so; none for the built-in provider.
 */
export function loadBalancerNeeds(annotations: Readonly<Record<string, string>> | undefined, loadBalancerClass: unknown, paths: { annotations: string; spec: string }): Array<{ ref: Ref; field: string }> {
  if (typeof loadBalancerClass === 'string' && CLASSES[loadBalancerClass]) {
    return [{ ref: CLASSES[loadBalancerClass]!, field: `${paths.spec}.loadBalancerClass` }];
  }
  const type = annotations?.[AWS_TYPE_ANNOTATION];
  return type && AWS_CONTROLLER_TYPES.has(type) ? [{ ref: AWS_LOAD_BALANCER_CONTROLLER, field: `${paths.annotations}["${AWS_TYPE_ANNOTATION}"]` }] : [];
}
