import type pg from 'pg';
import { DEAD_LETTER_SEND, type DeadLetterSink } from '../eventing/dead-letter.ts';
import type { OutgoingMessage, SendOptions } from '../eventing/transport.ts';
import type { Outbox } from './outbox.ts';
import type { OutboxRelay } from './relay.ts';
import type { Queryable } from './pool.ts';
import { ScopedTransaction } from './transaction.ts';

/**
 * Records that a subscription handled an event, in the handler's transaction. Returns false when the
 * event is already there (handled or dead-lettered before): a redelivery, to acknowledge without running
 * the handler again. A second delivery handled at the same moment waits on the first one's row, then sees it.
 */
export async function recordInInbox(db: Queryable, subscription: string, eventId: string): Promise<boolean> {
  const result = await db.query('INSERT INTO inbox (subscription, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [subscription, eventId]);
  return result.rowCount === 1;
}

/**
 * Dead-letters a message in one transaction: its inbox row (outcome dead-lettered) and the dead letter in
 * the outbox, which the relay sends. A redelivery afterwards (the offset was not committed yet) finds the
 * row: the handler does not run again and no second dead letter is written. Returns false when the message
 * was already recorded (nothing written).
 */
async function recordDeadLetter(
  { databasePool, outbox, outboxRelay }: { databasePool: pg.Pool; outbox: Outbox; outboxRelay: OutboxRelay },
  subscription: string,
  eventId: string,
  letter: OutgoingMessage,
  options: SendOptions,
): Promise<boolean> {
  const transaction = new ScopedTransaction({ databasePool });
  try {
    const inserted = await transaction.query(
      "INSERT INTO inbox (subscription, event_id, outcome) VALUES ($1, $2, 'dead-lettered') ON CONFLICT DO NOTHING",
      [subscription, eventId],
    );
    await transaction.commit(inserted.rowCount === 1 ? outbox.deadLetterInsertOf(eventId, letter, options) : undefined);
    if (inserted.rowCount === 1) outboxRelay.wake();
    return inserted.rowCount === 1;
  } catch (error) {
    await transaction.rollback();
    throw error;
  }
}

/**
 * A per-message subscription's dead letters with a database: the message's inbox row (outcome dead-lettered)
 * and the dead letter in the outbox, in one transaction (the relay sends it): a redelivery neither runs the
 * handler again nor writes a second dead letter.
 */
export function inboxDeadLetterSink(
  dependencies: { databasePool: pg.Pool; outbox: Outbox; outboxRelay: OutboxRelay },
  subscription: string,
): DeadLetterSink {
  return {
    write: async (letter, eventId) => {
      await recordDeadLetter(dependencies, subscription, eventId, letter, DEAD_LETTER_SEND);
    },
    cannotWrite: (deadLetterTopic) => `cannot record the dead letter for ${deadLetterTopic} in the database`,
  };
}
