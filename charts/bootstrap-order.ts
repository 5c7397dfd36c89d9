/**
 * The sync order of the ArgoCD Applications, derived, never listed: one graph node per
 * Application (the objects of its dist/ folder as lib/graph reads them, or its add-on's served
 * kinds and values references), external inputs (the Terraform outputs and `gitops.external`),
 * and lib/graph's layering as sync waves: wave = layer × WAVE_STEP. With Application health on,
 * the root Application waits for each wave to be healthy, so every Application syncs strictly
 * after everything it needs. Rendered for reviewers as docs/bootstrap-order.md.
 */
import type { Platform } from '../config/index.ts';
import type { Addon } from '../config/schema-addons.ts';
import { dependencyGraph, type DependencyGraph, type ExternalInput, type GraphNode } from '../lib/graph/graph.ts';
import { IAM_ROLE, roleNeedsIn } from '../lib/graph/needs.ts';
import { kindRef, objectRef, type Need, type Ref } from '../lib/graph/refs.ts';
import { addonReferences } from './addon-references.ts';

/** Waves between two layers: room to read, and to pin an Application between two by hand in an emergency. */
export const WAVE_STEP = 10;

/** One Application to order, with the content it syncs. */
export interface OrderedApplication {
  readonly name: string;
  readonly cluster: string;
  /** A dist/ folder, with what its objects provide and need. */
  readonly dir?: { readonly path: string; readonly provides: readonly Ref[]; readonly needs: readonly Need[] };
  /**
   * An add-on, with its values on `cluster`. Its namespace is another Application's (dist/cluster/namespaces
   * or dist/addons/<addon>), never created by ArgoCD: its LimitRange must precede the add-on's pods.
   */
  readonly addon?: { readonly addon: Addon; readonly values: object };
}

/** Strings that stand for AWS resources in rendered objects, and the inputs that provide them, per cluster. */
export interface ExternalInputs {
  readonly inputs: readonly ExternalInput[];
  /** Endpoint → ref, for lib/graph's `mentions`. */
  readonly mentions: ReadonlyMap<string, Ref>;
}

const RDS = { group: 'rds.amazonaws.com', kind: 'DBInstance' };
const ELASTICACHE = { group: 'elasticache.amazonaws.com', kind: 'ReplicationGroup' };

/** The graph of `apps`; throws a BuildError on an unmet need, a ref provided twice or a cycle. */
export function bootstrapGraph(platform: Platform, apps: readonly OrderedApplication[], external = externalInputs(platform)): DependencyGraph {
  return dependencyGraph(apps.map(nodeOf), external.inputs);
}

/** The sync wave of an Application in `layer`. */
export function waveOfLayer(layer: number): number {
  return layer * WAVE_STEP;
}

function nodeOf(app: OrderedApplication): GraphNode {
  if (app.dir) return { id: app.name, label: app.dir.path, scope: app.cluster, provides: app.dir.provides, needs: app.dir.needs };
  const { addon, values } = app.addon!;
  const references = addonReferences(addon, values);
  return {
    id: app.name,
    label: `addons[${addon.name}]`,
    scope: app.cluster,
    provides: [
      ...addon.serves.flatMap((s) => s.kinds.map((kind) => kindRef(s.group, kind))),
      ...(references.provides ?? []),
    ],
    needs: [
      { ref: objectRef('', 'Namespace', addon.namespace), field: 'namespace' },
      ...addon.extraNamespaces.map((ns, i) => ({ ref: objectRef('', 'Namespace', ns), field: `extraNamespaces[${i}]` })),
      ...references.needs,
      ...roleNeedsIn(values, 'values'),
    ],
  };
}

/**
 * What exists before any sync, per cluster that hosts an environment: the IAM roles, databases
 * and caches of the Terraform outputs (config/terraform-outputs.json) of the cluster and of its
 * environments, and `gitops.external`.
 */
export function externalInputs(platform: Platform): ExternalInputs {
  const inputs: ExternalInput[] = [];
  const mentions = new Map<string, Ref>();
  const { clusters, environments } = platform.aws.outputs;
  const output = (scope: string, ref: Ref, from: string) => inputs.push({ scope, ref, from: `terraform output ${from}` });
  for (const cluster of platform.clusters.filter((c) => platform.environments.some((e) => e.cluster === c.name))) {
    const scope = cluster.name;
    roleArns(clusters[scope]).forEach(([key, arn]) => output(scope, objectRef(IAM_ROLE.group, IAM_ROLE.kind, arn), `clusters.${scope}.${key}`));
    for (const env of platform.environments.filter((e) => e.cluster === scope)) {
      const outputs = environments[env.name];
      if (!outputs) continue;
      roleArns(outputs).forEach(([key, arn]) => output(scope, objectRef(IAM_ROLE.group, IAM_ROLE.kind, arn), `environments.${env.name}.${key}`));
      for (const [key, type] of [['db_endpoint', RDS], ['redis_endpoint', ELASTICACHE]] as const) {
        const endpoint = (outputs as Record<string, unknown>)[key];
        if (typeof endpoint !== 'string') continue;
        const ref = objectRef(type.group, type.kind, endpoint);
        output(scope, ref, `environments.${env.name}.${key}`);
        mentions.set(endpoint, ref);
      }
    }
    for (const x of platform.gitops.external) {
      inputs.push({ scope, ref: x.name === undefined ? kindRef(x.group, x.kind) : objectRef(x.group, x.kind, x.name, x.namespace), from: x.from });
    }
  }
  return { inputs, mentions };
}

/** `[key, arn]` of every `*_role_arn` output. */
function roleArns(outputs: object | undefined): Array<[string, string]> {
  return Object.entries(outputs ?? {})
    .filter((e): e is [string, string] => e[0].endsWith('_role_arn') && typeof e[1] === 'string')
    .sort(([a], [b]) => (a < b ? -1 : 1));
}
