import type { Span } from '@opentelemetry/api';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { inProcessSpan } from '../observability/messaging-spans.ts';
import type { SubscriptionMetrics } from '../observability/metrics.ts';
import type { EventCodec } from './codec.ts';
import {
  DeadLetterWriter,
  deadLetterEvent,
  eventContext,
  waitOrInterrupt,
  type SubscriptionHealth,
  type SubscriptionSettings,
  type WorkerDependencies,
} from './delivery.ts';
import type { EventDefinition } from './event-definition.ts';
import type { EventContext, EventHandler, MessageContext } from './handler.ts';
import type { MessageScopes } from './message-scope.ts';
import { backoffDelay } from './retry.ts';
import type { DeliveryControl, IncomingMessage, MessageListener } from './transport.ts';

export { DeliveryInterrupted, type SubscriptionHealth, type SubscriptionSettings } from './delivery.ts';

/**
 * Handles one consumed message for one subscription: decode (undecodable → dead-letter topic at
 * once), then call the handler in a fresh message scope and complete its unit of work; on failure retry
 * with backoff, and after the last attempt send the original message to the dead-letter topic.
 * Resolving means the message is finished and its offset may be committed.
 */
export class MessageProcessor {
  readonly #subscription: SubscriptionSettings;
  readonly #definition: EventDefinition<unknown>;
  readonly #scopes: MessageScopes<EventHandler<unknown>>;
  readonly #codec: EventCodec;
  readonly #logger: Logger;
  readonly #deadLetters: DeadLetterWriter;
  readonly #metrics: SubscriptionMetrics;

  constructor(
    subscription: SubscriptionSettings,
    definition: EventDefinition<unknown>,
    dependencies: WorkerDependencies<EventHandler<unknown>>,
    health: SubscriptionHealth,
  ) {
    this.#subscription = subscription;
    this.#definition = definition;
    this.#scopes = dependencies.scopes;
    this.#codec = dependencies.codec;
    this.#metrics = dependencies.metrics.forSubscription(subscription.name);
    this.#logger = dependencies.logger;
    this.#deadLetters = new DeadLetterWriter(subscription, dependencies.deadLetterSink, this.#logger, health);
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
    const messageContext: MessageContext = { correlationId: context.correlationId, causationId: context.eventId };
    const scope = this.#scopes(messageContext);
    try {
      // With an inbox, the claim is written in the handler's transaction: a redelivery finds it and is only acknowledged.
      if (scope.claim !== undefined && !(await scope.claim(context.eventId))) {
        this.#logger.info({ eventId: context.eventId, offset: context.offset }, 'already handled (inbox): acknowledged without running the handler');
      } else {
        await scope.handler().handle(payload, context);
      }
      await scope.complete();
    } catch (error) {
      await scope.abort();
      throw error;
    } finally {
      // Awaited only when the scope has disposers to wait for (the usual handler scope has none).
      const releasing = scope.release();
      if (releasing) await releasing;
    }
  }
}
