/**
 * PromQL that compares what each workload's containers request with what the Vertical Pod
 * Autoscaler recommends for them (VPAs in `Off` mode only recommend). kube-state-metrics exports
 * requests per pod and, through its custom-resource-state config (the VPA metrics left its
 * defaults in v2.9), the VPA's recommendation per target workload and container. Both are brought
 * to one `workload` label: the VPA's `target_name`, and the pod name without the suffix its
 * controller adds (`-<replicaset hash>-<5 chars>` for Deployments and Rollouts, `-<ordinal>` for
 * StatefulSets), so the two sides join on (namespace, workload, container).
 */

/** kube-state-metrics' requests of a pod's container (`resource` = cpu | memory). */
export const REQUESTS_METRIC = 'kube_pod_container_resource_requests';
/** The VPA recommendation metrics of our kube-state-metrics custom-resource-state config. */
export const VPA_METRIC_PREFIX = 'kube_verticalpodautoscaler_status_recommendation_containerrecommendations';
export type VpaBound = 'target' | 'lowerbound' | 'upperbound';
export type Resource = 'cpu' | 'memory';

/** A controller's pod name → its workload: Deployment/Rollout pods first, then StatefulSet ordinals. */
const POD_OF_WORKLOAD = '(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}|(.+)-[0-9]+';

/** `{a="x", resource="cpu"}` from a selector body such as `namespace="flextime-production"`. */
function withResource(selector: string, resource: Resource): string {
  return `{${selector ? `${selector}, ` : ''}resource="${resource}"}`;
}

/** Request of each workload's container (the same in every replica: the highest is taken). */
export function requestsByWorkload(selector: string, resource: Resource): string {
  return `max by (namespace, workload, container) (label_replace(${REQUESTS_METRIC}${withResource(selector, resource)}, "workload", "$1$2", "pod", "${POD_OF_WORKLOAD}"))`;
}

/**
 * A VPA bound per workload container; `over` wraps the series in a range function first, e.g.
 * `max_over_time(…[7d])` (the label is set after it, as range functions keep labels).
 */
export function vpaByWorkload(bound: VpaBound, selector: string, resource: Resource, over?: { fn: 'max_over_time' | 'min_over_time'; range: string }): string {
  const series = `${VPA_METRIC_PREFIX}_${bound}${withResource(selector, resource)}`;
  const inner = over ? `${over.fn}(${series}[${over.range}])` : series;
  return `max by (namespace, workload, container) (label_replace(${inner}, "workload", "$1", "target_name", "(.+)"))`;
}
