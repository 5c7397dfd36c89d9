/**
 * Monitoring that does not forget (issue 19 class 2), read from the rendered kube-prometheus-stack
 * Application: Prometheus and Alertmanager keep their data on gp3 volumes, Prometheus runs two
 * replicas and Alertmanager three, and Prometheus retains at least the longest window any rendered
 * rule reads (the SLO burn-rate windows, up to days), so a restart never empties them.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { objects, renderPlatform } from './helpers.ts';

const UNIT: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
const seconds = (d: string) => [...d.matchAll(/([0-9]+)(ms|s|m|h|d|w|y)/g)].reduce((t, m) => t + Number(m[1]) * UNIT[m[2]!]!, 0);

type Claim = { volumeClaimTemplate?: { spec?: { storageClassName?: string; resources?: { requests?: { storage?: string } } } } };
type Values = {
  prometheus?: { prometheusSpec?: { replicas?: number; retention?: string; storageSpec?: Claim } };
  alertmanager?: { alertmanagerSpec?: { replicas?: number; storage?: Claim } };
};

/** The longest range any rendered rule reads, in seconds (e.g. `[3d]`). */
function longestRuleWindow(all: readonly KubeObject[]): number {
  const exprs = all.filter((o) => o.kind === 'PrometheusRule').flatMap((o) =>
    (o.spec as { groups: Array<{ rules: Array<{ expr: string }> }> }).groups.flatMap((g) => g.rules.map((r) => r.expr)));
  return Math.max(...exprs.flatMap((e) => [...e.matchAll(/\[([0-9]+(?:ms|s|m|h|d|w|y))(?::[^\]]*)?\]/g)].map((m) => seconds(m[1]!))));
}

export function forgetfulMonitoring(all: readonly KubeObject[]): string[] {
  const app = all.find((o) => o.kind === 'Application' && (o.spec as { source?: { chart?: string } }).source?.chart === 'kube-prometheus-stack')!;
  const values = (app.spec as { source: { helm: { valuesObject: Values } } }).source.helm.valuesObject;
  const gp3 = new Set(all.filter((o) => o.kind === 'StorageClass' && (o as { parameters?: { type?: string } }).parameters?.type === 'gp3').map((o) => o.metadata.name));
  const problems: string[] = [];
  const prom = values.prometheus?.prometheusSpec ?? {};
  const am = values.alertmanager?.alertmanagerSpec ?? {};
  for (const [what, claim] of [['Prometheus', prom.storageSpec], ['Alertmanager', am.storage]] as const) {
    const cls = claim?.volumeClaimTemplate?.spec?.storageClassName;
    if (!cls || !gp3.has(cls)) problems.push(`${what} has no persistent volume on a gp3 StorageClass (storage class: ${cls ?? 'none'})`);
  }
  if ((prom.replicas ?? 1) < 2) problems.push(`Prometheus runs ${prom.replicas ?? 1} replica(s); 2 are needed`);
  if ((am.replicas ?? 1) < 3) problems.push(`Alertmanager runs ${am.replicas ?? 1} replica(s); 3 are needed`);
  const longest = longestRuleWindow(all);
  const retention = seconds(prom.retention ?? '10d'); // the chart's default
  if (retention < longest) problems.push(`Prometheus keeps ${prom.retention ?? '10d (default)'} but rules read ${longest / 86_400} days back`);
  return problems;
}

const all = objects('', renderPlatform());

describe('monitoring keeps its data', () => {
  it('reads day-long windows in the rendered rules (sanity)', () => {
    expect(longestRuleWindow(all)).toBeGreaterThanOrEqual(3 * 86_400); // the 3 d burn-rate window of the issue
  });

  it('Prometheus ×2 and Alertmanager ×3 on gp3 volumes, retention ≥ the longest rule window', () => {
    expect(forgetfulMonitoring(all)).toEqual([]);
  });

  it('finds planted instances: no volume, one replica, a retention shorter than the windows', () => {
    const planted = structuredClone(all);
    const app = planted.find((o) => o.kind === 'Application' && (o.spec as { source?: { chart?: string } }).source?.chart === 'kube-prometheus-stack')!;
    const values = (app.spec as { source: { helm: { valuesObject: Values } } }).source.helm.valuesObject;
    delete values.prometheus!.prometheusSpec!.storageSpec;
    values.prometheus!.prometheusSpec!.replicas = 1;
    values.prometheus!.prometheusSpec!.retention = '1d';
    values.alertmanager!.alertmanagerSpec!.replicas = 1;
    expect(forgetfulMonitoring(planted)).toEqual([
      'Prometheus has no persistent volume on a gp3 StorageClass (storage class: none)',
      'Prometheus runs 1 replica(s); 2 are needed',
      'Alertmanager runs 1 replica(s); 3 are needed',
      'Prometheus keeps 1d but rules read 7 days back' // the right-sizing alerts read 7 days (issue 20),
    ]);
  });
});
