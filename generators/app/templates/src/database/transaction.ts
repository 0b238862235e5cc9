// <%- generatedHeader %>
import type pg from 'pg';
import type { Queryable } from './pool.ts';

/**
 * The scope's transaction, injected as `db` into routes, handlers and your services: the first
 * query takes a connection from the pool and begins the transaction; the unit of work commits it
 * (with the scope's events in the outbox) or rolls it back. After that it takes no more queries.
 */
export class ScopedTransaction implements Queryable {
  readonly #pool: pg.Pool;
  #opening: Promise<pg.PoolClient> | undefined;
  #finished = false;

  constructor({ databasePool }: { databasePool: pg.Pool }) {
    this.#pool = databasePool;
  }

  /** Whether a query began the transaction. */
  get begun(): boolean {
    return this.#opening !== undefined;
  }

  async query<Row extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> {
    const client = await this.#open();
    return client.query<Row>(text, values);
  }

  #open(): Promise<pg.PoolClient> {
    if (this.#finished) {
      return Promise.reject(new Error('this unit of work is finished: its transaction takes no more queries'));
    }
    this.#opening ??= (async () => {
      const client = await this.#pool.connect();
      try {
        await client.query('BEGIN');
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        throw error;
      }
      return client;
    })();
    return this.#opening;
  }

  /** Commits what was done (nothing when no query began it). A failed COMMIT rejects: nothing was written. */
  async commit(): Promise<void> {
    const opening = this.#finish();
    if (!opening) return;
    const client = await opening;
    try {
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  }

  /** Rolls back; never rejects (a connection that cannot roll back is destroyed, which rolls back too). */
  async rollback(): Promise<void> {
    const opening = this.#finish();
    if (!opening) return;
    const client = await opening.catch(() => undefined);
    if (!client) return;
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (error) {
      client.release(error instanceof Error ? error : true);
    }
  }

  #finish(): Promise<pg.PoolClient> | undefined {
    if (this.#finished) return undefined;
    this.#finished = true;
    return this.#opening;
  }
}
