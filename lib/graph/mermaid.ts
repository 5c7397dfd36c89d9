/**
 * A dependency graph as a Mermaid flowchart a reviewer can read in a pull request: one subgraph
 * per layer, left to right in sync order, an arrow from each provider to the nodes that need it.
 * Arrows implied by a longer path are left out (transitive reduction), so the picture shows why
 * each node waits, not every reference.
 *
 * @see https://mermaid.js.org/syntax/flowchart.html
 */
import type { Dependency, DependencyGraph } from './graph.ts';

export interface MermaidOptions {
  /** Title of the subgraph of `layer`, e.g. `wave 20`. */
  readonly layerTitle: (layer: number) => string;
  /**
   * Text of a node.
   * @default - its id
   */
  readonly nodeText?: (id: string) => string;
}

/** The flowchart (without the ``` fence). Deterministic: nodes and arrows sorted by id. */
export function mermaidFlowchart(graph: DependencyGraph, options: MermaidOptions): string {
  const ids = [...graph.layers.keys()].sort();
  const safe = new Map(ids.map((id, i) => [id, `n${i}`]));
  const lines = ['flowchart LR'];
  const highest = Math.max(-1, ...graph.layers.values());
  for (let layer = 0; layer <= highest; layer++) {
    const members = ids.filter((id) => graph.layers.get(id) === layer);
    if (!members.length) continue;
    lines.push(`  subgraph L${layer}["${options.layerTitle(layer)}"]`, '    direction TB');
    for (const id of members) lines.push(`    ${safe.get(id)}["${(options.nodeText?.(id) ?? id).replace(/"/g, '#quot;')}"]`);
    lines.push('  end');
  }
  for (const d of transitiveReduction(graph.dependencies)) lines.push(`  ${safe.get(d.to)} --> ${safe.get(d.from)}`);
  return `${lines.join('\n')}\n`;
}

/** The dependencies not implied by a path of two or more others. */
export function transitiveReduction(dependencies: readonly Dependency[]): Dependency[] {
  const out = new Map<string, string[]>();
  for (const d of dependencies) out.set(d.from, [...(out.get(d.from) ?? []), d.to]);
  const reach = new Map<string, Set<string>>();
  const reachable = (id: string): Set<string> => {
    const known = reach.get(id);
    if (known) return known;
    const all = new Set<string>();
    reach.set(id, all);
    for (const to of out.get(id) ?? []) {
      all.add(to);
      for (const x of reachable(to)) all.add(x);
    }
    return all;
  };
  return dependencies.filter((d) => !(out.get(d.from) ?? []).some((via) => via !== d.to && reachable(via).has(d.to)));
}
