/**
 * Grafana dashboards from a small typed spec, built with @grafana/grafana-foundation-sdk (the
 * typed builders Grafana generates from its own schemas), so a dashboard is code and review
 * reads panel titles and PromQL rather than hundreds of lines of JSON.
 * @see https://grafana.github.io/grafana-foundation-sdk/
 */
import * as cloudwatch from '@grafana/grafana-foundation-sdk/cloudwatch';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

export interface QuerySpec {
  readonly expr: string;
  /** Series name template, e.g. `{{service}}`. @default - Grafana's default naming */
  readonly legend?: string;
}

/** A CloudWatch Logs Insights query (container logs), run through a CloudWatch data source. */
export interface LogsQuerySpec {
  /** uid of the CloudWatch data source. */
  readonly datasourceUid: string;
  /** Log groups it reads; dashboard variables are allowed (`/flextime/containers/$environment`). */
  readonly logGroups: readonly string[];
  /** The Logs Insights query, e.g. `filter severity_text = "ERROR" | stats count(*) by bin(5m)`. */
  readonly query: string;
}

export interface PanelSpec {
  readonly title: string;
  /**
   * Read container logs instead of Prometheus: the panel has no PromQL `queries` then.
   * @default - a Prometheus panel
   */
  readonly logs?: LogsQuerySpec;
  readonly description?: string;
  /** @default 'timeseries' */
  readonly kind?: 'timeseries' | 'stat';
  readonly queries: readonly QuerySpec[];
  /** Grafana unit id, e.g. `reqps`, `s`, `percentunit`, `bytes`. @default - none */
  readonly unit?: string;
  /** Width in grid columns (the grid has 24). @default 8 */
  readonly width?: number;
  /** Height in grid rows. @default 8 (timeseries), 4 (stat) */
  readonly height?: number;
  /** Colour below the first threshold. @default 'green' */
  readonly baseColor?: string;
  /** Colour steps above the base, ascending, e.g. `[{ value: 0.9, color: 'red' }]`. @default [] */
  readonly thresholds?: readonly { readonly value: number; readonly color: string }[];
  /** For `percentunit` panels that should not autoscale. @default - autoscale */
  readonly min?: number;
  readonly max?: number;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** A dashboard variable with fixed choices, e.g. the environment. */
export interface ChoiceVariable {
  readonly name: string;
  readonly label: string;
  readonly values: readonly string[];
  /** @default - the first value */
  readonly default?: string;
}

export interface DashboardSpec {
  /** Stable uid: links and bookmarks use it. At most 40 characters. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly rows: readonly RowSpec[];
  /** @default [] */
  readonly variables?: readonly ChoiceVariable[];
  /** @default 'now-6h' */
  readonly from?: string;
  /** @default '1m' */
  readonly refresh?: string;
}

/** Grafana's dashboard JSON model. */
export type DashboardJson = dashboard.Dashboard;

/** The variable every query uses for its data source: `${datasource}`. */
export const DATASOURCE_VARIABLE = 'datasource';

/** Every PromQL expression of a dashboard, for tests and previews. */
export function dashboardQueries(spec: DashboardSpec): string[] {
  return spec.rows.flatMap((r) => r.panels.flatMap((p) => p.queries.map((q) => q.expr)));
}

export function buildDashboard(spec: DashboardSpec): DashboardJson {
  if (spec.uid.length > 40 || !/^[a-zA-Z0-9_-]+$/.test(spec.uid)) {
    throw new Error(`'uid' (${spec.uid}) must be at most 40 letters, digits, '-' or '_'`);
  }
  const datasource = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([...spec.tags])
    .editable()
    .timezone('browser')
    .time({ from: spec.from ?? 'now-6h', to: 'now' })
    .refresh(spec.refresh ?? '1m')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(new dashboard.DatasourceVariableBuilder(DATASOURCE_VARIABLE).label('Data source').type('prometheus'));

  for (const v of spec.variables ?? []) {
    if (v.values.length === 0) throw new Error(`variable '${v.name}' of dashboard '${spec.uid}' has no values`);
    const current = v.default ?? v.values[0]!;
    if (!v.values.includes(current)) {
      throw new Error(`variable '${v.name}': 'default' (${current}) must be one of ${v.values.join(', ')}`);
    }
    builder.withVariable(
      new dashboard.CustomVariableBuilder(v.name)
        .label(v.label)
        .values(v.values.join(','))
        .current({ text: current, value: current }),
    );
  }

  let id = 1;
  for (const row of spec.rows) {
    builder.withRow(new dashboard.RowBuilder(row.title).id(id++));
    for (const p of row.panels) {
      if (p.queries.length === 0 && !p.logs) throw new Error(`panel '${p.title}' of dashboard '${spec.uid}' has no query`);
      if (p.queries.length > 0 && p.logs) throw new Error(`panel '${p.title}' of dashboard '${spec.uid}' mixes PromQL and Logs Insights queries; one data source per panel`);
      const width = p.width ?? 8;
      if (!Number.isInteger(width) || width < 1 || width > 24) {
        throw new Error(`panel '${p.title}': 'width' (${width}) must be 1..24 grid columns`);
      }
      const logsSource = p.logs ? { type: 'cloudwatch', uid: p.logs.datasourceUid } : undefined;
      const targets = p.logs
        ? [new cloudwatch.LogsQueryBuilder().refId('A').datasource(logsSource!).queryMode(cloudwatch.QueryMode.Logs)
          .queryLanguage(cloudwatch.LogsQueryLanguage.CWLI).region('default').logGroupNames([...p.logs.logGroups]).expression(p.logs.query)]
        : p.queries.map((q, i) => {
          const t = new prometheus.DataqueryBuilder().expr(q.expr).refId(String.fromCharCode(65 + i)).datasource(datasource);
          return q.legend ? t.legendFormat(q.legend) : t;
        });
      const thresholds = new dashboard.ThresholdsConfigBuilder()
        .mode(dashboard.ThresholdsMode.Absolute)
        .steps([{ value: null, color: p.baseColor ?? 'green' }, ...(p.thresholds ?? []).map((t) => ({ ...t }))]);
      const panel = (p.kind ?? 'timeseries') === 'stat'
        ? new stat.PanelBuilder().height(p.height ?? 4).colorMode(common.BigValueColorMode.Background).graphMode(common.BigValueGraphMode.Area)
        : new timeseries.PanelBuilder().height(p.height ?? 8).fillOpacity(10).lineWidth(1);
      panel
        .id(id++)
        .title(p.title)
        .datasource(logsSource ?? datasource)
        .span(width)
        .targets(targets)
        .thresholds(thresholds);
      if (p.description) panel.description(p.description);
      if (p.unit) panel.unit(p.unit);
      if (p.min !== undefined) panel.min(p.min);
      if (p.max !== undefined) panel.max(p.max);
      builder.withPanel(panel);
    }
  }
  return builder.build();
}
