import { randomUUID } from 'node:crypto';
import type { MessageContext } from './handler.ts';
import type { EventProducers, PendingEvent } from './producers.ts';

export interface PublishOptions {
  /** Defaults to a new UUID. */
  readonly eventId?: string;
  /** Defaults to now. */
  readonly occurredAt?: Date;
}

/**
 * The unit of work's outbox in memory: `publish` only buffers; `flushAll` validates and encodes
 * everything buffered (nothing is sent if any event is invalid), sends it, and resolves once every
 * event is acknowledged. One bus per HTTP request and per handled message.
 */
export class EventBus<Published extends object = Record<string, unknown>> {
  readonly #producers: EventProducers;
  readonly #context: MessageContext;
  #buffer: PendingEvent[] = [];

  constructor({ eventProducers, messageContext }: { eventProducers: EventProducers; messageContext: MessageContext }) {
    this.#producers = eventProducers;
    this.#context = messageContext;
  }

  /** Buffers an event; returns its event id. Nothing leaves the process before `flushAll()`. */
  publish<Name extends keyof Published & string>(type: Name, payload: Published[Name], options: PublishOptions = {}): string {
    const eventId = options.eventId ?? randomUUID();
    this.#buffer.push({
      type,
      payload,
      eventId,
      occurredAt: (options.occurredAt ?? new Date()).toISOString(),
      correlationId: this.#context.correlationId,
      causationId: this.#context.causationId,
    });
    return eventId;
  }

  get pending(): number {
    return this.#buffer.length;
  }

  /** Sends what was published; rejects (and sends nothing) when an event does not match its schema. */
  flushAll(): Promise<void> {
    if (this.#buffer.length === 0) return Promise.resolve();
    const events = this.#buffer;
    this.#buffer = [];
    return this.#producers.send(events);
  }

  /** Takes what was published, leaving the bus empty: the unit of work writes it to the outbox. */
  take(): PendingEvent[] {
    const events = this.#buffer;
    this.#buffer = [];
    return events;
  }

  /** Drops what was published, e.g. after the request or handler failed. */
  discard(): void {
    this.#buffer = [];
  }
}
