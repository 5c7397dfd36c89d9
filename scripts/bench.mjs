#!/usr/bin/env node
// `npm run bench`: synth speed figures, all measured in one run so that ratios are fair on a
// noisy machine. Prints medians; asserts nothing (goals are in the README, not in tests).
//   1. `npm run synth` (esbuild bundle + one node process) vs `npx cdk8s synth` (the CLI path)
//   2. the same app with 10x the services, vs 1x, through the same entry point
//   3. `node scripts/synth.mjs` vs the floor: node loading cdk8s + cdk8s-plus-28 and nothing else
//      (goal: synth <= 2x the floor), run alternately and compared pair by pair
//   4. the whole vitest suite, warm, once (goal <= 45 s on 2 cores); BENCH_VITEST=0 skips it
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reps = Number(process.env.BENCH_REPS ?? 5);
const scratch = mkdtempSync(join(tmpdir(), 'flextime-bench-'));

/** One run of `command`: wall milliseconds and stdout; a failed run stops the benchmark. */
function runOnce(label, command, args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${label} failed:\n${r.stdout}\n${r.stderr}`);
  return { ms, stdout: r.stdout };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function report(label, times, stdout) {
  const sorted = [...times].sort((a, b) => a - b);
  const objects = /synth: (\d+) objects/.exec(stdout)?.[1] ?? '?';
  console.log(`${label.padEnd(48)} median ${median(times).toFixed(0).padStart(6)} ms  (min ${sorted[0].toFixed(0)}, max ${sorted.at(-1).toFixed(0)}, n=${reps}, ${objects} objects)`);
}

function timeIt(label, command, args) {
  const runs = Array.from({ length: reps }, () => runOnce(label, command, args));
  report(label, runs.map((r) => r.ms), runs.at(-1).stdout);
  return median(runs.map((r) => r.ms));
}

/**
 * Two commands run alternately (a, b, a, b, …), so that both see the same phases of a noisy
 * machine; returns the median of the per-pair ratios a/b, which drifting load cannot skew the
 * way two separately timed blocks can.
 */
function timeRatio(a, b) {
  const pairs = Array.from({ length: reps }, () => [runOnce(a.label, a.command, a.args), runOnce(b.label, b.command, b.args)]);
  report(a.label, pairs.map(([x]) => x.ms), pairs.at(-1)[0].stdout);
  report(b.label, pairs.map(([, y]) => y.ms), pairs.at(-1)[1].stdout);
  return median(pairs.map(([x, y]) => x.ms / y.ms));
}

/** The committed config with every service copied `factor` times (names suffixed -x1, -x2, …). */
async function scaledConfig(factor) {
  // The config is TypeScript: read it through tsx in a child process and hand synth plain JSON.
  const r = spawnSync('npx', ['tsx', '-e', `
    import { platformConfig } from './config/platform.ts';
    const c = structuredClone(platformConfig);
    const originals = [...c.services];
    for (let i = 1; i < ${factor}; i++) {
      for (const s of originals) {
        c.services.push({ ...s, name: s.name + '-x' + i });
        for (const e of c.environments) {
          // Copies ship as plain Deployments: SLO-gated rollouts belong to the original service.
          const { delivery, ...copy } = e.services[s.name];
          e.services[s.name + '-x' + i] = copy;
        }
      }
    }
    // Each copy is its own component; its sync wave is derived like any other's.
    for (const e of c.environments) {
      e.quota = { ...e.quota, requestsCpu: '1000', requestsMemory: '4000Gi', limitsCpu: '2000', limitsMemory: '8000Gi', pods: 10000, services: 1000 };
    }
    process.stdout.write(JSON.stringify(c));
  `], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const path = join(scratch, `config-x${factor}.json`);
  writeFileSync(path, r.stdout);
  return path;
}

try {
  console.log(`FlexTime synth benchmark (${reps} repetitions each, median)`);
  const npmSynth = timeIt('npm run synth', 'npm', ['run', '-s', 'synth', '--', '--out-root', join(scratch, 'npm')]);
  const direct = timeIt('node scripts/synth.mjs (no npm wrapper)', process.execPath, ['scripts/synth.mjs', '--out-root', join(scratch, 'direct')]);
  const floorRatio = timeRatio(
    { label: 'synth, alternating with the floor', command: process.execPath, args: ['scripts/synth.mjs', '--out-root', join(scratch, 'direct')] },
    { label: 'floor: node importing cdk8s + cdk8s-plus-28', command: process.execPath, args: ['--input-type=module', '-e', "await import('cdk8s'); await import('cdk8s-plus-28');"] },
  );
  const cli = timeIt('npx cdk8s synth (CLI runner + tsx)', 'npx', ['cdk8s', 'synth']);
  const x1 = await scaledConfig(1);
  const x10 = await scaledConfig(10);
  const one = timeIt('1x services  (node scripts/synth.mjs --config)', process.execPath, ['scripts/synth.mjs', '--config', x1, '--out-root', join(scratch, 'x1')]);
  const ten = timeIt('10x services (node scripts/synth.mjs --config)', process.execPath, ['scripts/synth.mjs', '--config', x10, '--out-root', join(scratch, 'x10')]);
  console.log('');
  console.log(`cdk8s CLI / npm run synth     ${(cli / npmSynth).toFixed(1)}x   (goal >= 3x)`);
  console.log(`npm run synth                 ${(npmSynth / 1000).toFixed(2)} s (goal <= 1 s; ${(direct / 1000).toFixed(2)} s without npm's own start-up)`);
  console.log(`10x services / 1x services    ${(ten / one).toFixed(2)}x   (goal <= 3x)`);
  console.log(`synth / floor                 ${floorRatio.toFixed(2)}x   (goal <= 2x; median of ${reps} alternating pairs)`);
  if (process.env.BENCH_VITEST !== '0') {
    const started = process.hrtime.bigint();
    const r = spawnSync('npx', ['vitest', 'run'], { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const summary = /Tests\s+(.*)/.exec(r.stdout.replace(/\x1b\[[0-9;]*m/g, ''))?.[1] ?? 'no summary';
    console.log(`vitest run (whole suite)      ${seconds.toFixed(0)} s = ${(seconds / 45).toFixed(2)}x the 45 s goal (${summary}${r.status === 0 ? '' : '; FAILED'})`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(join(root, 'cdk8s.out'), { recursive: true, force: true });
}
