// <%- generatedHeader %>
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { asValue, type AwilixContainer } from 'awilix';
import type { Cradle } from '../container.ts';
import type { Logger } from '../logger.ts';
import { inProcessSpan } from '../observability/messaging-spans.ts';
import type { EventingMetrics } from '../observability/metrics.ts';
import type { EventCodec } from './codec.ts';
import { deadLetterMessage } from './dead-letter.ts';
<% if (!service.database) { -%>
import type { EventBus } from './event-bus.ts';
<% } -%>
import type { EventDefinition } from './event-definition.ts';
import type { EventContext, EventHandler, MessageContext } from './handler.ts';
import { EventHeaders } from './headers.ts';
<% if (service.database) { -%>
import { recordDeadLetter, recordInInbox } from '../database/inbox.ts';
<% } -%>
import { backoffDelay, waitWhileAlive, type RetryPolicy } from './retry.ts';
<% if (service.database) { -%>
import type { DeliveryControl, IncomingMessage, MessageListener, SendOptions } from './transport.ts';
<% } else { -%>
import type { DeliveryControl, IncomingMessage, MessageListener, SendOptions, Transport } from './transport.ts';
<% } -%>

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

/** Dead letters are sent on a producer of their own (one object: the transport keys its producers by it). */
const DEAD_LETTER_SEND: SendOptions = { lane: 'dead-letter' };

/** Thrown when the worker stops during a retry wait: the message is not finished and will be redelivered. */
export class DeliveryInterrupted extends Error {
  override name = 'DeliveryInterrupted';
}

/**
 * Handles one consumed message for one subscription: decode (undecodable → dead-letter topic at
 * once), then call the handler in a fresh DI scope and flush what it published; on failure retry
 * with backoff, and after the last attempt send the original message to the dead-letter topic.
 * Resolving means the message is finished and its offset may be committed.
 */
export class MessageProcessor {
  readonly #subscription: SubscriptionSettings;
  readonly #definition: EventDefinition<never>;
  readonly #handlerName: string;
  readonly #container: AwilixContainer<Cradle>;
  readonly #codec: EventCodec;
<% if (!service.database) { -%>
  readonly #transport: Transport;
<% } -%>
  readonly #logger: Logger;
  readonly #health: SubscriptionHealth;
  readonly #metrics: EventingMetrics;

  constructor(
    subscription: SubscriptionSettings,
    definition: EventDefinition<never>,
    handlerName: string,
    container: AwilixContainer<Cradle>,
    health: SubscriptionHealth,
  ) {
    this.#health = health;
    this.#subscription = subscription;
    this.#definition = definition;
    this.#handlerName = handlerName;
    this.#container = container;
    this.#codec = container.cradle.eventCodec;
<% if (!service.database) { -%>
    this.#transport = container.cradle.transport;
<% } -%>
    this.#metrics = container.cradle.eventingMetrics;
    this.#logger = container.cradle.logger.child({ subscription: subscription.name });
  }

