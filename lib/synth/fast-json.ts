/**
 * A faster `ApiObject.toJson()` for apps that use only cdk8s' built-in resolvers.
 *
 * Why: cdk8s resolves every value of every object through `resolve()` (lib/resolve.js), which,
 * per leaf, walks up the construct tree to find the App (`App.of`), copies the key path
 * (`[...key, k]`) and allocates a ResolutionContext, then copies the whole tree again in
 * `sanitizeValue`. That was ~0.1 s of `npm run synth` in a profile (objectJson 99 ms). Here the
 * built-in resolvers are applied in one pass that also sorts keys and drops empty values, which
 * gives the same JSON: `test/fast-json.test.ts` compares the two for every object FlexTime
 * renders and for each resolver case.
 *
 * Installed on `ApiObject.prototype`, because the generated classes (`KubeDeployment`, …) build
 * their JSON from `super.toJson()`. Anything the fast path does not model goes to cdk8s' own
 * method unchanged: custom resolvers, JSON patches, `CDK8S_DISABLE_SORT`, and any value that is
 * neither JSON nor one of the built-in resolvable kinds (cdk8s then throws its own error; the
 * Lazy values met before it are produced a second time, which cdk8s-plus' producers allow).
 */
import { ApiObject, App, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver, type IResolver } from 'cdk8s';

/** Thrown inside the fast path for a value it does not model; cdk8s' own toJson takes over. */
class NotModelled extends Error {}

// Read once: in the bundle every use of an imported name is a property read through a getter.
const LAZY = Lazy;

/** `sanitizeValue(resolve(value))` of cdk8s, with only the built-in resolvers. */
function resolveAndSanitize(value: unknown, filterEmpty: boolean): unknown {
  // The built-in resolvers in their order, each result resolved again (as cdk8s does).
  for (;;) {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'object' && typeof value !== 'function') return value;
    if (value instanceof LAZY) {
      value = value.produce();
      continue;
    }
    const v = value as { resolve?: unknown; value?: unknown; constructor?: unknown };
    if (typeof v.resolve === 'function') {
      value = (v.resolve as () => unknown).call(value);
      continue;
    }
    if (v.constructor !== Object && (typeof v.value === 'number' || typeof v.value === 'string')) {
      value = { value: v.value };
      continue;
    }
    break;
  }
  if (Array.isArray(value)) {
    if (filterEmpty && value.length === 0) return undefined;
    return value.map((item) => resolveAndSanitize(item, filterEmpty));
  }
  if ((value as object).constructor !== Object) throw new NotModelled();
  // Resolved in insertion order, as cdk8s does (a Lazy may have side effects), then sorted as
  // sanitizeValue sorts (Object.keys(…).sort()).
  const source = value as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  const keys: string[] = [];
  for (const key of Object.keys(source)) {
    const resolved = resolveAndSanitize(source[key], filterEmpty);
    if (resolved !== null && resolved !== undefined) {
      kept[key] = resolved;
      keys.push(key);
    }
  }
  if (filterEmpty && keys.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) out[key] = kept[key];
  return out;
}

const BUILT_IN: ReadonlyArray<abstract new () => IResolver> = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];

function onlyBuiltInResolvers(app: App): boolean {
  const resolvers = app.resolvers;
  return resolvers.length === BUILT_IN.length && resolvers.every((r, i) => r.constructor === BUILT_IN[i]);
}

/** The metadata fields `ApiObjectMetadataDefinition.toJson()` renders (cdk8s lib/metadata.js). */
interface MetadataInternals {
  readonly _additionalAttributes?: Record<string, unknown>;
  readonly name?: string;
  readonly namespace?: string;
  readonly annotations?: unknown;
  readonly finalizers?: unknown;
  readonly ownerReferences?: unknown;
  readonly labels?: unknown;
}

/**
 * cdk8s' own `ApiObject.toJson`: the fallback, and what tests compare the fast path with. Kept on
 * the prototype under a global symbol, because a test runner may load this module more than once
 * against one cdk8s: a second copy must not take the first one's fast path for the original.
 */
const ORIGINAL = Symbol.for('flextime.cdk8s-to-json');
const prototype = ApiObject.prototype as ApiObject & { [ORIGINAL]?: (this: ApiObject) => unknown };
prototype[ORIGINAL] ??= prototype.toJson;
export const cdk8sToJson: (this: ApiObject) => unknown = prototype[ORIGINAL];
const original = cdk8sToJson;

/** Make every `ApiObject.toJson()` take the fast path where it applies (idempotent). */
export function installFastToJson(): void {
  ApiObject.prototype.toJson = function fastToJson(this: ApiObject): unknown {
    const self = this as unknown as { props: Record<string, unknown>; patches: readonly unknown[]; metadata: MetadataInternals };
    if (process.env.CDK8S_DISABLE_SORT || self.patches.length || !onlyBuiltInResolvers(App.of(this))) return original.call(this);
    try {
      const m = self.metadata;
      const metadata = resolveAndSanitize({
        ...m._additionalAttributes,
        name: m.name,
        namespace: m.namespace,
        annotations: m.annotations,
        finalizers: m.finalizers,
        ownerReferences: m.ownerReferences,
        labels: m.labels,
      }, true);
      const json = resolveAndSanitize({ ...self.props, metadata }, false) as Record<string, unknown>;
      // apiVersion, kind and metadata first, then the rest in (sorted) order.
      const result: Record<string, unknown> = {};
      for (const key of ['apiVersion', 'kind', 'metadata', ...Object.keys(json)]) if (key in json) result[key] = json[key];
      return result;
    } catch (error) {
      if (error instanceof NotModelled) return original.call(this);
      throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${error}`);
    }
  };
}
