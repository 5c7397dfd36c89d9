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
}

export class MetricsScrape extends Construct {
  constructor(scope: Construct, id: string, props: MetricsScrapeProps) {
    super(scope, id);
    if (Object.keys(props.selector).length === 0) {
      throw new Error(`'selector' of ServiceMonitor '${props.name}' must not be empty; it would scrape every Service in ${props.namespace}`);
    }
    const interval = props.interval ?? '30s';
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
        }],
      },
    }));
  }
}
