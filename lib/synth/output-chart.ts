import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { BuildError } from '../values/build-error.ts';

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

/**
 * Marks OutputCharts. Not `instanceof`: cdk8s defines `Chart[Symbol.hasInstance]` as "is any
 * Chart", which subclasses inherit, so `x instanceof OutputChart` would be true for a plain
 * `new Chart(app, …)` too (whose objects have no folder to go to).
 */
const OUTPUT_CHART = Symbol.for('flextime.OutputChart');

/** A chart that knows where its rendered objects go. The synth engine only renders these. */
export class OutputChart extends Chart {
  public static isOutputChart(x: unknown): x is OutputChart {
    return x !== null && typeof x === 'object' && OUTPUT_CHART in x;
  }

  /** `instanceof OutputChart` means an OutputChart, not any cdk8s Chart (see OUTPUT_CHART). */
  public static [Symbol.hasInstance](x: unknown): x is OutputChart {
    return OutputChart.isOutputChart(x);
  }

  public readonly outputDir: string;
  public readonly source: string;

  constructor(scope: Construct, id: string, props: OutputChartProps) {
    super(scope, id, props);
    if (!/^(dist|argocd)(\/[a-z0-9][a-z0-9.-]*)+$/.test(props.outputDir)) {
      throw new Error(`'outputDir' (${props.outputDir}) must be a lower-case path under dist/ or argocd/`);
    }
    Object.defineProperty(this, OUTPUT_CHART, { value: true });
    this.outputDir = props.outputDir;
    this.source = props.source;
  }
}

/**
 * Every OutputChart below `scope`. Any other cdk8s Chart is refused, naming it: its objects have
 * no output folder, and silently skipping them would lose objects.
 */
export function outputCharts(scope: Construct): OutputChart[] {
  const all = scope.node.findAll();
  const plain = all.filter((c) => Chart.isChart(c) && !OutputChart.isOutputChart(c));
  if (plain.length) {
    throw new BuildError(plain.map((c) => `[${c.node.path}] is a plain cdk8s Chart: use OutputChart (lib/synth/output-chart.ts) with an 'outputDir' and a 'source', so its objects have a folder to be written to`));
  }
  return all.filter(OutputChart.isOutputChart);
}
