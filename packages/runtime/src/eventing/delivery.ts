// What the per-message and the batch worker share: settings, event context, waits, dead letters.
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { EventingMetrics } from '../observability/metrics.ts';
import type { EventCodec } from './codec.ts';
import { deadLetterMessage } from './dead-letter.ts';
import type { EventContext } from './handler.ts';
import { EventHeaders } from './headers.ts';
import type { MessageScopes } from './message-scope.ts';
import { backoffDelay, waitWhileAlive, type RetryPolicy } from './retry.ts';
import type { DeliveryControl, IncomingMessage, OutgoingMessage, SendOptions, Transport } from './transport.ts';

/** Where a worker reports that it cannot go on (read by /health/ready). */
export interface SubscriptionHealth {
  failing(subscription: string, reason: string): void;
  recovered(subscription: string): void;
}

export interface SubscriptionSettings {
  readonly name: string;
  readonly topic: string;
  readonly groupId: string;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly deadLetterTopic: string;
}

/** What a subscription's worker is given by the composition root (it never sees the container). */
export interface WorkerDependencies<Handler> {
  /** A fresh scope per message (per batch handler call), in which the handler is built. */
  readonly scopes: MessageScopes<Handler>;
  readonly codec: EventCodec;
  readonly metrics: EventingMetrics;
  /** The subscription's logger. */
  readonly logger: Logger;
  /** Where its dead letters go. */
  readonly deadLetterSink: DeadLetterSink;
}

/** Dead letters are sent on a producer of their own (one object: the transport keys its producers by it). */
export const DEAD_LETTER_SEND: SendOptions = { lane: 'dead-letter' };

/** Where a dead letter goes: straight to the dead-letter topic, or (with a database) the inbox and the outbox. */
export interface DeadLetterSink {
  write(letter: OutgoingMessage, eventId: string): Promise<void>;
  /** The start of the error line when a write fails, e.g. "cannot write dead-letter topic orders.dlt". */
  cannotWrite(deadLetterTopic: string): string;
}

/** Dead letters sent to the dead-letter topic through the transport. */
export function topicDeadLetterSink(transport: Transport): DeadLetterSink {
  return {
    write: (letter) => transport.send([letter], DEAD_LETTER_SEND),
    cannotWrite: (deadLetterTopic) => `cannot write dead-letter topic ${deadLetterTopic}`,
  };
}

/** Thrown when the worker stops during a retry wait: the message is not finished and will be redelivered. */
export class DeliveryInterrupted extends Error {
  override name = 'DeliveryInterrupted';
}

/** Waits `delay` keeping the consumer alive; throws DeliveryInterrupted when the worker stops meanwhile. */
export async function waitOrInterrupt(delay: number, control: DeliveryControl): Promise<void> {
  const completed = await waitWhileAlive(
    delay,
    () => control.heartbeat(),
    () => control.shouldStop(),
  );
  if (!completed) throw new DeliveryInterrupted('worker stopping during a retry wait; the message will be redelivered');
}

/**
 * Sends messages to a subscription's dead-letter topic. A write that fails (the topic is missing, no
 * permission) is tried again with the subscription's backoff until it succeeds or the worker stops:
 * the message is never skipped, each failure is an error in the log, and the subscription is
 * reported failing (/health/ready answers 503) until a write succeeds.
 */
export class DeadLetterWriter {
  readonly #subscription: SubscriptionSettings;
  readonly #sink: DeadLetterSink;
  readonly #logger: Logger;
  readonly #health: SubscriptionHealth;

  constructor(subscription: SubscriptionSettings, sink: DeadLetterSink, logger: Logger, health: SubscriptionHealth) {
    this.#subscription = subscription;
    this.#sink = sink;
    this.#logger = logger;
    this.#health = health;
  }

  async write(message: IncomingMessage, eventId: string, error: unknown, attempts: number, control: DeliveryControl): Promise<void> {
    const { deadLetterTopic, name } = this.#subscription;
    const where = { topic: message.topic, partition: message.partition, offset: message.offset, deadLetterTopic };
    this.#logger.error({ err: error, attempts, ...where }, 'message sent to the dead-letter topic');
    const letter = deadLetterMessage(deadLetterTopic, message, { error, attempts, subscription: name });
    for (let failures = 1; ; failures += 1) {
      try {
        await this.#sink.write(letter, eventId);
        this.#health.recovered(name);
        return;
      } catch (sendError) {
        const delay = backoffDelay(this.#subscription.retry, failures);
        const reason = `${this.#sink.cannotWrite(deadLetterTopic)}: ${errorMessage(sendError)}`;
        this.#health.failing(name, reason);
        this.#logger.error({ err: sendError, failures, delayMs: delay, ...where }, `${reason}; the partition waits, trying again`);
        await waitOrInterrupt(delay, control);
      }
    }
  }
}

/** The dead-lettering as an event of the process span, which ends failed. */
export function deadLetterEvent(span: Span, deadLetterTopic: string, error: unknown, attempts: number): void {
  span.addEvent('dead_letter', {
    'messaging.destination.name': deadLetterTopic,
    'messaging.retry.attempts': attempts,
    'exception.message': errorMessage(error),
  });
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
}

/** What a handler is told about a message on its first attempt, from its headers (defaults where a header is missing). */
export function eventContext(message: IncomingMessage, eventType: string): EventContext {
  const headers = message.headers;
  const eventId = headers[EventHeaders.eventId] ?? `${message.topic}-${message.partition}-${message.offset}`;
  return {
    eventId,
    eventType: headers[EventHeaders.eventType] ?? eventType,
    occurredAt: headers[EventHeaders.occurredAt] ?? '',
    correlationId: headers[EventHeaders.correlationId] ?? eventId,
    causationId: headers[EventHeaders.causationId] ?? null,
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    attempt: 1,
    headers,
  };
}
