import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';

export interface OutputChartProps extends ChartProps {
  /**
   * Folder, relative to the repository root, that receives this chart's objects,
   * one file per object, e.g. `dist/production/api-svc` or `argocd/apps`.
   */
  readonly outputDir: string;
  /**
   * Source file that defines the chart, written into each file's header so a reviewer gets from
   * any rendered file to its code in one hop.
   */
  readonly source: string;
}

/** A chart that knows where its rendered objects go. The synth engine only renders these. */
export class OutputChart extends Chart {
  public static isOutputChart(x: unknown): x is OutputChart {
    return x instanceof OutputChart;
  }

  public readonly outputDir: string;
  public readonly source: string;

  constructor(scope: Construct, id: string, props: OutputChartProps) {
    super(scope, id, props);
    if (!/^(dist|argocd)(\/[a-z0-9][a-z0-9.-]*)+$/.test(props.outputDir)) {
      throw new Error(`'outputDir' (${props.outputDir}) must be a lower-case path under dist/ or argocd/`);
    }
    this.outputDir = props.outputDir;
    this.source = props.source;
  }
}
