/**
 * A ServiceMonitor: Prometheus scrapes the pods behind a Service through one named port.
 * Services are selected by the immutable selector labels (name + instance) in one namespace.
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor
 */
import { Construct } from 'constructs';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { modelObject } from '../model-object.ts';

export interface MetricsScrapeProps {
  /** Name of the ServiceMonitor; also the `job` label of the scraped series. */
  readonly name: string;
  readonly namespace: string;
  /** Labels of the object; include the label the Prometheus `serviceMonitorSelector` matches. */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels of the Service(s) to scrape, e.g. `app.kubernetes.io/name` + `instance`. */
  readonly selector: Readonly<Record<string, string>>;
  /**
   * Name of the Service port serving metrics.
   * @default 'metrics'
   */
  readonly port?: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** @default '30s' */
  readonly interval?: string;
  /**
   * Keep the target's own labels when they clash with the scrape labels (a Pushgateway: the
   * pushed `job`, `namespace` and `database` labels are the ones that mean something).
   * @default false
   */
  readonly honorLabels?: boolean;
  /**
   * Pod labels copied onto every scraped series, as `seriesLabel(label)`: for queries that must
   * tell the pods of one workload apart, e.g. a canary's pods by their pod-template hash. A pod
   * without the label gives series without it (Prometheus drops empty labels).
   * @default []
   */
  readonly podLabels?: readonly string[];
}

/** Labels prometheus-operator sets on every target; a copied pod label must not overwrite one. */
const TARGET_LABELS = ['namespace', 'service', 'pod', 'container', 'endpoint', 'job', 'instance'];

/** The series label a copied pod label becomes (Prometheus label names allow only [a-zA-Z0-9_]). */
export function seriesLabel(podLabel: string): string {
  return podLabel.replace(/[^a-zA-Z0-9_]/g, '_');
}

export class MetricsScrape extends Construct {
  constructor(scope: Construct, id: string, props: MetricsScrapeProps) {
    super(scope, id);
    if (Object.keys(props.selector).length === 0) {
      throw new Error(`'selector' of ServiceMonitor '${props.name}' must not be empty; it would scrape every Service in ${props.namespace}`);
    }
    const interval = props.interval ?? '30s';
    const podLabels = props.podLabels ?? [];
    for (const l of podLabels) {
      if (TARGET_LABELS.includes(seriesLabel(l))) throw new Error(`'podLabels' of ServiceMonitor '${props.name}': '${l}' would overwrite the target label '${seriesLabel(l)}'`);
    }
    modelObject(this, 'Resource', new ServiceMonitor({
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        jobLabel: 'app.kubernetes.io/name',
        selector: { matchLabels: { ...props.selector } },
        namespaceSelector: { matchNames: [props.namespace] },
        endpoints: [{
          port: props.port ?? 'metrics',
          path: props.path ?? '/metrics',
          interval,
          ...(props.honorLabels ? { honorLabels: true } : {}),
          // Service discovery exposes each pod label as __meta_kubernetes_pod_label_<name>.
          ...(podLabels.length > 0 ? {
            relabelings: podLabels.map((l) => ({
              action: 'replace' as const,
              sourceLabels: [`__meta_kubernetes_pod_label_${seriesLabel(l)}`],
              targetLabel: seriesLabel(l),
            })),
          } : {}),
        }],
      },
    }));
  }
}
