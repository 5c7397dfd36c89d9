/**
 * A Grafana dashboard provisioned by the Grafana sidecar (kiwigrid k8s-sidecar, as shipped by
 * kube-prometheus-stack): a ConfigMap carrying the sidecar's label, one JSON file per map.
 * @see https://github.com/grafana/helm-charts/tree/main/charts/grafana#sidecar-for-dashboards
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { DashboardJson } from './grafana.ts';

export interface DashboardConfigMapProps {
  /** ConfigMap name. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly dashboard: DashboardJson;
  /**
   * Label (name and value) the sidecar watches (`sidecar.dashboards.label` / `labelValue`).
   * @default { grafana_dashboard: '1' }
   */
  readonly sidecarLabel?: Readonly<Record<string, string>>;
  /**
   * Grafana folder, set through the annotation named by `sidecar.dashboards.folderAnnotation`.
   * @default - the sidecar's default folder
   */
  readonly folder?: { readonly annotation: string; readonly name: string };
}

export class DashboardConfigMap extends Construct {
  /** File name inside the ConfigMap: `<uid>.json`. */
  public readonly fileName: string;

  constructor(scope: Construct, id: string, props: DashboardConfigMapProps) {
    super(scope, id);
    const uid = props.dashboard.uid;
    if (!uid) throw new Error(`dashboard '${props.dashboard.title}' of ConfigMap '${props.name}' needs a 'uid'`);
    this.fileName = `${uid}.json`;
    const json = JSON.stringify(props.dashboard, null, 2) + '\n';
    // A ConfigMap is capped at 1 MiB, and the last-applied annotation of client-side apply at 256 KiB.
    if (json.length > 256 * 1024) {
      throw new Error(`dashboard '${uid}' is ${json.length} bytes; a ConfigMap applied by ArgoCD must stay under 262144`);
    }
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { ...props.labels, ...(props.sidecarLabel ?? { grafana_dashboard: '1' }) },
        ...(props.folder ? { annotations: { [props.folder.annotation]: props.folder.name } } : {}),
      },
      data: { [this.fileName]: json },
    });
  }
}
