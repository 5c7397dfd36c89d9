/** The app cannot be rendered as it is: a construct error, not a crash. */
export class SynthError extends Error {
  constructor(readonly problems: string[]) {
    super(`synth failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SynthError';
  }
}
