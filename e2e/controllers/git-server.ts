/**
 * The git server the e2e's ArgoCD syncs from: a bare clone of this checkout, served over smart
 * HTTP by `git http-backend` (CGI) at the path of the public repository URL, and a scratch
 * working clone where scenarios make commits ("a developer merges to main") and push them.
 *
 * What is served: this checkout's HEAD plus its uncommitted changes to tracked files
 * (`git stash create`), as branch `main`, so the e2e tests what you are looking at; then, when
 * there are substitutions, one commit "e2e: …" on top that writes them (the initial commit).
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, symlinkSync, realpathSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';

/**
 * A file the e2e serves with other content than this checkout's, and why (printed in the run's
 * differences): what cannot run here as rendered, e.g. a ClusterSecretStore's AWS provider.
 */
export interface RepoSubstitution {
  /** Path relative to the repository root. */
  readonly file: string;
  readonly content: string;
  readonly reason: string;
}

export interface GitRepo {
  /** Public URL the Applications name, e.g. https://github.com/flextime/flextime-platform.git */
  readonly url: string;
  /** Host part of `url` (the proxy route). */
  readonly host: string;
  /** Commit initially served as main. */
  readonly initialCommit: string;
  /** Working clone whose `main` pushes to the served repository. */
  readonly workdir: string;
  /** Request handler for the proxy. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** git in the working clone. */
  git(...args: string[]): string;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'flextime-e2e',
  GIT_AUTHOR_EMAIL: 'e2e@flextime.invalid',
  GIT_COMMITTER_NAME: 'flextime-e2e',
  GIT_COMMITTER_EMAIL: 'e2e@flextime.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function createGitRepo(opts: { source: string; dir: string; url: string; substitutions?: readonly RepoSubstitution[]; log?: (line: string) => void }): GitRepo {
  const log = opts.log ?? (() => {});
  const u = new URL(opts.url);
  const projectRoot = join(opts.dir, 'served');
  const bare = join(projectRoot, u.pathname);
  mkdirSync(bare, { recursive: true });
  git(bare, 'init', '--quiet', '--bare', '--initial-branch=main');
  // HEAD plus uncommitted changes to tracked files (stash create prints nothing when clean).
  const snapshot = git(opts.source, 'stash', 'create') || git(opts.source, 'rev-parse', 'HEAD');
  git(opts.source, 'push', '--quiet', bare, `${snapshot}:refs/heads/main`);
  const dirty = snapshot !== git(opts.source, 'rev-parse', 'HEAD');
  log(`git server: ${opts.url} main = ${snapshot.slice(0, 12)}${dirty ? ' (HEAD + uncommitted changes)' : ' (HEAD)'}`);

  const workdir = join(opts.dir, 'work');
  git(opts.dir, 'clone', '--quiet', bare, workdir);
  // `npm run promote` and synth run in the working clone: give it this checkout's node_modules.
  const nm = join(opts.source, 'node_modules');
  if (existsSync(nm)) {
    symlinkSync(realpathSync(nm), join(workdir, 'node_modules'));
    appendFileSync(join(workdir, '.git', 'info', 'exclude'), '/node_modules\n'); // a symlink escapes 'node_modules/'
  }
  const initialCommit = substitute(workdir, opts.substitutions ?? [], log) ?? snapshot;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', opts.url);
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...GIT_ENV,
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: (req.headers['content-encoding'] as string) ?? '',
        HTTP_GIT_PROTOCOL: (req.headers['git-protocol'] as string) ?? '',
        REMOTE_ADDR: '127.0.0.1',
        REMOTE_USER: 'argocd-repo-server',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    let stderr = '';
    cgi.stderr.on('data', (d) => (stderr += d));
    cgi.stdout.on('data', (d: Buffer) => {
      if (headersDone) {
        res.write(d);
        return;
      }
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10);
        else res.setHeader(k, v);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', (code) => {
      if (!headersDone) res.writeHead(500).end(`git http-backend failed (${code}): ${stderr}`);
      else res.end();
      if (code !== 0) log(`git http-backend ${req.method} ${url.pathname} exited ${code}: ${stderr.trim()}`);
    });
  };

  return {
    url: opts.url,
    host: u.hostname,
    initialCommit,
    workdir,
    handler,
    git: (...args) => git(workdir, ...args),
  };
}

/** Commits the substitutions on top of main in the working clone and pushes; the new commit. */
function substitute(workdir: string, subs: readonly RepoSubstitution[], log: (line: string) => void): string | undefined {
  if (!subs.length) return undefined;
  for (const s of subs) {
    mkdirSync(dirname(join(workdir, s.file)), { recursive: true });
    writeFileSync(join(workdir, s.file), s.content);
  }
  const reasons = [...new Set(subs.map((s) => s.reason.split(':')[0]))];
  git(workdir, 'add', '-A');
  git(workdir, 'commit', '--quiet', '-m', `e2e: substitutions for ${reasons.join(', ')}`, '-m', subs.map((s) => `${s.file}: ${s.reason}`).join('\n'));
  git(workdir, 'push', '--quiet', 'origin', 'HEAD:main');
  const sha = git(workdir, 'rev-parse', 'HEAD');
  log(`git server: main = ${sha.slice(0, 12)}, ${subs.length} file(s) substituted on top (${reasons.join(', ')})`);
  return sha;
}

/**
 * Puts the substituted files back as committed before a scenario's commit: `npm run promote`
 * re-synthesizes dist/ from config, which would write the rendered forms again (an AWS store
 * ESO cannot serve here, an ACME issuer) and commit them.
 */
export function keepSubstituted(git: (...args: string[]) => string, files: readonly string[]): void {
  if (files.length) git('checkout', 'HEAD', '--', ...files);
}
