// <%- generatedHeader %>
import { CompressionTypes, Partitioners, type Kafka } from 'kafkajs';
import type { OutgoingMessage, SendOptions } from '../transport.ts';
import { BatchingSender } from '../kafka/batching-sender.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';

interface PooledSender {
  readonly sender: BatchingSender;
  readonly disconnect: () => Promise<void>;
}

/**
 * The service's producers: events whose producer settings (SendOptions) agree share one kafkajs
 * producer and its batching sender, created on first use and connected once.
 */
export class ProducerPool {
  readonly #kafka: Kafka;
  readonly #settings: KafkaSettings['producer'];
  readonly #senders = new Map<string, Promise<PooledSender>>();
  /** The senders whose producer is connected, for the common case of a send that need not wait. */
  readonly #readySenders = new Map<string, BatchingSender>();
  /** Sharing keys of the SendOptions objects seen (the same config objects come back on every send). */
  readonly #sharingKeys = new WeakMap<SendOptions, string>();

  constructor(kafka: Kafka, settings: KafkaSettings['producer']) {
    this.#kafka = kafka;
    this.#settings = settings;
  }

  send(messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const ready = this.#readySenders.get(this.#sharingKey(options));
    if (ready) return ready.send(messages);
    return this.senderFor(options).then(({ sender }) => sender.send(messages));
  }

  /** The (connected) sender for these settings. */
  senderFor(options: SendOptions): Promise<PooledSender> {
    const key = this.#sharingKey(options);
    let entry = this.#senders.get(key);
    if (!entry) {
      entry = this.#createSender(options);
      this.#senders.set(key, entry);
      entry.then(
        ({ sender }) => this.#readySenders.set(key, sender),
        () => this.#senders.delete(key),
      );
    }
    return entry;
  }

  async disconnect(): Promise<void> {
    const senders = await Promise.allSettled(this.#senders.values());
    await Promise.all(senders.map((entry) => (entry.status === 'fulfilled' ? entry.value.disconnect() : Promise.resolve())));
    this.#senders.clear();
    this.#readySenders.clear();
  }

  #sharingKey(options: SendOptions): string {
    let key = this.#sharingKeys.get(options);
    if (key === undefined) {
      key = JSON.stringify(options, Object.keys(options).sort());
      this.#sharingKeys.set(options, key);
    }
    return key;
  }

  async #createSender(options: SendOptions): Promise<PooledSender> {
    const settings = this.#settings;
    const producer = this.#kafka.producer({
      // Java-compatible murmur2 partitioning: the same key lands on the same partition as with other clients.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: settings.idempotent,
      maxInFlightRequests: settings.idempotent ? 1 : undefined,
      allowAutoTopicCreation: false,
      retry: { retries: settings.retries },
    });
    await producer.connect();
    const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    const sender = new BatchingSender(
      { sendBatch: ({ topicMessages }) => producer.sendBatch({ topicMessages, acks: settings.acks, compression }) },
      { sendTimeoutMs: options.sendTimeoutMs ?? settings.sendTimeoutMs },
    );
    return { sender, disconnect: () => producer.disconnect() };
  }
}
