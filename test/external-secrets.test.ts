/**
 * ExternalSecret durations are rendered as ESO's Go types write them back, so ESO's own update
 * of the object (its finalizer) leaves ArgoCD nothing to diff (lib/external-secrets.ts).
 */
import { describe, expect, it } from 'vitest';
import { goDuration } from '../lib/external-secrets.ts';

describe('goDuration', () => {
  it('writes durations the way Go\'s time.Duration.String() does', () => {
    expect(['1h', '30m', '90s', '1h30m', '45s', '0s', '2h0m0s'].map(goDuration)).toEqual(['1h0m0s', '30m0s', '1m30s', '1h30m0s', '45s', '0s', '2h0m0s']);
  });

  it('rejects what is not hours, minutes and seconds, naming the prop and the value', () => {
    expect(() => goDuration('1d')).toThrow(`'refreshInterval' (1d) must be a duration of hours, minutes and seconds, such as "1h" or "1h30m"`);
    expect(() => goDuration('1h ')).toThrow(`'refreshInterval' (1h ) must be`);
  });
});
