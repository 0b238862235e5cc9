// <%- generatedHeader %>
// The only module that imports the Kafka client: swap it here and nothing else changes.
import { CompressionTypes, Kafka, logLevel, Partitioners, type Admin, type Consumer, type IHeaders, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { HeaderMap } from '../headers.ts';
import type { ConsumerSettings, MessageListener, OutgoingMessage, RunningConsumer, SendOptions, Transport } from '../transport.ts';
import { BatchingSender } from './batching-sender.ts';

export interface KafkaSettings {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly ssl: boolean;
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string } | undefined;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly producer: { readonly idempotent: boolean; readonly acks: number; readonly retries: number; readonly sendTimeoutMs: number };
  readonly consumer: {
    readonly sessionTimeoutMs: number;
    readonly heartbeatIntervalMs: number;
    readonly fromBeginning: boolean;
    /** Commit finished offsets at least every this many messages... */
    readonly commitEveryMessages: number;
    /** ...and at least this often (besides at the end of each batch and on stop). */
    readonly commitIntervalMs: number;
  };
}

const LOG_LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export class KafkaTransport implements Transport {
  readonly kind = 'kafka';
  readonly #kafka: Kafka;
  readonly #settings: KafkaSettings;
  readonly #logger: Logger;
  readonly #senders = new Map<string, Promise<{ sender: BatchingSender; disconnect: () => Promise<void> }>>();
  readonly #consumers = new Set<Consumer>();
  #admin?: Promise<Admin>;

  constructor(settings: KafkaSettings, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger.child({ component: 'kafka' });
    this.#kafka = new Kafka({
      clientId: settings.clientId,
      brokers: [...settings.brokers],
      ssl: settings.ssl,
      ...(settings.sasl ? { sasl: settings.sasl as SASLOptions } : {}),
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...extra } = entry.log;
        this.#logger[LOG_LEVELS[entry.level] ?? 'info']({ namespace: entry.namespace, ...extra }, message);
      },
    });
  }

  async connect(): Promise<void> {
    await this.#senderFor({});
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    const admin = await this.#adminClient();
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin.createTopics({ topics: missing.map((topic) => ({ topic })), waitForLeaders: true });
    this.#logger.info({ topics: missing }, 'created topics');
  }

  async send(messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<void> {
    if (messages.length === 0) return;
    const { sender } = await this.#senderFor(options);
    await sender.send(messages);
  }

  async consume(settings: ConsumerSettings, listener: MessageListener): Promise<RunningConsumer> {
    const consumer = this.#kafka.consumer({
      groupId: settings.groupId,
      sessionTimeout: this.#settings.consumer.sessionTimeoutMs,
      heartbeatInterval: this.#settings.consumer.heartbeatIntervalMs,
      allowAutoTopicCreation: false,
    });
    this.#consumers.add(consumer);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.#logger.info({ groupId: payload.groupId, memberId: payload.memberId, partitions: payload.memberAssignment }, 'joined consumer group');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.#logger.error({ groupId: payload.groupId, err: payload.error, restart: payload.restart }, 'consumer crashed');
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [settings.topic], fromBeginning: this.#settings.consumer.fromBeginning });
    await consumer.run({
      // Offsets are committed only once resolved, and one is resolved only after its message finished.
      autoCommit: true,
      autoCommitThreshold: this.#settings.consumer.commitEveryMessages,
      autoCommitInterval: this.#settings.consumer.commitIntervalMs,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: settings.concurrency,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
        const control = { heartbeat, shouldStop: () => !isRunning() || isStale() };
        for (const message of batch.messages) {
          if (control.shouldStop()) return;
          await listener(
            {
              topic: batch.topic,
              partition: batch.partition,
              offset: message.offset,
              key: message.key,
              value: message.value,
              headers: headerMap(message.headers),
            },
            control,
          );
          resolveOffset(message.offset);
          await commitOffsetsIfNecessary();
          await heartbeat();
        }
      },
    });
    return {
      stop: async () => {
        await consumer.disconnect();
        this.#consumers.delete(consumer);
      },
    };
  }

  async isReady(): Promise<boolean> {
    try {
      const admin = await this.#adminClient();
      const cluster = await withTimeout(admin.describeCluster(), 2000);
      return cluster.brokers.length > 0;
    } catch {
      return false;
    }
  }

  async disconnect(): Promise<void> {
    await Promise.all([...this.#consumers].map((consumer) => consumer.disconnect()));
    const senders = await Promise.allSettled(this.#senders.values());
    await Promise.all(senders.map((entry) => (entry.status === 'fulfilled' ? entry.value.disconnect() : undefined)));
    this.#senders.clear();
    if (this.#admin) await (await this.#admin).disconnect();
    this.#admin = undefined;
  }

  /** Events whose producer settings agree share one kafkajs producer. */
  #senderFor(options: SendOptions) {
    const key = JSON.stringify(options, Object.keys(options).sort());
    let entry = this.#senders.get(key);
    if (!entry) {
      entry = this.#createSender(options);
      this.#senders.set(key, entry);
      entry.catch(() => this.#senders.delete(key));
    }
    return entry;
  }

  async #createSender(options: SendOptions) {
    const settings = this.#settings.producer;
    const producer = this.#kafka.producer({
      // Java-compatible murmur2 partitioning: the same key lands on the same partition as with other clients.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: settings.idempotent,
      maxInFlightRequests: settings.idempotent ? 1 : undefined,
      allowAutoTopicCreation: false,
      retry: { retries: settings.retries },
    });
    await producer.connect();
    const sender = new BatchingSender(producer, {
      acks: settings.acks,
      compression: options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      sendTimeoutMs: options.sendTimeoutMs ?? settings.sendTimeoutMs,
    });
    return { sender, disconnect: () => producer.disconnect() };
  }

  #adminClient(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.#kafka.admin();
      this.#admin = admin.connect().then(() => admin);
      this.#admin.catch(() => (this.#admin = undefined));
    }
    return this.#admin;
  }

  /**
   * Copies every message of a dead-letter topic, up to its end when called, back into the topic it
   * came from, without the dead-letter headers. Progress is kept in its own consumer group, so a
   * second run copies only what arrived since.
   */
  async replay(deadLetterTopic: string, groupId: string, strip: (headers: HeaderMap) => HeaderMap): Promise<number> {
    const admin = await this.#adminClient();
    const ends = new Map((await admin.fetchTopicOffsets(deadLetterTopic)).map((p) => [p.partition, BigInt(p.high)]));
    const committed = await admin.fetchOffsets({ groupId, topics: [deadLetterTopic] });
    const pending = new Set<number>();
    for (const partition of committed[0]?.partitions ?? []) {
      const start = BigInt(partition.offset === '-1' ? '0' : partition.offset);
      if (start < (ends.get(partition.partition) ?? 0n)) pending.add(partition.partition);
    }
    if (pending.size === 0) return 0;
    let copied = 0;
    const { sender } = await this.#senderFor({});
    const consumer = this.#kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topics: [deadLetterTopic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const end = ends.get(partition) ?? 0n;
            if (BigInt(message.offset) < end) {
              const headers = headerMap(message.headers);
              const topic = headers['dead-letter-original-topic'];
              if (!topic) throw new Error(`dead-letter message at offset ${message.offset} has no original topic header`);
              await sender.send([{ topic, key: message.key?.toString('utf8') ?? null, value: message.value ?? Buffer.alloc(0), headers: strip(headers) }]);
              copied += 1;
            }
            if (BigInt(message.offset) + 1n >= end) {
              pending.delete(partition);
              if (pending.size === 0) setImmediate(resolve);
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    return copied;
  }
}

function headerMap(headers: IHeaders | undefined): HeaderMap {
  const map: HeaderMap = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    if (single !== undefined) map[name] = single.toString();
  }
  return map;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
