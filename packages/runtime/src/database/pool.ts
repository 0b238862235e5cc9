import pg from 'pg';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** The service's database settings (config `database`). */
export interface DatabaseSettings {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly user: string;
  /** Only from the DATABASE_PASSWORD environment variable. */
  readonly password?: string | undefined;
  readonly ssl: boolean;
  readonly poolSize: number;
  readonly connectionTimeoutMs: number;
  readonly migrateOnStart: boolean;
  /** outbox: events committed with the rows, sent by the relay. direct: sent after the commit. */
  readonly delivery: 'outbox' | 'direct';
  readonly outbox: {
    readonly lanes: number;
    readonly pollIntervalMs: number;
    readonly batchSize: number;
    readonly retryDelayMs: number;
    readonly retentionHours: number;
  };
  readonly inbox: { readonly retentionHours: number };
  readonly cleanupIntervalMs: number;
}

/** The part of the service's configuration the database classes read (they take it from the DI container). */
export interface DatabaseConfig {
  readonly database: DatabaseSettings;
}

/** What user code and the eventing run queries through: a pool, a client or the scope's transaction. */
export interface Queryable {
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>>;
}

/** Where the service's database is, for messages: "orders on db.internal:5432". */
export function databaseLabel(settings: DatabaseSettings): string {
  return `database "${settings.name}" on ${settings.host}:${settings.port}`;
}

export function clientConfig(settings: DatabaseSettings): pg.ClientConfig {
  return {
    host: settings.host,
    port: settings.port,
    database: settings.name,
    user: settings.user,
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(settings.ssl ? { ssl: true } : {}),
    connectionTimeoutMillis: settings.connectionTimeoutMs,
  };
}

/**
 * A pool (node-postgres; the process's has `poolSize` connections); connections are opened on first use.
 * They pipeline (`pipeline: true`): queries sent together do not wait for each other's answers, which the
 * scope's transaction uses to send BEGIN and COMMIT with its first and last statements.
 */
export function createPool(settings: DatabaseSettings, logger: Logger, connections: number = settings.poolSize): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(settings), max: connections, pipeline: true });
  // An idle connection that breaks (database restart) must not crash the process: the pool replaces it.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
  return pool;
}

/** The subscriptions' pool: one connection per message a subscription can have in hand at once. */
export function handlerConnections(subscriptions: Readonly<Record<string, { readonly concurrency: number }>>): number {
  const inHand = Object.values(subscriptions).reduce((sum, { concurrency }) => sum + concurrency, 0);
  return Math.max(1, inHand);
}

/** Called at start: an unreachable database stops the start with its host and name. */
export async function checkConnection(pool: pg.Pool, settings: DatabaseSettings): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    throw new Error(`cannot reach ${databaseLabel(settings)} as user "${settings.user}": ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** For readiness: true when a query answers within the connection timeout. */
export async function isDatabaseReady(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
