import type { EventContext } from './handler.ts';

/** One event of a batch, with what its handler would know about its message. */
export interface BatchItem<Payload> {
  readonly event: Payload;
  readonly context: EventContext;
}

/** An event of the batch the handler could not handle, and why. */
export interface BatchFailure<Payload> {
  readonly item: BatchItem<Payload>;
  readonly error: unknown;
}

/**
 * What a batch handler reports: the events that failed (the others are done). Failed events are
 * retried (and, after their last attempt, dead-lettered) one by one; an event of a key that comes
 * after a failed one of that key is held back and delivered again with it, in order.
 */
export interface BatchResult<Payload> {
  readonly failed: readonly BatchFailure<Payload>[];
}

/**
 * A batch subscription's handler: receives the events of one fetched batch (one partition, in offset
 * order) in one DI scope. Throwing fails the whole batch (retried whole, then dead-lettered).
 */
export interface BatchEventHandler<Payload> {
  readonly handleBatch: (items: readonly BatchItem<Payload>[]) => Promise<BatchResult<Payload>>;
}
