/**
 * CPU time of turning every rendered object of the platform into YAML: the `yaml` library's
 * stringify (what the engine used before) vs lib/synth/yaml.ts emit (what it uses now).
 *
 *   npx tsx scripts/yaml-bench.ts [passes=20]
 *
 * The first pass of each is cold (what one `npm run synth` pays); the median is warm. The two run
 * in alternating order per pass so neither always gets the warmer JIT. Figures, not a gate.
 */
import { stringify } from 'yaml';
import { buildApp } from '../charts/index.ts';
import { loadConfig } from '../config/index.ts';
import { render } from '../lib/synth/engine.ts';
import { emit } from '../lib/synth/yaml.ts';

const passes = Number(process.argv[2] ?? 20);
const objects = render(buildApp(loadConfig())).map((f) => f.object);

const emitters = {
  'yaml.stringify': (o: unknown) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' }),
  'lib/synth/yaml.ts emit': (o: unknown) => emit(o),
};
const times = new Map<string, number[]>(Object.keys(emitters).map((k) => [k, []]));

function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const chars = new Map<string, number>();
for (let pass = 0; pass < passes; pass++) {
  const order = pass % 2 === 0 ? Object.entries(emitters) : Object.entries(emitters).reverse();
  for (const [name, fn] of order) {
    times.get(name)!.push(cpuMs(() => {
      let n = 0;
      for (const o of objects) n += fn(o).length;
      chars.set(name, n);
    }));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${objects.length} objects, ${passes} passes (CPU ms per pass over all objects)`);
for (const [name, xs] of times) {
  console.log(`${name.padEnd(24)} first ${xs[0]!.toFixed(1).padStart(7)}  median ${median(xs).toFixed(1).padStart(7)}  (${chars.get(name)} chars)`);
}
