/**
 * A PodMonitor: Prometheus scrapes pods directly through a named container port, for charts that
 * expose metrics on their pods but render no Service or ServiceMonitor for them (Gatekeeper).
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitor
 */
import { Construct } from 'constructs';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { modelObject } from '../model-object.ts';

export interface PodMetricsScrapeProps {
  /** Name of the PodMonitor; also the `job` label of the scraped series (`namespace/name`). */
  readonly name: string;
  /** Namespace of the PodMonitor and of the pods it selects. */
  readonly namespace: string;
  /** Labels of the object; include the label the Prometheus `podMonitorSelector` matches. */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels of the pods to scrape, exactly as their chart sets them. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Name of the container port serving metrics. @default 'metrics' */
  readonly port?: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** @default '30s' */
  readonly interval?: string;
}

export class PodMetricsScrape extends Construct {
  constructor(scope: Construct, id: string, props: PodMetricsScrapeProps) {
    super(scope, id);
    if (Object.keys(props.podSelector).length === 0) {
      throw new Error(`'podSelector' of PodMonitor '${props.name}' must not be empty; it would scrape every pod in ${props.namespace}`);
    }
    modelObject(this, 'Resource', new PodMonitor({
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        selector: { matchLabels: { ...props.podSelector } },
        namespaceSelector: { matchNames: [props.namespace] },
        podMetricsEndpoints: [{ port: props.port ?? 'metrics', path: props.path ?? '/metrics', interval: props.interval ?? '30s' }],
      },
    }));
  }
}
