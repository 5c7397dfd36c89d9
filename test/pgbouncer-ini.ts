/**
 * Rendered PgBouncer configuration, run by the real PgBouncer in test/database-scripts.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './tools.ts';

/** The read-only pool's pgbouncer.ini as synth renders it for production. */
export const RENDERED_READ_POOL = join(ROOT, 'dist/production/database/configmap-pgbouncer-ro-config.yaml');

/**
 * A rendered pgbouncer.ini made runnable here, changing only where things are: the replica's
 * host and port become the local PostgreSQL, the listener 127.0.0.1, the userlist a local file,
 * server TLS off (the local server has none), and max_prepared_statements dropped (the image
 * runs PgBouncer 1.23.1; Debian 12's 1.18, which the test runs, predates that setting (1.21) and
 * refuses to start with it). Everything else — the database line's options
 * (default_transaction_read_only), pool mode, limits — stays as rendered. A line to change
 * that is missing fails the test rather than passing unchanged.
 */
export function renderedIni(file: string, at: { port: number; listenPort: number; authFile: string }): string {
  const ini = (parse(readFileSync(file, 'utf8')) as { data: Record<string, string> }).data['pgbouncer.ini']!;
  const subs: [RegExp, string][] = [
    [/^(flextime = )host=\S+ port=\d+/m, `$1host=127.0.0.1 port=${at.port}`],
    [/^listen_addr = .*$/m, 'listen_addr = 127.0.0.1'],
    [/^listen_port = .*$/m, `listen_port = ${at.listenPort}`],
    [/^auth_file = .*$/m, `auth_file = ${at.authFile}`],
    [/^server_tls_sslmode = .*$/m, 'server_tls_sslmode = disable'],
    [/^server_tls_ca_file = .*\n/m, ''],
    [/^max_prepared_statements = .*\n/m, ''],
  ];
  return subs.reduce((text, [re, to]) => {
    if (!re.test(text)) throw new Error(`${file}: pgbouncer.ini has no line matching ${re}`);
    return text.replace(re, to);
  }, ini);
}
