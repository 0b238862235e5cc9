<% if (subscription.batch === true) { -%>
import type { BatchEventHandler, BatchFailure, BatchItem, BatchResult } from 'kafka-eventing-runtime';
import type { <%- subscription.event %>, EventBus } from '../events/index.ts';
import type { Logger } from '../logger.ts';

/** What this handler needs; add your own services here (register them in src/services.ts). */
export interface <%- subscription.handlerClass %>Dependencies {
  readonly logger: Logger;
  readonly eventBus: EventBus;
}

/**
 * Handles <%- subscription.event %> from topic `<%- subscription.eventView.topic %>` (consumer group `<%- subscription.groupId %>`) in batches.
 * This file is yours: the generator created it once and never overwrites it.
 *
 * Each call gets the events of one fetched batch (one partition, in offset order) and a fresh instance
 * in one DI scope. Report the events that failed: they are retried (and, after the last attempt, sent
 * to the dead-letter topic) while the others are done; later events of a failed event's key come back
 * with it, so once one of a key failed, leave that key's later events alone. Throwing retries the
 * whole batch. Events published on `eventBus` go out once this method returned.
 */
export class <%- subscription.handlerClass %> implements BatchEventHandler<<%- subscription.event %>> {
  readonly #logger: Logger;

  constructor({ logger }: <%- subscription.handlerClass %>Dependencies) {
    this.#logger = logger.child({ handler: '<%- subscription.handlerClass %>' });
  }

  async handleBatch(items: readonly BatchItem<<%- subscription.event %>>[]): Promise<BatchResult<<%- subscription.event %>>> {
    const failed: BatchFailure<<%- subscription.event %>>[] = [];
    const failedKeys = new Set<string>();
    for (const item of items) {
      const { key } = item.context;
      if (key !== null && failedKeys.has(key)) continue; // comes back after the failed one of its key
      try {
        this.#logger.info({ eventId: item.context.eventId, event: item.event }, '<%- subscription.event %> received');
      } catch (error) {
        failed.push({ item, error });
        if (key !== null) failedKeys.add(key);
      }
    }
    return { failed };
  }
}
<% } else { -%>
import type { EventContext, EventHandler } from 'kafka-eventing-runtime';
import type { <%- subscription.event %>, EventBus } from '../events/index.ts';
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
<% } -%>
