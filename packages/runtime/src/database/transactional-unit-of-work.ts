import type { EventBus } from '../eventing/event-bus.ts';
import type { EventProducers } from '../eventing/producers.ts';
import type { UnitOfWork } from '../eventing/unit-of-work.ts';
import type { Outbox } from './outbox.ts';
import type { DatabaseConfig, DatabaseSettings } from './pool.ts';
import type { OutboxRelay } from './relay.ts';
import type { ScopedTransaction } from './transaction.ts';

interface Dependencies {
  config: DatabaseConfig;
  db: ScopedTransaction;
  eventBus: EventBus;
  outbox: Outbox;
  outboxRelay: OutboxRelay;
  eventProducers: EventProducers;
}

/**
 * The unit of work of a service with a database. `database.delivery: outbox` (the default): the
 * buffered events go into the outbox table in the scope's transaction, then it commits; the relay
 * sends them. `direct`: the transaction commits, then the events are sent (the reference system's
 * order: a crash or a broker failure between the two loses the events of a committed operation).
 */
export class TransactionalUnitOfWork implements UnitOfWork {
  readonly #cradle: Dependencies;
  readonly #delivery: DatabaseSettings['delivery'];

  constructor(cradle: Dependencies) {
    // The cradle is kept, not destructured: the scope's transaction and bus are built only when used.
    this.#cradle = cradle;
    this.#delivery = cradle.config.database.delivery;
  }

  async complete(): Promise<void> {
    const { db, eventBus } = this.#cradle;
    const events = eventBus.take();
    try {
      // Outbox: the events' insert goes out with COMMIT (one round trip); both land or neither does.
      await db.commit(this.#delivery === 'outbox' ? this.#cradle.outbox.insertOf(events) : undefined);
    } catch (error) {
      await db.rollback();
      throw error;
    }
    if (this.#delivery === 'direct') await this.#cradle.eventProducers.send(events);
    else if (events.length > 0) this.#cradle.outboxRelay.wake();
  }

  async abort(): Promise<void> {
    this.#cradle.eventBus.discard();
    await this.#cradle.db.rollback();
  }
}
