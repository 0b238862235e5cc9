import type { Span } from '@opentelemetry/api';
import { errorMessage } from '../errors.ts';
import { inProcessSpan } from '../observability/messaging-spans.ts';
import type { EventContext, EventHandler } from './handler.ts';
import type { MessageScope } from './message-scope.ts';
import { waitOrInterrupt } from './retry.ts';
import type { DeliveryControl, IncomingMessage, MessageListener } from './transport.ts';
import type { WorkerCore } from './worker.ts';

/**
 * Handles one consumed message for one subscription: decode (undecodable → dead-letter topic at
 * once), then call the handler in a fresh message scope and complete its unit of work; on failure retry
 * with backoff, and after the last attempt send the original message to the dead-letter topic.
 * Resolving means the message is finished and its offset may be committed.
 */
export class MessageProcessor {
  readonly #core: WorkerCore<EventHandler<unknown>>;

  constructor(core: WorkerCore<EventHandler<unknown>>) {
    this.#core = core;
  }

  /** Each message is handled in a `process <topic>` span continuing the trace of its headers. */
  readonly listener: MessageListener = (message, control) => {
    const context = this.#core.context(message);
    return inProcessSpan(message, context.eventId, this.#core.subscription.groupId, (span) => this.#process(message, context, control, span));
  };

  async #process(message: IncomingMessage, context: EventContext, control: DeliveryControl, span: Span): Promise<void> {
    const { metrics, subscription } = this.#core;
    let payload: unknown;
    try {
      const decoded = this.#core.decode(message);
      payload = (decoded instanceof Promise ? await decoded : decoded).payload;
    } catch (error) {
      await this.#core.deadLetter(message, context.eventId, error, 0, span, control);
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      try {
        await this.#core.inScope({ correlationId: context.correlationId, causationId: context.eventId }, (scope) =>
          this.#handle(scope, payload, attempt === 1 ? context : { ...context, attempt }),
        );
        metrics.succeeded.observe((performance.now() - started) / 1000);
        metrics.handled.inc();
        return;
      } catch (error) {
        metrics.failed.observe((performance.now() - started) / 1000);
        if (attempt >= subscription.retry.attempts) {
          await this.#core.deadLetter(message, context.eventId, error, attempt, span, control);
          return;
        }
        const delay = this.#core.backoff(attempt, 1, span, { 'exception.message': errorMessage(error) });
        this.#core.logger.warn({ err: error, attempt, delayMs: delay, offset: message.offset }, 'handler failed; retrying');
        await waitOrInterrupt(delay, control);
      }
    }
  }

  /** One attempt in the message's scope. With an inbox, the claim is written in the handler's transaction: a redelivery finds it and is only acknowledged. */
  async #handle(scope: MessageScope<EventHandler<unknown>>, payload: unknown, context: EventContext): Promise<void> {
    if (scope.claim !== undefined && !(await scope.claim(context.eventId))) {
      this.#core.logger.info(
        { eventId: context.eventId, offset: context.offset },
        'already handled (inbox): acknowledged without running the handler',
      );
    } else {
      await scope.handler().handle(payload, context);
    }
  }
}
