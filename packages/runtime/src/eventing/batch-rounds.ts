/** An event of a batch not finished yet: its key (for order) and how often the handler failed it. */
export interface PendingEvent<Item> {
  readonly item: Item;
  readonly key: string | null;
  readonly failures: number;
  /** The handler's last error for it. */
  readonly error?: unknown;
}

/** How one call of a batch handler left the events it was given (each list in offset order). */
export interface RoundOutcome<Item> {
  /** Handled: finished. */
  readonly done: readonly PendingEvent<Item>[];
  /** Given to the handler again in the next round: failed ones with attempts left, and those held back behind them. */
  readonly retry: readonly PendingEvent<Item>[];
  /** Failed their last attempt: dead-lettered, in order, before the next round. */
  readonly exhausted: readonly PendingEvent<Item>[];
}

/**
 * Splits the events of one round after the handler answered, `failed` naming the ones it failed
 * (all of them when it threw). A failed event counts one more failure; once that reaches
 * `maxAttempts` it is exhausted. Any later event of the same key as a failed one is held back (retried
 * with it, without counting a failure of its own): the last handling of the events of one key is
 * thus always in offset order. Events without a key are not ordered against each other.
 */
export function settleRound<Item>(
  pending: readonly PendingEvent<Item>[],
  failed: ReadonlyMap<Item, unknown>,
  maxAttempts: number,
): RoundOutcome<Item> {
  const done: PendingEvent<Item>[] = [];
  const retry: PendingEvent<Item>[] = [];
  const exhausted: PendingEvent<Item>[] = [];
  const blockedKeys = new Set<string>();
  for (const entry of pending) {
    if (failed.has(entry.item)) {
      const next: PendingEvent<Item> = { ...entry, failures: entry.failures + 1, error: failed.get(entry.item) };
      if (entry.key !== null) blockedKeys.add(entry.key);
      (next.failures >= maxAttempts ? exhausted : retry).push(next);
    } else if (entry.key !== null && blockedKeys.has(entry.key)) {
      retry.push(entry);
    } else {
      done.push(entry);
    }
  }
  return { done, retry, exhausted };
}

/** Every event of the round failed with `error` (the handler threw, or its unit of work did not complete). */
export function allFailed<Item>(pending: readonly PendingEvent<Item>[], error: unknown): Map<Item, unknown> {
  return new Map(pending.map((entry) => [entry.item, error]));
}
