// <%- generatedHeader %>
import pg from 'pg';
import type { AppConfig } from '../config.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';

export type DatabaseSettings = AppConfig['database'];

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
export function handlerConnections(subscriptions: AppConfig['subscriptions']): number {
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
