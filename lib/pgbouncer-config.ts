/**
 * pgbouncer.ini as text: a typed, validated subset of PgBouncer's settings rendered in a fixed
 * order, so a one-value change is a one-line diff of the ConfigMap that holds it.
 * @see https://www.pgbouncer.org/config.html
 */

export type PoolMode = 'session' | 'transaction' | 'statement';
export type ServerTlsMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

export interface PgBouncerDatabase {
  /** Name clients connect to (the `[databases]` key). */
  readonly alias: string;
  readonly host: string;
  readonly port: number;
  /** @default - the alias */
  readonly dbname?: string;
  /**
   * Make every transaction on this database read-only: each server connection starts with
   * `SET default_transaction_read_only = on` (connect_query), so a write through the pool fails
   * even where the server would take it.
   * @default false
   */
  readonly readOnly?: boolean;
}

export interface PgBouncerIniProps {
  /** Databases PgBouncer serves; at least one. */
  readonly databases: readonly PgBouncerDatabase[];
  /** TCP port clients connect to (on every address); unix sockets are off. */
  readonly listenPort: number;
  /** Path of userlist.txt (`"user" "password"` lines), mounted from a Secret. */
  readonly authFile: string;
  /** @default 'scram-sha-256' */
  readonly authType?: 'scram-sha-256' | 'md5';
  /** @default 'transaction' */
  readonly poolMode?: PoolMode;
  /** Client connections accepted. */
  readonly maxClientConn: number;
  /** Server connections per database/user pair. */
  readonly defaultPoolSize: number;
  /** @default 0 */
  readonly minPoolSize?: number;
  /** @default 0 */
  readonly reservePoolSize?: number;
  /** @default 3 */
  readonly reservePoolTimeoutSeconds?: number;
  /**
   * Server connections per database, all users.
   * @default - unlimited
   */
  readonly maxDbConnections?: number;
  /**
   * Protocol-level prepared statements PgBouncer tracks per server connection, so clients may
   * use them in transaction mode. Needs PgBouncer >= 1.21 (older versions refuse to start with
   * the key); 0 leaves the key out.
   * @default 0
   */
  readonly maxPreparedStatements?: number;
  /**
   * TLS to the server and the CA bundle its certificate must chain to.
   * @default - no TLS (`disable`), which needs `allowPlaintextServer`
   */
  readonly serverTls?: { readonly mode: Exclude<ServerTlsMode, 'disable'>; readonly caFile: string };
  /** Users that may run SHOW commands on the `pgbouncer` admin database (the exporter). @default [] */
  readonly statsUsers?: readonly string[];
  /** @default 600 */
  readonly serverIdleTimeoutSeconds?: number;
  /** A client waiting this long for a server connection is disconnected. @default 120 */
  readonly queryWaitTimeoutSeconds?: number;
  /** Startup parameters of drivers PgBouncer cannot track but may ignore. @default ['extra_float_digits'] */
  readonly ignoreStartupParameters?: readonly string[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function pgbouncerIni(props: PgBouncerIniProps): string {
  if (props.databases.length === 0) throw new Error(`'databases' must list at least one database`);
  for (const db of props.databases) {
    for (const [field, value] of [['alias', db.alias], ['dbname', db.dbname ?? db.alias]] as const) {
      if (!IDENTIFIER.test(value)) throw new Error(`database '${field}' (${value}) must be a plain identifier`);
    }
    if (!/^[A-Za-z0-9.-]+$/.test(db.host)) throw new Error(`database '${db.alias}': 'host' (${db.host}) must be a DNS name or address`);
    port(`database '${db.alias}': 'port'`, db.port);
  }
  port(`'listenPort'`, props.listenPort);
  const minPool = props.minPoolSize ?? 0;
  const reserve = props.reservePoolSize ?? 0;
  positive('maxClientConn', props.maxClientConn);
  positive('defaultPoolSize', props.defaultPoolSize);
  if (minPool > props.defaultPoolSize) throw new Error(`'minPoolSize' (${minPool}) must be <= 'defaultPoolSize' (${props.defaultPoolSize})`);
  if (props.maxDbConnections !== undefined && props.defaultPoolSize + reserve > props.maxDbConnections) {
    throw new Error(`'defaultPoolSize' + 'reservePoolSize' (${props.defaultPoolSize} + ${reserve}) must be <= 'maxDbConnections' (${props.maxDbConnections})`);
  }
  for (const user of props.statsUsers ?? []) {
    if (!IDENTIFIER.test(user)) throw new Error(`'statsUsers' entry (${user}) must be a plain identifier`);
  }

  const databases = props.databases.map((db) => `${db.alias} = host=${db.host} port=${db.port} dbname=${db.dbname ?? db.alias}${db.readOnly ? " connect_query='SET default_transaction_read_only = on'" : ''}`);
  const settings: Array<[string, string | number]> = [
    ['listen_addr', '0.0.0.0'],
    ['listen_port', props.listenPort],
    // No unix socket and no pid file: the root filesystem is read-only.
    ['unix_socket_dir', ''],
    ['auth_type', props.authType ?? 'scram-sha-256'],
    ['auth_file', props.authFile],
    ['pool_mode', props.poolMode ?? 'transaction'],
    ['max_client_conn', props.maxClientConn],
    ['default_pool_size', props.defaultPoolSize],
    ['min_pool_size', minPool],
    ['reserve_pool_size', reserve],
    ['reserve_pool_timeout', props.reservePoolTimeoutSeconds ?? 3],
    ...(props.maxDbConnections !== undefined ? [['max_db_connections', props.maxDbConnections] as [string, number]] : []),
    // Left out when 0, so the file also loads in PgBouncer < 1.21, which rejects the key.
    ...((props.maxPreparedStatements ?? 0) > 0 ? [['max_prepared_statements', props.maxPreparedStatements!] as [string, number]] : []),
    ['server_idle_timeout', props.serverIdleTimeoutSeconds ?? 600],
    ['query_wait_timeout', props.queryWaitTimeoutSeconds ?? 120],
    // Re-resolve the server name often: a Multi-AZ failover moves the RDS endpoint's address.
    ['dns_max_ttl', 15],
    ['server_tls_sslmode', props.serverTls?.mode ?? 'disable'],
    ...(props.serverTls ? [['server_tls_ca_file', props.serverTls.caFile] as [string, string], ['server_tls_protocols', 'secure'] as [string, string]] : []),
    ['client_tls_sslmode', 'disable'],
    ['stats_users', (props.statsUsers ?? []).join(',')],
    ['admin_users', ''],
    ['ignore_startup_parameters', (props.ignoreStartupParameters ?? ['extra_float_digits']).join(',')],
    ['application_name_add_host', 1],
    ['log_connections', 0],
    ['log_disconnections', 0],
    ['log_pooler_errors', 1],
  ];
  return [
    '[databases]',
    ...databases,
    '',
    '[pgbouncer]',
    ...settings.map(([key, value]) => `${key} =${value === '' ? '' : ` ${value}`}`),
    '',
  ].join('\n');
}

function port(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${what} (${value}) must be between 1 and 65535`);
}

function positive(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`'${field}' (${value}) must be a whole number >= 1`);
}
