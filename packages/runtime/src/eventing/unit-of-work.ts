/**
 * The end of one operation (an HTTP request or a handled message): `complete()` makes what it did
 * durable, its events included; `abort()` undoes it. With a database, both happen in the scope's
 * transaction (see src/database/transactional-unit-of-work.ts).
 */
export interface UnitOfWork {
  /** Commits the operation's writes and its events; rejects (having rolled back) when it cannot. */
  complete(): Promise<void>;
  /** Rolls back and drops the buffered events; never rejects. */
  abort(): Promise<void>;
}
