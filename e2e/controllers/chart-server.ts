/**
 * Chart repositories for the add-ons whose chart is vendored under test/fixtures/charts/
 * (<chart>-<version>/, taken unchanged from the chart's public source at its release tag, with
 * its LICENSE). Each is packaged with the pinned helm (`helm package`, `helm repo index`) and
 * served at the URL of its public repository (Application spec.source.repoURL) through the
 * upstream proxy, so ArgoCD fetches index.yaml and the chart exactly as it would from the internet.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddonApp } from './addons.ts';

export interface ChartRepos {
  /** host → handler (for the upstream proxy's routes). */
  readonly routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>;
  /** Add-ons served: `<app> (<chart> <version> from <repoURL>)`. */
  readonly served: string[];
}

export function createChartRepos(opts: { addons: readonly AddonApp[]; dir: string; helm: string; log?: (l: string) => void }): ChartRepos {
  const log = opts.log ?? (() => {});
  // repoURL → directory with index.yaml + packaged charts
  const repos = new Map<string, string>();
  const served: string[] = [];
  for (const a of opts.addons) {
    if (!a.vendoredDir) continue;
    const u = new URL(a.repoURL.endsWith('/') ? a.repoURL : `${a.repoURL}/`);
    const key = `${u.host}${u.pathname}`;
    const out = repos.get(key) ?? join(opts.dir, key.replace(/[^\w.-]+/g, '_'));
    mkdirSync(out, { recursive: true });
    execFileSync(opts.helm, ['package', a.vendoredDir, '--destination', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    repos.set(key, out);
    served.push(`${a.app} (${a.chart} ${a.version} from ${a.repoURL})`);
  }
  for (const [key, out] of repos) {
    execFileSync(opts.helm, ['repo', 'index', out, '--url', `https://${key}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    log(`chart repository https://${key}: ${readFileSync(join(out, 'index.yaml'), 'utf8').match(/^ {2}\S.*:$/gm)?.join(' ').replace(/:/g, '') ?? ''}`);
  }
  const routes: ChartRepos['routes'] = {};
  const hosts = new Set([...repos.keys()].map((k) => k.split('/')[0]));
  for (const host of hosts) {
    routes[host] = (req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', `https://${host}`).pathname);
      for (const [key, out] of repos) {
        const base = key.slice(host.length);
        if (!path.startsWith(base)) continue;
        const file = join(out, path.slice(base.length));
        if (!file.startsWith(out) || !existsSync(file)) break;
        res.writeHead(200, { 'content-type': file.endsWith('.yaml') ? 'application/x-yaml' : 'application/gzip' });
        res.end(readFileSync(file));
        return;
      }
      res.writeHead(404).end(`not in the e2e chart repositories: ${path}\n`);
    };
  }
  return { routes, served };
}
