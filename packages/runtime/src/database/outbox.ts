import type { EventCodec } from '../eventing/codec.ts';
import type { EventCatalog } from '../eventing/event-definition.ts';
import { definitionOf, EventProducer, type EventRoute, type PendingEvent } from '../eventing/producers.ts';
import type { DatabaseConfig } from './pool.ts';
import type { OutgoingMessage, SendOptions } from '../eventing/transport.ts';
import type { Statement } from './transaction.ts';

/** The channel the relays listen on; an insert notifies it when its transaction commits. */
export const OUTBOX_CHANNEL = 'eventing_outbox';

/**
 * At most one NOTIFY per this many ms from this process. A committing NOTIFY takes PostgreSQL's global
 * notification lock until its commit is flushed, which serializes concurrent commits: under a burst only
 * a few transactions notify the other replicas (which also poll); this process's relay is woken directly
 * after each commit (`OutboxRelay.wake()`).
 */
const NOTIFY_EVERY_MS = 50;

/**
 * Writes a unit of work's events into the `outbox` table, in the unit of work's transaction. They are
 * encoded here by the same producers as a direct flush (schema validation against the registered
 * schema, headers, key), so an invalid event fails the operation before anything is committed.
 */
export class Outbox {
  readonly #producers = new Map<string, EventProducer>();
  readonly #codec: EventCodec;
  readonly #lanes: number;
  #notifiedAt = 0;

  constructor({
    config,
    eventCatalog,
    eventRoutes,
    eventCodec,
  }: {
    config: DatabaseConfig;
    eventCatalog: EventCatalog;
    eventRoutes: Record<string, EventRoute>;
    eventCodec: EventCodec;
  }) {
    this.#codec = eventCodec;
    this.#lanes = config.database.outbox.lanes;
    for (const name of eventCatalog.published) {
      const route = eventRoutes[name];
      if (!route) throw new Error(`config has no "events.${name}" entry`);
      this.#producers.set(name, new EventProducer(definitionOf(eventCatalog, name), route));
    }
  }

  /** The insert of a unit of work's events (none: undefined), for ScopedTransaction.commit to send with COMMIT. */
  insertOf(events: readonly PendingEvent[]): Statement | undefined {
    const rows = events.map((event): Row => {
      const producer = this.#producers.get(event.type);
      if (!producer) throw new Error(`${event.type} is not published by this service`);
      const message = producer.encode(this.#codec, event);
      return { lane: laneOf(message.key ?? event.eventId, this.#lanes), eventId: event.eventId, message, options: producer.options };
    });
    return this.#insert(rows);
  }

  /** The insert of a dead letter (already a message: the original bytes and headers), in the lanes after the events' ones. */
  deadLetterInsertOf(eventId: string, letter: OutgoingMessage, options: SendOptions): Statement | undefined {
    return this.#insert([{ lane: this.#lanes + laneOf(letter.key ?? eventId, this.#lanes), eventId, message: letter, options }]);
  }

  #insert(rows: readonly Row[]): Statement | undefined {
    if (rows.length === 0) return undefined;
    const notify = Date.now() - this.#notifiedAt >= NOTIFY_EVERY_MS;
    if (notify) this.#notifiedAt = Date.now();
    // One statement: the insert and, when due, the NOTIFY (delivered to the relays when the transaction commits).
    return {
      text: `WITH inserted AS (
         INSERT INTO outbox (lane, event_id, topic, key, value, headers, send_options)
         SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::jsonb[], $7::jsonb[])
       )
       SELECT pg_notify($8, '') WHERE $9::boolean`,
      values: [
        rows.map((row) => row.lane),
        rows.map((row) => row.eventId),
        rows.map((row) => row.message.topic),
        rows.map((row) => row.message.key),
        rows.map((row) => row.message.value),
        rows.map((row) => JSON.stringify(row.message.headers)),
        rows.map((row) => JSON.stringify(row.options)),
        OUTBOX_CHANNEL,
        notify,
      ],
    };
  }
}

interface Row {
  lane: number;
  eventId: string;
  message: OutgoingMessage;
  options: SendOptions;
}

/** FNV-1a of the key, modulo the lane count: the same key always lands in the same lane. */
export function laneOf(key: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index += 1) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % lanes;
}
