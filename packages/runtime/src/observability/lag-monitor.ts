import type { Logger } from '../logger.ts';
import type { Transport } from '../eventing/transport.ts';
import type { EventingMetrics } from './metrics.ts';

export interface LaggingSubscription {
  readonly name: string;
  readonly topic: string;
  readonly groupId: string;
}

/**
 * Reads each subscription's consumer lag (end offset minus the group's committed offset, per
 * partition) from the broker every `intervalMs` into the `eventing_consumer_lag_messages` gauge.
 */
export class LagMonitor {
  readonly #transport: Transport;
  readonly #metrics: EventingMetrics;
  readonly #subscriptions: readonly LaggingSubscription[];
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;

  constructor(transport: Transport, metrics: EventingMetrics, subscriptions: readonly LaggingSubscription[], logger: Logger) {
    this.#transport = transport;
    this.#metrics = metrics;
    this.#subscriptions = subscriptions;
    this.#logger = logger.child({ component: 'lag-monitor' });
  }

  start(intervalMs: number): void {
    if (this.#timer || this.#subscriptions.length === 0) return;
    void this.update();
    this.#timer = setInterval(() => void this.update(), intervalMs);
    this.#timer.unref();
  }

  /** One reading of every subscription's lag; a failed reading keeps the previous values. */
  update(): Promise<void> {
    this.#reading ??= this.#read().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#reading;
  }

  async #read(): Promise<void> {
    for (const { name, topic, groupId } of this.#subscriptions) {
      try {
        for (const { partition, lag } of await this.#transport.lag(groupId, topic)) {
          this.#metrics.consumerLag.set({ subscription: name, group: groupId, topic, partition: String(partition) }, lag);
        }
      } catch (error) {
        this.#logger.warn({ err: error, subscription: name, topic, groupId }, 'reading consumer lag failed');
      }
    }
  }
}
