/**
 * The dependency graph of synced units and its layering into sync order.
 *
 * Each node (an ArgoCD Application's content) provides refs and needs refs. A need is met by the
 * node itself, by the cluster (./builtin.ts), by an external input (something outside the
 * cluster, such as a Terraform output), or by exactly one other node of the same scope (cluster);
 * that node must then be synced, and healthy, first. Layers are the longest-path layering: a node
 * that needs nothing from other nodes is layer 0, any other node is one above its highest
 * provider. A need nothing meets, a ref two nodes provide, and a cycle are errors that name both
 * ends and the referring field.
 */
import { BuildError } from '../values/build-error.ts';
import { isBuiltin } from './builtin.ts';
import { describeRef, refKey, type Need, type Ref } from './refs.ts';

/** One synced unit. */
export interface GraphNode {
  /** Unique id, e.g. the ArgoCD Application name. */
  readonly id: string;
  /** How messages name it, e.g. `dist/staging/api-svc` or `addons[falco]`. */
  readonly label: string;
  /** Needs are met only by nodes and external inputs of the same scope (one cluster). */
  readonly scope: string;
  readonly provides: readonly Ref[];
  readonly needs: readonly Need[];
}

/** Something that exists before any node syncs, outside the cluster's own objects. */
export interface ExternalInput {
  readonly scope: string;
  readonly ref: Ref;
  /** Where it comes from, e.g. `terraform output clusters.flextime.external_secrets_role_arn`. */
  readonly from: string;
}

/** `from` needs what `to` provides: `to` syncs in a lower layer. */
export interface Dependency {
  readonly from: string;
  readonly to: string;
  /** The needs `to` meets, in the order found. */
  readonly needs: readonly Need[];
}

export interface DependencyGraph {
  readonly nodes: readonly GraphNode[];
  /** Layer of every node id. */
  readonly layers: ReadonlyMap<string, number>;
  /** Sorted by `from`, then `to`. */
  readonly dependencies: readonly Dependency[];
  /** Needs met by external inputs, per node id. */
  readonly external: ReadonlyMap<string, ReadonlyArray<{ readonly need: Need; readonly input: ExternalInput }>>;
}

/** Resolves every need of `nodes` and layers them; throws a BuildError listing every problem. */
export function dependencyGraph(nodes: readonly GraphNode[], externals: readonly ExternalInput[] = []): DependencyGraph {
  const problems: string[] = [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const providers = indexProviders(nodes, externals, problems);
  const edges = new Map<string, Map<string, Need[]>>();
  const external = new Map<string, Array<{ need: Need; input: ExternalInput }>>();
  for (const node of nodes) {
    const own = new Set(node.provides.map(refKey));
    const out = new Map<string, Need[]>();
    for (const need of node.needs) {
      const key = refKey(need.ref);
      if (own.has(key) || isBuiltin(need.ref)) continue;
      const provider = providers.get(`${node.scope}\n${key}`);
      if (!provider) {
        problems.push(`${node.label} ${need.field} needs ${describeRef(need.ref)}, which nothing provides`);
      } else if ('from' in provider) {
        append(external, node.id, { need, input: provider });
      } else {
        append(out, provider.id, need);
      }
    }
    edges.set(node.id, out);
  }
  const dependencies = [...edges.entries()]
    .flatMap(([from, out]) => [...out.entries()].map(([to, needs]) => ({ from, to, needs })))
    .sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));
  const layers = layer(nodes, dependencies, byId, problems);
  if (problems.length) throw new BuildError([...new Set(problems)]);
  return { nodes, layers, dependencies, external };
}

/** The one provider of each `scope\nref`; two providers of one ref are a problem. */
function indexProviders(nodes: readonly GraphNode[], externals: readonly ExternalInput[], problems: string[]): Map<string, GraphNode | ExternalInput> {
  const providers = new Map<string, GraphNode | ExternalInput>();
  const name = (p: GraphNode | ExternalInput) => ('from' in p ? `external input (${p.from})` : p.label);
  const offer = (scope: string, ref: Ref, provider: GraphNode | ExternalInput) => {
    const key = `${scope}\n${refKey(ref)}`;
    const other = providers.get(key);
    if (other && other !== provider) {
      problems.push(`${describeRef(ref)} is provided by both ${name(other)} and ${name(provider)}; keep exactly one`);
    }
    providers.set(key, other ?? provider);
  };
  for (const input of externals) offer(input.scope, input.ref, input);
  for (const node of nodes) for (const ref of node.provides) offer(node.scope, ref, node);
  return providers;
}

/** Longest-path layering by depth-first search; a cycle is reported once with every edge's first need. */
function layer(nodes: readonly GraphNode[], dependencies: readonly Dependency[], byId: Map<string, GraphNode>, problems: string[]): Map<string, number> {
  const out = new Map<string, Dependency[]>();
  for (const d of dependencies) append(out, d.from, d);
  const layers = new Map<string, number>();
  const onPath = new Set<string>();
  let cycle = false;
  const visit = (id: string): number => {
    const known = layers.get(id);
    if (known !== undefined) return known;
    onPath.add(id);
    let highest = -1;
    for (const d of out.get(id) ?? []) {
      if (onPath.has(d.to)) {
        if (!cycle) problems.push(describeCycle(shortestCycle(d.to, out), byId));
        cycle = true;
        continue;
      }
      highest = Math.max(highest, visit(d.to));
    }
    onPath.delete(id);
    layers.set(id, highest + 1);
    return highest + 1;
  };
  for (const node of [...nodes].sort((a, b) => compare(a.id, b.id))) visit(node.id);
  return layers;
}

/** The shortest cycle through `start` (breadth-first), as its edges in order; `start` is on a cycle. */
function shortestCycle(start: string, out: Map<string, Dependency[]>): Dependency[] {
  const reachedBy = new Map<string, Dependency>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const d of out.get(queue[i]!) ?? []) {
      if (d.to === start) {
        const edges = [d];
        for (let at = d.from; at !== start; at = reachedBy.get(at)!.from) edges.unshift(reachedBy.get(at)!);
        return edges;
      }
      if (!reachedBy.has(d.to)) {
        reachedBy.set(d.to, d);
        queue.push(d.to);
      }
    }
  }
  throw new Error(`no cycle through ${start}`);
}

function describeCycle(edges: readonly Dependency[], byId: Map<string, GraphNode>): string {
  const label = (id: string) => byId.get(id)!.label;
  const steps = edges.map((e) => `${label(e.from)} ${e.needs[0]!.field} needs ${describeRef(e.needs[0]!.ref)} from ${label(e.to)}`);
  return `cycle: ${steps.join('; ')} (no sync order can satisfy this: move one of these objects into another component)`;
}

function append<T>(map: Map<string, T[]>, key: string, item: T): void {
  const items = map.get(key);
  if (items) items.push(item);
  else map.set(key, [item]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
