/**
 * The fast `ApiObject.toJson()` (lib/synth/fast-json.ts) gives byte for byte what cdk8s' own
 * method gives: for every object FlexTime renders, and for each thing cdk8s resolves (Lazy,
 * implicit tokens, number-or-string unions, empty and missing values), falls back for what it
 * does not model, and fails with cdk8s' own message.
 */
import { ApiObject, App, Chart, JsonPatch, Lazy, type IResolver, type ResolutionContext } from 'cdk8s';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../charts/index.ts';
import { loadConfig } from '../config/index.ts';
import { cdk8sToJson, installFastToJson } from '../lib/synth/fast-json.ts';

/** `object.toJson()` with cdk8s' own method on the prototype (so generated classes' super calls use it too). */
function cdk8sJson(object: ApiObject): string {
  ApiObject.prototype.toJson = cdk8sToJson as () => unknown;
  try {
    return JSON.stringify(object.toJson());
  } finally {
    installFastToJson();
  }
}

/** The fast path's result, or its error message. */
function outcome(json: () => unknown): string {
  try {
    return JSON.stringify(json());
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

function cdk8sOutcome(object: ApiObject): string {
  return outcome(() => JSON.parse(cdk8sJson(object)));
}

/** An object in its own app (optionally with custom resolvers). */
function objectWith(props: Record<string, unknown>, resolvers?: IResolver[]): ApiObject {
  const chart = new Chart(new App({ resolvers }), 'chart');
  return new ApiObject(chart, 'object', { apiVersion: 'example.com/v1', kind: 'Example', ...props });
}

/** A number-or-string union as the generated classes make them (`IntOrString`, `Quantity`). */
class Port {
  constructor(readonly value: number | string) {}
}

describe('fast ApiObject.toJson', () => {
  afterEach(() => {
    delete process.env.CDK8S_DISABLE_SORT;
  });

  it('renders every object of the committed platform exactly as cdk8s does', () => {
    installFastToJson();
    const app = buildApp(loadConfig(), {});
    const apiObjects = app.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
    // The whole platform: plain ApiObjects (custom resources) and generated classes (KubeDeployment, …).
    expect(apiObjects.length).toBeGreaterThan(400);
    const classes = new Set(apiObjects.map((o) => o.constructor.name));
    for (const name of ['ApiObject', 'KubeDeployment', 'KubeNetworkPolicy', 'KubeCronJob']) expect(classes, name).toContain(name);
    const differing = apiObjects.filter((o) => JSON.stringify(o.toJson()) !== cdk8sJson(o)).map((o) => o.node.path);
    expect(differing).toEqual([]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['unsorted keys, nested', { spec: { zeta: 1, alpha: { y: [{ b: 2, a: 1 }], x: 'x' } } }],
    ['null and undefined values dropped, empty arrays and objects kept outside metadata', { spec: { gone: undefined, none: null, list: [], map: {}, items: [null, 1] } }],
    ['a Lazy, producing another Lazy', { spec: { replicas: Lazy.any({ produce: () => Lazy.any({ produce: () => ({ b: 1, a: [Lazy.any({ produce: () => 'deep' })] }) }) }) } }],
    ['an implicit token', { spec: { token: { resolve: () => ({ resolved: true, z: null }) } } }],
    ['number-or-string unions', { spec: { port: new Port(8080), name: new Port('http') } }],
    ['metadata: empty labels, annotations and finalizers filtered, extra attributes sorted in', { metadata: { name: 'n', labels: {}, annotations: { b: '2', a: '1' }, finalizers: [], generateName: 'g-', uid: undefined } }],
    ['a class instance (cdk8s refuses it)', { spec: { when: new Date(0) } }],
    ['a Lazy that throws', { spec: { broken: Lazy.any({ produce: () => { throw new Error('producer failed'); } }) } }],
  ])('matches cdk8s for %s', (_case, props) => {
    installFastToJson();
    const object = objectWith(props);
    expect(outcome(() => object.toJson())).toBe(cdk8sOutcome(object));
  });

  it('hands JSON patches, custom resolvers and CDK8S_DISABLE_SORT to cdk8s unchanged', () => {
    installFastToJson();
    const patched = objectWith({ spec: { b: 1, a: 2 } });
    patched.addJsonPatch(JsonPatch.add('/spec/c', 3));
    expect(outcome(() => patched.toJson())).toContain('"spec":{"a":2,"b":1,"c":3}');
    expect(outcome(() => patched.toJson())).toBe(cdk8sOutcome(patched));

    const shout: IResolver = { resolve: (context: ResolutionContext) => { if (context.value === 'quiet') context.replaceValue('LOUD'); } };
    const custom = objectWith({ spec: { say: 'quiet' } }, [shout]);
    expect(outcome(() => custom.toJson())).toContain('"say":"LOUD"');
    expect(outcome(() => custom.toJson())).toBe(cdk8sOutcome(custom));

    process.env.CDK8S_DISABLE_SORT = '1';
    const unsorted = objectWith({ spec: { b: 1, a: 2 } });
    expect(outcome(() => unsorted.toJson())).toContain('"spec":{"b":1,"a":2}');
    expect(outcome(() => unsorted.toJson())).toBe(cdk8sOutcome(unsorted));
  });
});
