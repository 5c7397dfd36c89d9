/**
 * The platform cannot be built as configured: a user error that names every problem, not a
 * crash. Thrown by charts, the dependency graph and the synth engine; main.ts prints it, exits 1
 * and writes nothing. It lives here, in the dependency-free value module, so charts report
 * problems without importing the synth engine.
 */
export class BuildError extends Error {
  constructor(readonly problems: string[]) {
    super(`synth failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'BuildError';
  }
}
