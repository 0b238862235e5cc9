import pg from 'pg';
import { asError } from '../errors.ts';
import type { Queryable } from './pool.ts';

/** A statement sent together with COMMIT (see ScopedTransaction.commit). */
export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * The scope's transaction, injected as `db` into routes, handlers and your services: the first
 * query takes a connection from the pool and begins the transaction; the unit of work commits it
 * (with the scope's events in the outbox) or rolls it back. After that it takes no more queries.
 *
 * The pool's connections pipeline (node-postgres `pipeline: true`): BEGIN goes out with the first
 * query, and the outbox insert with COMMIT, each pair in one write and one round trip.
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
    if (this.#finished) throw new Error('this unit of work is finished: its transaction takes no more queries');
    if (this.#opening) return (await this.#opening).query<Row>(text, values);
    let first: Promise<pg.QueryResult<Row>> | undefined;
    this.#opening = this.#begin((client) => {
      first = client.query<Row>(text, values);
      // Awaited below once BEGIN succeeded; when BEGIN fails, BEGIN's error is the one reported.
      first.catch(() => undefined);
    });
    await this.#opening;
    if (!first) throw new Error('the first query of the transaction was not sent');
    return first;
  }

  /**
   * Commits what was done, with `final` (the outbox insert) sent in the same write just before COMMIT.
   * Rejects when nothing was written: a failed `final`, a failed COMMIT, or a transaction that a failed
   * statement had aborted (PostgreSQL then answers COMMIT with ROLLBACK).
   */
  async commit(final?: Statement): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    if (!this.#opening && !final) return;
    let last: Promise<unknown> = Promise.resolve();
    let committed: Promise<pg.QueryResult> | undefined;
    const finish = (client: pg.PoolClient): void => {
      if (final) last = client.query(final.text, final.values);
      committed = client.query('COMMIT');
    };
    let client: pg.PoolClient;
    if (this.#opening) {
      client = await this.#opening;
      pipelined(client, () => finish(client));
    } else {
      this.#opening = this.#begin(finish);
      client = await this.#opening;
    }
    if (!committed) throw new Error('COMMIT was not sent');
    const [lastResult, commitResult] = await Promise.allSettled([last, committed]);
    if (commitResult.status === 'rejected') {
      client.release(asError(commitResult.reason));
      throw commitResult.reason;
    }
    client.release();
    if (lastResult.status === 'rejected') throw lastResult.reason;
    if (commitResult.value.command !== 'COMMIT') {
      throw new Error('the transaction was rolled back: a statement in it failed (nothing was written)');
    }
  }

  /** Rolls back; never rejects (a connection that cannot roll back is destroyed, which rolls back too). */
  async rollback(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    const client = await this.#opening?.catch(() => undefined);
    if (!client) return;
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (error) {
      client.release(asError(error));
    }
  }

  /** Takes a connection and sends BEGIN with what `alongside` sends, in one write. */
  async #begin(alongside: (client: pg.PoolClient) => void): Promise<pg.PoolClient> {
    const client = await this.#pool.connect();
    const begun = pipelined(client, () => {
      const begin = client.query('BEGIN');
      alongside(client);
      return begin;
    });
    try {
      await begun;
    } catch (error) {
      client.release(asError(error));
      throw error;
    }
    return client;
  }
}

/**
 * Runs `send` with the connection's socket corked: the queries it sends leave in one write (with the
 * pool's `pipeline: true` they do not wait for each other's answers).
 */
function pipelined<Result>(client: pg.PoolClient, send: () => Result): Result {
  const socket = client instanceof pg.Client ? client.connection.stream : undefined;
  socket?.cork();
  try {
    return send();
  } finally {
    socket?.uncork();
  }
}
