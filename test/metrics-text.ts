/**
 * The Prometheus text exposition format, as far as the exporter tests need it (no escaped quotes
 * in label values): test/database-exporter.test.ts and test/vpa-metrics.test.ts scrape real
 * exporters with it.
 */
export interface Series { name: string; labels: Record<string, string>; value: number }

export function parseMetrics(text: string): Series[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((line) => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) throw new Error(`not a sample line of the text format: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    return { name: m[1]!, labels, value: Number(m[3]) };
  });
}

/** GET `url` and parse it. */
export async function scrape(url: string): Promise<Series[]> {
  return parseMetrics(await (await fetch(url)).text());
}
