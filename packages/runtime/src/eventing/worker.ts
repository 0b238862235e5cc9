// What the per-message and the batch worker both do around their handler (message-processor.ts,
// batch-processor.ts): decode, run the handler in a message scope, back off before a retry, dead-letter
// after the last attempt (dead-letter.ts), count and trace the outcome, report a subscription failing.
import type { Attributes, Span } from '@opentelemetry/api';
import type { Logger } from '../logger.ts';
import type { EventingMetrics, SubscriptionMetrics } from '../observability/metrics.ts';
import type { Decoded, EventCodec } from './codec.ts';
import { DeadLetters, type DeadLetterSink } from './dead-letter.ts';
import type { EventDefinition } from './event-definition.ts';
import type { EventContext, MessageContext } from './handler.ts';
import { EventHeaders } from './headers.ts';
import type { MessageScope, MessageScopes } from './message-scope.ts';
import { backoffDelay, type RetryPolicy } from './retry.ts';
import type { DeliveryControl, IncomingMessage } from './transport.ts';

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

/** The part of a subscription's worker that does not depend on how it hands events to its handler. */
export class WorkerCore<Handler> {
  readonly subscription: SubscriptionSettings;
  readonly logger: Logger;
  /** The subscription's metrics, labels bound once. */
  readonly metrics: SubscriptionMetrics;
  readonly #deadLetters: DeadLetters;
  readonly #definition: EventDefinition<unknown>;
  readonly #scopes: MessageScopes<Handler>;
  readonly #codec: EventCodec;

  constructor(
    subscription: SubscriptionSettings,
    definition: EventDefinition<unknown>,
    dependencies: WorkerDependencies<Handler>,
    health: SubscriptionHealth,
  ) {
    this.subscription = subscription;
    this.#definition = definition;
    this.#scopes = dependencies.scopes;
    this.#codec = dependencies.codec;
    this.logger = dependencies.logger;
    this.metrics = dependencies.metrics.forSubscription(subscription.name);
    this.#deadLetters = new DeadLetters(subscription, dependencies.deadLetterSink, this.logger, health, this.metrics);
  }

  /** What the handler is told about `message` on its first attempt, from its headers (defaults where a header is missing). */
  context(message: IncomingMessage): EventContext {
    const headers = message.headers;
    const eventId = headers[EventHeaders.eventId] ?? `${message.topic}-${message.partition}-${message.offset}`;
    return {
      eventId,
      eventType: headers[EventHeaders.eventType] ?? this.#definition.name,
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

  /**
   * The message's event; without a promise when the writer's schema is known (every message after the
   * first of a schema id). Throws (or rejects) when the message has no value or cannot be decoded.
   */
  decode(message: IncomingMessage): Decoded | Promise<Decoded> {
    if (message.value === null) throw new Error('message has no value');
    return (
      this.#codec.decodeNow(this.#definition, message.value) ?? this.#codec.decode(this.#definition, message.value).then((payload) => ({ payload }))
    );
  }

  /**
   * Runs `work` in a fresh message scope (the handler is built in it): completes the scope's unit of
   * work after it, aborts it (and rethrows) when either fails, always releases the scope.
   */
  async inScope<T>(context: MessageContext, work: (scope: MessageScope<Handler>) => Promise<T>): Promise<T> {
    const scope = this.#scopes(context);
    try {
      const result = await work(scope);
      await scope.complete();
      return result;
    } catch (error) {
      await scope.abort();
      throw error;
    } finally {
      // Awaited only when the scope has disposers to wait for (the usual handler scope has none).
      const releasing = scope.release();
      if (releasing) await releasing;
    }
  }

  /**
   * Before retry number `retry` of `count` events: counts them, tells the process span, and returns the
   * backoff to wait (waitOrInterrupt: a stop meanwhile leaves them unfinished, to be redelivered).
   */
  backoff(retry: number, count: number, span: Span, attributes: Attributes): number {
    this.metrics.retried.inc(count);
    const delay = backoffDelay(this.subscription.retry, retry);
    span.addEvent('retry', { 'messaging.retry.attempt': retry, 'messaging.retry.delay_ms': delay, ...attributes });
    return delay;
  }

  /** Dead-letters `message` after `attempts` attempts (0: undecodable); see DeadLetters. */
  deadLetter(message: IncomingMessage, eventId: string, error: unknown, attempts: number, span: Span, control: DeliveryControl): Promise<void> {
    return this.#deadLetters.send(message, eventId, error, attempts, span, control);
  }
}
