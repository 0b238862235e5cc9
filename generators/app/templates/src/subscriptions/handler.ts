import type { EventContext, EventHandler } from '../eventing/handler.ts';
import type { EventBus } from '../eventing/event-bus.ts';
import type { <%- subscription.event %> } from '../events/index.ts';
import type { Logger } from '../logger.ts';

/** What this handler needs; add your own services here (register them in src/services.ts). */
export interface <%- subscription.handlerClass %>Dependencies {
  readonly logger: Logger;
  readonly eventBus: EventBus;
}

/**
 * Handles <%- subscription.event %> from topic `<%- subscription.eventView.topic %>` (consumer group `<%- subscription.groupId %>`).
 * This file is yours: the generator created it once and never overwrites it.
 *
 * Each message gets a fresh instance in its own DI scope. Throw to have the message retried (and,
 * after the last attempt, sent to the dead-letter topic). Events published on `eventBus` go out only
 * after this method succeeded, carrying this event's correlation id and its id as causation id.
 */
export class <%- subscription.handlerClass %> implements EventHandler<<%- subscription.event %>> {
  readonly #logger: Logger;

  constructor({ logger }: <%- subscription.handlerClass %>Dependencies) {
    this.#logger = logger.child({ handler: '<%- subscription.handlerClass %>' });
  }

  async handle(event: <%- subscription.event %>, context: EventContext): Promise<void> {
    this.#logger.info({ eventId: context.eventId, event }, '<%- subscription.event %> received');
  }
}
