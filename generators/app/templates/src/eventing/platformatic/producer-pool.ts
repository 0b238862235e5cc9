// <%- generatedHeader %>
import { compatibilityPartitioner, Producer, type BaseOptions, type MessageToProduce, type Partitioner } from '@platformatic/kafka';
import { BatchingSender, type ProduceRequest } from '../kafka/batching-sender.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
import type { OutgoingMessage, SendOptions } from '../transport.ts';
import { headerBuffers } from './kafka-headers.ts';

interface PooledSender {
  readonly sender: BatchingSender;
  readonly disconnect: () => Promise<void>;
}

const SASL_MECHANISMS = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;

/** What every client of the transport (producers, consumers, admin) is given: brokers, TLS, SASL and time limits. */
export function connectionOptions(settings: KafkaSettings): BaseOptions {
  return {
    clientId: settings.clientId,
    bootstrapBrokers: [...settings.brokers],
    connectTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    ...(settings.ssl ? { tls: {} } : {}),
    ...(settings.sasl
      ? { sasl: { mechanism: SASL_MECHANISMS[settings.sasl.mechanism], username: settings.sasl.username, password: settings.sasl.password } }
      : {}),
  };
}

/**
 * Java-compatible partitioning: a keyed message goes where murmur2 (masked positive, as Java, kafkajs'
 * DefaultPartitioner and librdkafka's murmur2_random put it); keyless ones go round the partitions.
 */
function javaCompatiblePartitioner(): Partitioner<Buffer, Buffer, Buffer, Buffer> {
  const next = new Map<string, number>();
  return (message, key) => {
    if (key) return compatibilityPartitioner(message, key);
    const counter = next.get(message.topic) ?? 0;
    next.set(message.topic, counter + 1);
    return counter;
  };
}

function toProduce({ topic, key, value, headers }: OutgoingMessage): MessageToProduce<Buffer, Buffer, Buffer, Buffer> {
  return { topic, value, headers: headerBuffers(headers), ...(key === null ? {} : { key: Buffer.from(key) }) };
}

/**
 * The service's producers: events whose producer settings (SendOptions) agree share one
 * @platformatic/kafka producer and its batching sender, created on first use (the dead-letter lane
 * gets its own). Acks come from config (all by default; the client's own default is 1) and the
 * idempotent producer is on unless config turns it off.
 */
export class ProducerPool {
  readonly #settings: KafkaSettings;
  readonly #senders = new Map<string, Promise<PooledSender>>();
  readonly #readySenders = new Map<string, BatchingSender>();
  readonly #sharingKeys = new WeakMap<SendOptions, string>();

  constructor(settings: KafkaSettings) {
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
    const settings = this.#settings.producer;
    const producer = new Producer({
      ...connectionOptions(this.#settings),
      idempotent: settings.idempotent,
      acks: settings.acks,
      retries: settings.retries,
      compression: options.compression === 'gzip' ? 'gzip' : 'none',
      partitioner: javaCompatiblePartitioner(),
      autocreateTopics: false,
    });
    // Connects now, so that a broker that cannot be reached fails the start, as with kafkajs.
    await producer.metadata({ topics: [] });
    const sendBatch = async ({ topicMessages }: ProduceRequest): Promise<void> => {
      await producer.send({ messages: topicMessages.flatMap(({ messages }) => messages.map(toProduce)) });
    };
    const sender = new BatchingSender({ sendBatch }, { sendTimeoutMs: options.sendTimeoutMs ?? settings.sendTimeoutMs });
    return { sender, disconnect: () => producer.close() };
  }
}