  /** Each message is handled in a `process <topic>` span continuing the trace of its headers. */
  readonly listener: MessageListener = (message, control) => {
    const context = eventContext(message, this.#definition.name);
    return inProcessSpan(message, context.eventId, this.#subscription.groupId, (span) => this.#process(message, context, control, span));
  };

  async #process(message: IncomingMessage, context: Omit<EventContext, 'attempt'>, control: DeliveryControl, span: Span): Promise<void> {
    let payload: unknown;
    try {
      if (message.value === null) throw new Error('message has no value');
      payload = await this.#codec.decode(this.#definition, message.value);
    } catch (error) {
      deadLetterEvent(span, this.#subscription.deadLetterTopic, error, 0);
      await this.#deadLetter(message, context.eventId, error, 0, control);
      this.#metrics.deadLettered.inc({ subscription: this.#subscription.name, reason: 'undecodable' });
      return;
    }
    const labels = { subscription: this.#subscription.name };
    for (let attempt = 1; ; attempt += 1) {
      const stopTimer = this.#metrics.handlerDuration.startTimer(labels);
      try {
        await this.#handleOnce(payload, { ...context, attempt });
        stopTimer({ outcome: 'success' });
        this.#metrics.handled.inc(labels);
        return;
      } catch (error) {
        stopTimer({ outcome: 'failure' });
        if (attempt >= this.#subscription.retry.attempts) {
          deadLetterEvent(span, this.#subscription.deadLetterTopic, error, attempt);
          await this.#deadLetter(message, context.eventId, error, attempt, control);
          this.#metrics.deadLettered.inc({ ...labels, reason: 'handler' });
          return;
        }
        this.#metrics.retried.inc(labels);
        const delay = backoffDelay(this.#subscription.retry, attempt);
        span.addEvent('retry', { 'messaging.retry.attempt': attempt, 'messaging.retry.delay_ms': delay, 'exception.message': errorMessage(error) });
        this.#logger.warn({ err: error, attempt, delayMs: delay, offset: message.offset }, 'handler failed; retrying');
        await this.#wait(delay, control);
      }
    }
  }

  async #wait(delay: number, control: DeliveryControl): Promise<void> {
    const completed = await waitWhileAlive(
      delay,
      () => control.heartbeat(),
      () => control.shouldStop(),
    );
    if (!completed) throw new DeliveryInterrupted('worker stopping during a retry wait; the message will be redelivered');
  }

  async #handleOnce(payload: unknown, context: EventContext): Promise<void> {
    const scope = this.#container.createScope<Cradle>();
    const messageContext: MessageContext = { correlationId: context.correlationId, causationId: context.eventId };
    scope.register({ messageContext: asValue(messageContext) });
<% if (service.database) { -%>
    const { db, unitOfWork } = scope.cradle;
    try {
      // The inbox row is written in the handler's transaction: a redelivery finds it and is only acknowledged.
      if (await recordInInbox(db, this.#subscription.name, context.eventId)) {
        const handler = scope.resolve<EventHandler<unknown>>(this.#handlerName);
        await handler.handle(payload, context);
      } else {
        this.#logger.info({ eventId: context.eventId, offset: context.offset }, 'already handled (inbox): acknowledged without running the handler');
      }
      await unitOfWork.complete();
    } catch (error) {
      await unitOfWork.abort();
      throw error;
    } finally {
      await scope.dispose();
    }
<% } else { -%>
    try {
      const handler = scope.resolve<EventHandler<unknown>>(this.#handlerName);
      await handler.handle(payload, context);
      // Only a bus that something in this scope resolved can hold events: do not build one to flush nothing.
      const bus = scope.cache.get('eventBus')?.value as EventBus | undefined;
      if (bus) await bus.flushAll();
    } finally {
      await scope.dispose();
    }
<% } -%>
  }

  /**
<% if (service.database) { -%>
   * Dead-letters the message: its inbox row (outcome dead-lettered) and the dead letter in the outbox,
   * in one transaction (the relay sends it), so that a redelivery neither runs the handler again nor
   * writes a second dead letter. A write that fails (the database away) is tried again with the
   * subscription's backoff until it succeeds or the worker stops: the message is never skipped, each
   * failure is an error in the log, and the subscription is reported failing (/health/ready answers
   * 503) until a write succeeds.
<% } else { -%>
   * Sends the message to the dead-letter topic. A write that fails (the topic is missing, no
   * permission) is tried again with the subscription's backoff until it succeeds or the worker stops:
   * the message is never skipped, each failure is an error in the log, and the subscription is
   * reported failing (/health/ready answers 503) until a write succeeds.
<% } -%>
   */
  async #deadLetter(message: IncomingMessage, eventId: string, error: unknown, attempts: number, control: DeliveryControl): Promise<void> {
    const { deadLetterTopic, name } = this.#subscription;
    const where = { topic: message.topic, partition: message.partition, offset: message.offset, deadLetterTopic };
    this.#logger.error({ err: error, attempts, ...where }, 'message sent to the dead-letter topic');
    const letter = deadLetterMessage(deadLetterTopic, message, { error, attempts, subscription: name });
    for (let failures = 1; ; failures += 1) {
      try {
<% if (service.database) { -%>
        // With the inbox row (outcome dead-lettered), in one transaction; the relay sends it.
        await recordDeadLetter(this.#container.cradle, name, eventId, letter, DEAD_LETTER_SEND);
<% } else { -%>
        await this.#transport.send([letter], DEAD_LETTER_SEND);
<% } -%>
        this.#health.recovered(name);
        return;
      } catch (sendError) {
        const delay = backoffDelay(this.#subscription.retry, failures);
<% if (service.database) { -%>
        const reason = `cannot record the dead letter for ${deadLetterTopic} in the database: ${sendError instanceof Error ? sendError.message : String(sendError)}`;
<% } else { -%>
        const reason = `cannot write dead-letter topic ${deadLetterTopic}: ${sendError instanceof Error ? sendError.message : String(sendError)}`;
<% } -%>
        this.#health.failing(name, reason);
        this.#logger.error({ err: sendError, failures, delayMs: delay, ...where }, `${reason}; the partition waits, trying again`);
        await this.#wait(delay, control);
      }
    }
  }
}

/** The dead-lettering as an event of the process span, which ends failed. */
function deadLetterEvent(span: Span, deadLetterTopic: string, error: unknown, attempts: number): void {
  span.addEvent('dead_letter', {
    'messaging.destination.name': deadLetterTopic,
    'messaging.retry.attempts': attempts,
    'exception.message': errorMessage(error),
  });
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function eventContext(message: IncomingMessage, eventType: string): Omit<EventContext, 'attempt'> {
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
    headers,
  };
}
