// <%- generatedHeader %>
import type { Span } from '@opentelemetry/api';
import { asValue, type AwilixContainer } from 'awilix';
import type { Cradle } from '../container.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { inProcessSpan } from '../observability/messaging-spans.ts';
import type { SubscriptionMetrics } from '../observability/metrics.ts';
import type { EventCodec } from './codec.ts';
import {
  DeadLetterWriter,
<% if (service.database) { -%>
  DEAD_LETTER_SEND,
<% } else { -%>
  topicDeadLetterSink,
<% } -%>
  deadLetterEvent,
  eventContext,
  releaseScope,
  waitOrInterrupt,
<% if (service.database) { -%>
  type DeadLetterSink,
<% } -%>
  type SubscriptionHealth,
  type SubscriptionSettings,
} from './delivery.ts';
<% if (!service.database) { -%>
import type { EventBus } from './event-bus.ts';
<% } -%>
import type { EventDefinition } from './event-definition.ts';
import type { EventContext, EventHandler, MessageContext } from './handler.ts';
<% if (service.database) { -%>
import { recordDeadLetter, recordInInbox } from '../database/inbox.ts';
<% } -%>
import { backoffDelay } from './retry.ts';
import type { DeliveryControl, IncomingMessage, MessageListener } from './transport.ts';

export { DeliveryInterrupted, type SubscriptionHealth, type SubscriptionSettings } from './delivery.ts';

/**
 * Handles one consumed message for one subscription: decode (undecodable → dead-letter topic at
 * once), then call the handler in a fresh DI scope and flush what it published; on failure retry
 * with backoff, and after the last attempt send the original message to the dead-letter topic.
 * Resolving means the message is finished and its offset may be committed.
 */
export class MessageProcessor {
  readonly #subscription: SubscriptionSettings;
  readonly #definition: EventDefinition<unknown>;
  readonly #handlerName: string;
  readonly #container: AwilixContainer<Cradle>;
  readonly #codec: EventCodec;
  readonly #logger: Logger;
  readonly #deadLetters: DeadLetterWriter;
  readonly #metrics: SubscriptionMetrics;

  constructor(
    subscription: SubscriptionSettings,
    definition: EventDefinition<unknown>,
    handlerName: string,
    container: AwilixContainer<Cradle>,
    health: SubscriptionHealth,
  ) {
    this.#subscription = subscription;
    this.#definition = definition;
    this.#handlerName = handlerName;
    this.#container = container;
    this.#codec = container.cradle.eventCodec;
    this.#metrics = container.cradle.eventingMetrics.forSubscription(subscription.name);
    this.#logger = container.cradle.logger.child({ subscription: subscription.name });
<% if (service.database) { -%>
    this.#deadLetters = new DeadLetterWriter(subscription, inboxDeadLetterSink(container.cradle, subscription.name), this.#logger, health);
<% } else { -%>
    this.#deadLetters = new DeadLetterWriter(subscription, topicDeadLetterSink(container.cradle.transport), this.#logger, health);
<% } -%>
  }

  /** Each message is handled in a `process <topic>` span continuing the trace of its headers. */
  readonly listener: MessageListener = (message, control) => {
    const context = eventContext(message, this.#definition.name);
    return inProcessSpan(message, context.eventId, this.#subscription.groupId, (span) => this.#process(message, context, control, span));
  };

  async #process(message: IncomingMessage, context: EventContext, control: DeliveryControl, span: Span): Promise<void> {
    let payload: unknown;
    try {
      if (message.value === null) throw new Error('message has no value');
      // Without a promise when the writer's schema is known (every message after the first of a schema id).
      const decoded = this.#codec.decodeNow(this.#definition, message.value);
      payload = decoded === undefined ? await this.#codec.decode(this.#definition, message.value) : decoded.payload;
    } catch (error) {
      deadLetterEvent(span, this.#subscription.deadLetterTopic, error, 0);
      await this.#deadLetters.write(message, context.eventId, error, 0, control);
      this.#metrics.deadLetteredUndecodable.inc();
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      try {
        await this.#handleOnce(payload, attempt === 1 ? context : { ...context, attempt });
        this.#metrics.succeeded.observe((performance.now() - started) / 1000);
        this.#metrics.handled.inc();
        return;
      } catch (error) {
        this.#metrics.failed.observe((performance.now() - started) / 1000);
        if (attempt >= this.#subscription.retry.attempts) {
          deadLetterEvent(span, this.#subscription.deadLetterTopic, error, attempt);
          await this.#deadLetters.write(message, context.eventId, error, attempt, control);
          this.#metrics.deadLetteredByHandler.inc();
          return;
        }
        this.#metrics.retried.inc();
        const delay = backoffDelay(this.#subscription.retry, attempt);
        span.addEvent('retry', { 'messaging.retry.attempt': attempt, 'messaging.retry.delay_ms': delay, 'exception.message': errorMessage(error) });
        this.#logger.warn({ err: error, attempt, delayMs: delay, offset: message.offset }, 'handler failed; retrying');
        await waitOrInterrupt(delay, control);
      }
    }
  }

  async #handleOnce(payload: unknown, context: EventContext): Promise<void> {
    const scope = this.#container.createScope<Cradle>();
    const messageContext: MessageContext = { correlationId: context.correlationId, causationId: context.eventId };
    scope.register('messageContext', asValue(messageContext));
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
      const disposing = releaseScope(scope);
      if (disposing) await disposing;
    }
<% } else { -%>
    try {
      const handler = scope.resolve<EventHandler<unknown>>(this.#handlerName);
      await handler.handle(payload, context);
      // Only a bus that something in this scope resolved can hold events: do not build one to flush nothing.
      const bus = scope.cache.get('eventBus')?.value as EventBus | undefined;
      if (bus) await bus.flushAll();
    } finally {
      const disposing = releaseScope(scope);
      if (disposing) await disposing;
    }
<% } -%>
  }
}
<% if (service.database) { -%>

/**
 * With a database, a dead letter is the message's inbox row (outcome dead-lettered) and the dead letter in
 * the outbox, in one transaction (the relay sends it): a redelivery neither runs the handler again nor
 * writes a second dead letter.
 */
function inboxDeadLetterSink(cradle: Cradle, subscription: string): DeadLetterSink {
  return {
    write: async (letter, eventId) => {
      await recordDeadLetter(cradle, subscription, eventId, letter, DEAD_LETTER_SEND);
    },
    cannotWrite: (deadLetterTopic) => `cannot record the dead letter for ${deadLetterTopic} in the database`,
  };
}
<% } -%>
