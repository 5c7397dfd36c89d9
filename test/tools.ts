/**
 * Pinned command-line tools the tests run for real (gator, promtool, actionlint, k6, terraform, argo-analysis,
 * postgres_exporter, kube-state-metrics, PostgreSQL, PgBouncer). scripts/install-tools links the Go-built ones into .tools/bin and
 * installs the Debian/Ubuntu packages; an environment variable named like the tool (GATOR,
 * PROMTOOL, ACTIONLINT, K6, TERRAFORM, PG_BINDIR, PGBOUNCER) points at another build.
 *
 * The one skip rule, used by every test file: `describe/it.skipIf(skipWithout(tool))`, then
 * `requireTool(tool)` inside. Outside CI a missing tool skips those tests; in CI (CI=true) they
 * run and fail with a message naming the tool and how to install it — never a silent skip. A
 * file a test reads from the repository is not a tool: its absence fails the test.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
export const IN_CI = process.env.CI === 'true';

const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'flextime-tools');
const POSTGRES_BINARIES = ['initdb', 'pg_ctl', 'pg_dump', 'pg_restore', 'psql'];

/** The newest /usr/lib/postgresql/<major>/bin that holds every server binary the tests use. */
function postgresBinDir(): string[] {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return [];
  return readdirSync(base).filter((d) => /^[0-9]+$/.test(d)).sort((a, b) => Number(b) - Number(a)).map((m) => join(base, m, 'bin'));
}

interface ToolSpec {
  /** Environment variable that overrides the search. */
  readonly env: string;
  /** Where scripts/install-tools puts it, in search order. */
  readonly candidates: () => string[];
  /** Is this candidate the tool (default: the path exists)? */
  readonly accept?: (path: string) => boolean;
  /** How to get it, for the failure message. */
  readonly install: string;
}

const goTool = (name: string): ToolSpec => ({
  env: name.toUpperCase().replace(/-/g, '_'),
  candidates: () => [join(ROOT, '.tools', 'bin', name)],
  install: `scripts/install-tools ${name}`,
});

const TOOLS: Record<string, ToolSpec> = {
  gator: goTool('gator'),
  promtool: goTool('promtool'),
  actionlint: goTool('actionlint'),
  k6: goTool('k6'),
  tflint: goTool('tflint'),
  // Argo Rollouts' analysis code (tools/argo-rollouts): test/analysis-gate.test.ts.
  'argo-analysis': goTool('argo-analysis'),
  // Sigstore policy-controller's verifier, cosign and a registry (tools/policy-controller): test/signed-images.test.ts.
  'image-policy-check': goTool('image-policy-check'),
  cosign: goTool('cosign'),
  crane: goTool('crane'),
  // prometheus-community postgres_exporter (tools/postgres-exporter): test/database-exporter.test.ts.
  postgres_exporter: { ...goTool('postgres_exporter'), install: 'scripts/install-tools postgres-exporter' },
  // kube-state-metrics (tools/client-go-0.35): test/vpa-metrics.test.ts.
  'kube-state-metrics': goTool('kube-state-metrics'),
  // The OpenTelemetry Collector with the log collector's components (tools/otelcol): test/logging-collector.test.ts.
  'otelcol-flextime': goTool('otelcol-flextime'),
  terraform: {
    ...goTool('terraform'),
    candidates: () => [join(ROOT, '.tools', 'bin', 'terraform'), join(cache, 'terraform-1.8.5', 'terraform'), join(cache, 'terraform-v1.8.5', 'terraform')],
  },
  postgresql: {
    env: 'PG_BINDIR',
    candidates: postgresBinDir,
    accept: (dir) => POSTGRES_BINARIES.every((b) => existsSync(join(dir, b))),
    install: 'scripts/install-tools (apt-get install postgresql-<major> postgresql-client-<major>)',
  },
  pgbouncer: {
    env: 'PGBOUNCER',
    candidates: () => ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'],
    install: 'scripts/install-tools (apt-get install pgbouncer)',
  },
};

/** Where a .tools/bin tool is (or would be) for name, $NAME first: the e2e harness's lookup. */
export function toolPath(name: string): string {
  return process.env[name.toUpperCase().replace(/-/g, '_')] ?? join(ROOT, '.tools', 'bin', name);
}

function spec(name: string): ToolSpec {
  const found = TOOLS[name];
  if (!found) throw new Error(`unknown tool '${name}'; test/tools.ts knows ${Object.keys(TOOLS).join(', ')}`);
  return found;
}

/** The tool's path, or undefined when it is not installed. $<ENV> wins when set. */
export function findTool(name: string): string | undefined {
  const tool = spec(name);
  const accept = tool.accept ?? existsSync;
  const override = process.env[tool.env];
  if (override) return accept(override) ? override : undefined;
  return tool.candidates().find(accept);
}

/** True when the tests needing `name` should be skipped: tool missing and not in CI. */
export function skipWithout(name: string, inCi = IN_CI): boolean {
  return !findTool(name) && !inCi;
}

/** The tool's path; throws a message naming it and how to install it when it is missing (in CI). */
export function requireTool(name: string): string {
  const path = findTool(name);
  if (!path) throw new Error(`${name} not found (set $${spec(name).env} or run ${spec(name).install}); CI=true requires it`);
  return path;
}
