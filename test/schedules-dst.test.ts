/**
 * Every schedule with a time zone fires exactly once on each day it is meant to (issue 19 class
 * 10): on daylight-saving days a local time can be missing (spring forward) or happen twice (fall
 * back). Checked over every rendered CronJob (`spec.timeZone`) and Chaos Mesh Schedule
 * (`CRON_TZ=`) for every day of 2027, by asking the time-zone database (Intl) how often the
 * scheduled wall-clock time occurs that day. The 02:15 Central backup missed the spring-forward
 * day and tripped FlextimeBackupMissing.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { objects, renderPlatform } from './helpers.ts';

/** Values of one cron field: "*", "5", "1-5", "0,30", "*\/15". */
function field(spec: string, min: number, max: number): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const [range, step] = part.split('/') as [string, string?];
    const [lo, hi] = range === '*' ? [min, max] : range.includes('-') ? range.split('-').map(Number) as [number, number] : [Number(range), step ? max : Number(range)];
    for (let v = lo; v <= hi; v += Number(step ?? 1)) out.add(v);
  }
  return [...out];
}

/** The wall-clock time of `instant` in `timeZone`, as minutes since the epoch of that wall clock. */
const formats = new Map<string, Intl.DateTimeFormat>();
function wall(timeZone: string, instant: number): number {
  const format = formats.get(timeZone) ?? new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  formats.set(timeZone, format);
  const p = Object.fromEntries(format.formatToParts(new Date(instant)).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) / 60_000;
}

/** How many instants show the wall-clock time `local` (minutes since the wall epoch) in `timeZone`. */
function occurrences(timeZone: string, local: number): number {
  // The zone's offsets a day either side cover any change that day.
  const offsets = new Set<number>();
  for (const h of [-30, 30]) { const t = (local + h * 60) * 60_000; offsets.add(wall(timeZone, t) - t / 60_000); }
  return [...offsets].filter((o) => wall(timeZone, (local - o) * 60_000) === local).length;
}

/** "<what>: fires <n> times at <date time> <zone>" for every wrong day of 2027. */
export function dstProblems(all: readonly KubeObject[]): string[] {
  const schedules: Array<[string, string, string]> = [];
  for (const o of all) {
    const spec = o.spec as { schedule?: string; timeZone?: string } | undefined;
    if (o.kind === 'CronJob' && spec?.schedule && spec.timeZone) schedules.push([`CronJob ${o.metadata.namespace}/${o.metadata.name}`, spec.schedule, spec.timeZone]);
    const tz = /^CRON_TZ=(\S+)\s+(.*)$/.exec(spec?.schedule ?? '');
    if (o.kind === 'Schedule' && tz) schedules.push([`Schedule ${o.metadata.namespace}/${o.metadata.name}`, tz[2]!, tz[1]!]);
  }
  const problems: string[] = [];
  for (const [what, cron, zone] of schedules) {
    const [mi, ho, dom, mon, dow] = cron.split(/\s+/) as [string, string, string, string, string];
    const minutes = field(mi, 0, 59), hours = field(ho, 0, 23), days = field(dom, 1, 31), months = field(mon, 1, 12), weekdays = field(dow, 0, 6);
    for (let d = Date.UTC(2027, 0, 1); d < Date.UTC(2028, 0, 1); d += 86_400_000) {
      const date = new Date(d);
      if (!days.includes(date.getUTCDate()) || !months.includes(date.getUTCMonth() + 1) || !weekdays.includes(date.getUTCDay())) continue;
      for (const h of hours) for (const m of minutes) {
        const n = occurrences(zone, d / 60_000 + h * 60 + m);
        if (n !== 1) problems.push(`${what}: ${cron} fires ${n} times on ${date.toISOString().slice(0, 10)} ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')} ${zone}`);
      }
    }
  }
  return problems;
}

const all = objects('', renderPlatform());

describe('schedules across daylight-saving changes', () => {
  it('knows the 2027 changes of America/Chicago (sanity)', () => {
    expect(occurrences('America/Chicago', Date.UTC(2027, 2, 14, 2, 15) / 60_000)).toBe(0); // spring forward
    expect(occurrences('America/Chicago', Date.UTC(2027, 10, 7, 1, 30) / 60_000)).toBe(2); // fall back
    expect(occurrences('America/Chicago', Date.UTC(2027, 2, 14, 3, 15) / 60_000)).toBe(1);
  });

  it('every zoned CronJob and chaos Schedule fires exactly once on each of its days', () => {
    expect(all.filter((o) => o.kind === 'CronJob' || o.kind === 'Schedule').length).toBeGreaterThan(5);
    expect(dstProblems(all)).toEqual([]);
  });

  it('finds a planted instance: the backup back at 02:15 Central', () => {
    const planted = structuredClone(all);
    const backup = planted.find((o) => o.kind === 'CronJob' && o.metadata.name === 'flextime-backup' && o.metadata.namespace === 'flextime-production')!;
    (backup.spec as { schedule: string }).schedule = '15 2 * * *';
    expect(dstProblems(planted)).toEqual(['CronJob flextime-production/flextime-backup: 15 2 * * * fires 0 times on 2027-03-14 02:15 America/Chicago']);
  });
});
