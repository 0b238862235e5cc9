import {
  MAX_BATCH_MESSAGES,
  type BatchListener,
  type ConsumerSettings,
  type DeliveryControl,
  type IncomingMessage,
  type MessageListener,
  type OutgoingMessage,
  type PartitionLag,
  type RunningConsumer,
  type Transport,
  type TransportReadiness,
} from '../transport.ts';

const REDELIVERY_DELAY_MS = 200;

interface Subscriber {
  readonly settings: ConsumerSettings;
  /** Handles the messages from `position` on (all, or one); resolves with how many it finished. */
  readonly deliver: (log: readonly IncomingMessage[], from: number, control: DeliveryControl) => Promise<number>;
  /** Next offset to deliver (the group's committed position). */
  position: number;
  running: boolean;
  draining?: Promise<void>;
}

/**
 * Keeps topics in process memory: one partition per topic, every consumer group reads from the
 * start and moves on only after its listener finished the message. For unit tests and for running
 * without a broker (`EVENTING_TRANSPORT=memory`); nothing survives a restart.
 */
export class MemoryTransport implements Transport {
  readonly kind = 'memory';
  readonly #topics = new Map<string, IncomingMessage[]>();
  readonly #subscribers = new Set<Subscriber>();

  async connect(): Promise<void> {}

  async ensureTopics(): Promise<void> {}

  async missingTopics(): Promise<string[]> {
    return [];
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    for (const message of messages) {
      const log = this.#log(message.topic);
      log.push({
        topic: message.topic,
        partition: 0,
        offset: String(log.length),
        key: message.key === null ? null : Buffer.from(message.key),
        value: message.value,
        headers: { ...message.headers },
      });
    }
    for (const subscriber of this.#subscribers) this.#drain(subscriber);
  }

  consume(settings: ConsumerSettings, listener: MessageListener): Promise<RunningConsumer> {
    return this.#subscribe(settings, async (log, from, control) => {
      const message = log[from];
      if (message) await listener(message, control);
      return 1;
    });
  }

  /** A batch is what the topic holds beyond the group's position, up to MAX_BATCH_MESSAGES. */
  consumeBatches(settings: ConsumerSettings, listener: BatchListener): Promise<RunningConsumer> {
    return this.#subscribe(settings, async (log, from, control) => {
      const messages = log.slice(from, from + MAX_BATCH_MESSAGES);
      await listener({ topic: settings.topic, partition: 0, messages }, control);
      return messages.length;
    });
  }

  async #subscribe(settings: ConsumerSettings, deliver: Subscriber['deliver']): Promise<RunningConsumer> {
    const subscriber: Subscriber = { settings, deliver, position: 0, running: true };
    this.#subscribers.add(subscriber);
    this.#drain(subscriber);
    return {
      stop: async () => {
        subscriber.running = false;
        await subscriber.draining;
        this.#subscribers.delete(subscriber);
      },
    };
  }

  /** Always: memory takes every write. */
  async isReady(): Promise<TransportReadiness> {
    return { reachable: true, writable: true, reasons: [] };
  }

  /** The one partition: messages after the group's position (all of them before it consumed). */
  async lag(groupId: string, topic: string): Promise<PartitionLag[]> {
    const subscriber = [...this.#subscribers].find((s) => s.settings.groupId === groupId && s.settings.topic === topic);
    return [{ partition: 0, lag: this.#log(topic).length - (subscriber?.position ?? 0) }];
  }

  async disconnect(): Promise<void> {
    await Promise.all(
      [...this.#subscribers].map(async (subscriber) => {
        subscriber.running = false;
        await subscriber.draining;
      }),
    );
    this.#subscribers.clear();
  }

  /** What a topic holds, for tests. */
  messages(topic: string): readonly IncomingMessage[] {
    return this.#log(topic);
  }

  /** Resolves once every consumer has finished every message sent so far. */
  async idle(): Promise<void> {
    while ([...this.#subscribers].some((s) => s.draining !== undefined)) {
      await Promise.all([...this.#subscribers].map((s) => s.draining ?? Promise.resolve()));
    }
  }

  #log(topic: string): IncomingMessage[] {
    let log = this.#topics.get(topic);
    if (!log) {
      log = [];
      this.#topics.set(topic, log);
    }
    return log;
  }

  #drain(subscriber: Subscriber): void {
    if (subscriber.draining || !subscriber.running) return;
    subscriber.draining = (async () => {
      const log = this.#log(subscriber.settings.topic);
      const control = { heartbeat: async () => {}, shouldStop: () => !subscriber.running };
      while (subscriber.running && subscriber.position < log.length) {
        try {
          subscriber.position += await subscriber.deliver(log, subscriber.position, control);
        } catch {
          // Not finished: deliver it again, as a broker would after a restart.
          await new Promise((resolve) => setTimeout(resolve, REDELIVERY_DELAY_MS));
        }
      }
    })().finally(() => {
      subscriber.draining = undefined;
      if (subscriber.running && subscriber.position < this.#log(subscriber.settings.topic).length) this.#drain(subscriber);
    });
  }
}
