// <%- generatedHeader %>
// The only module that imports the Kafka client: swap it here and nothing else changes.
import { CompressionTypes, Kafka, logLevel, Partitioners, type Admin, type Consumer, type IHeaders, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { HeaderMap } from '../headers.ts';
import type { ConsumerSettings, MessageListener, OutgoingMessage, PartitionLag, RunningConsumer, SendOptions, Transport } from '../transport.ts';
import { BatchingSender } from './batching-sender.ts';
import { CommitPacer } from './commit-pacer.ts';

export interface KafkaSettings {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly ssl: boolean;
  readonly sasl?:
    { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string } | undefined;
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

/** kafkajs messages about something it retries or restarts by itself. */
const RETRIED = /^(Crash: |Restarting the consumer|.*coordinator is (loading|not available)|.*not the correct coordinator)/i;

/**
 * kafkajs logs every error response and socket error of a request at ERROR, also when it retries the
 * request (a group coordinator still loading after a broker start, a leader election, a reconnect):
 * those are warnings here. What finally fails reaches the caller and is logged as an error there (a
 * rejected flush, a failed start, a consumer crash).
 */
function levelOf(entry: LogEntry): 'error' | 'warn' | 'info' | 'debug' {
  if (entry.namespace === 'Connection' && entry.level === logLevel.ERROR) return 'warn';
  // The consumer's own account of a crash (said before it decides whether to restart: the CRASH event
  // says that, and is logged as an error when it does not), of its restarts, and of requests it retries.
  if (entry.level === logLevel.ERROR && (RETRIED.test(entry.log.message) || entry.log.retryCount !== undefined)) return 'warn';
  // Said at every start because retries are bounded (kafka.producer.retries): this service promises
  // at least once, and a flush whose sends run out of retries or time rejects (see the README).
  if (entry.log.message.startsWith('Limiting retries for the idempotent producer')) return 'debug';
  return LOG_LEVELS[entry.level] ?? 'info';
}

export class KafkaTransport implements Transport {
  readonly kind = 'kafka';
  readonly #kafka: Kafka;
  readonly #settings: KafkaSettings;
  readonly #logger: Logger;
  readonly #senders = new Map<string, Promise<{ sender: BatchingSender; disconnect: () => Promise<void> }>>();
  /** Running consumers, each with the pacer of its offset commits. */
  readonly #consumers = new Map<Consumer, CommitPacer>();
  /** Sharing keys of the SendOptions objects seen (the same config objects come back on every send). */
  readonly #sharingKeys = new WeakMap<SendOptions, string>();
  /** The senders whose producer is connected, for the common case of a send that need not wait. */
  readonly #readySenders = new Map<string, BatchingSender>();
  #admin?: Promise<Admin>;
  /** Offsets this process committed, per group and topic (what the lag is measured from). */
  readonly #committed = new Map<string, Map<number, string>>();

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
        this.#logger[levelOf(entry)]({ namespace: entry.namespace, ...extra }, message);
      },
    });
  }

  async connect(): Promise<void> {
    await this.#senderFor({});
  }

  async missingTopics(topics: readonly string[]): Promise<string[]> {
    const admin = await this.#adminClient();
    const existing = new Set(await admin.listTopics());
    return [...new Set(topics)].filter((topic) => !existing.has(topic));
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = await this.missingTopics(topics);
    if (missing.length === 0) return;
    const admin = await this.#adminClient();
    await admin.createTopics({ topics: missing.map((topic) => ({ topic })), waitForLeaders: true });
    this.#logger.info({ topics: missing }, 'created topics');
  }

  send(messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const ready = this.#readySenders.get(this.#sharingKey(options));
    if (ready) return ready.send(messages);
    return this.#senderFor(options).then(({ sender }) => sender.send(messages));
  }

  async consume(settings: ConsumerSettings, listener: MessageListener): Promise<RunningConsumer> {
    const consumer = this.#kafka.consumer({
      groupId: settings.groupId,
      sessionTimeout: this.#settings.consumer.sessionTimeoutMs,
      heartbeatInterval: this.#settings.consumer.heartbeatIntervalMs,
      allowAutoTopicCreation: false,
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.#logger.info({ groupId: payload.groupId, memberId: payload.memberId, partitions: payload.memberAssignment }, 'joined consumer group');
    });
    consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
      this.#logger.debug({ groupId: payload.groupId, topics: payload.topics }, 'committed offsets');
      for (const { topic, partitions } of payload.topics) {
        const committed = this.#committed.get(`${payload.groupId}\n${topic}`) ?? new Map<number, string>();
        // kafkajs reports the partition as a string here, despite its type.
        for (const { partition, offset } of partitions) committed.set(Number(partition), offset);
        this.#committed.set(`${payload.groupId}\n${topic}`, committed);
      }
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts the consumer after a retriable error (a coordinator still loading after a
      // broker start): a warning. A crash it does not recover from is an error.
      const level = payload.restart ? 'warn' : 'error';
      this.#logger[level](
        { groupId: payload.groupId, err: payload.error, restart: payload.restart },
        payload.restart ? 'consumer restarting after an error' : 'consumer crashed',
      );
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [settings.topic], fromBeginning: this.#settings.consumer.fromBeginning });
    const pacer = new CommitPacer(this.#settings.consumer.commitEveryMessages, this.#settings.consumer.commitIntervalMs, (error) =>
      this.#logger.warn({ groupId: settings.groupId, err: error }, 'committing offsets failed; the next commit covers them again'),
    );
    this.#consumers.set(consumer, pacer);
    await consumer.run({
      // Commits are the CommitPacer's, not kafkajs' (which would wait for one after every batch before
      // fetching again): only resolved offsets are committed, and an offset is resolved only once its
      // message, and every message before it in the batch, finished.
      autoCommit: false,
      autoCommitThreshold: pacer.commitEveryMessages,
      autoCommitInterval: this.#settings.consumer.commitIntervalMs,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: settings.concurrency,
      // eslint-disable-next-line @typescript-eslint/unbound-method -- kafkajs hands these over as plain functions
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, uncommittedOffsets }) => {
        const control = { heartbeat, shouldStop: () => !isRunning() || isStale() };
        const commitIfDue = () => commitOffsetsIfNecessary();
        const commitAll = () => commitOffsetsIfNecessary(uncommittedOffsets());
        let finished: string | undefined;
        let completed = false;
        try {
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
            finished = message.offset;
            if (pacer.due()) {
              resolveOffset(finished);
              await pacer.checkIn(commitIfDue);
              await heartbeat();
            }
          }
          completed = true;
        } finally {
          if (finished !== undefined) resolveOffset(finished);
          // What the batch finished is committed now, or right after the commit in flight. When the batch
          // ends early (stop, rebalance, failure) or the worker is stopping, that commit lands before
          // kafkajs leaves or rejoins the group.
          pacer.request(commitAll);
          if (!completed || !isRunning() || pacer.stopping) await pacer.idle();
        }
      },
    });
    return { stop: () => this.#stopConsumer(consumer) };
  }

  /** Lets the commits in flight land, then stops the consumer (its current batch finishes and is committed) and leaves the group. */
  async #stopConsumer(consumer: Consumer): Promise<void> {
    const pacer = this.#consumers.get(consumer);
    if (!pacer) return;
    pacer.stopping = true;
    await pacer.idle();
    pacer.retryFailed();
    await pacer.idle();
    await consumer.disconnect();
    this.#consumers.delete(consumer);
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

  /**
   * End offset minus the group's committed offset per partition: what this process committed, else
   * what the broker holds for the group, else (no commit yet) counted from the partition's low offset.
   */
  async lag(groupId: string, topic: string): Promise<PartitionLag[]> {
    const admin = await this.#adminClient();
    const ends = await admin.fetchTopicOffsets(topic);
    const offsets = new Map(this.#committed.get(`${groupId}\n${topic}`));
    if (ends.some(({ partition }) => !offsets.has(partition))) {
      // kafkajs' admin can be answered NOT_COORDINATOR for a group a consumer of this process is in: then count from the low offset.
      const stored = await admin.fetchOffsets({ groupId, topics: [topic] }).catch(() => []);
      for (const { partition, offset } of stored[0]?.partitions ?? []) if (!offsets.has(partition)) offsets.set(partition, offset);
    }
    return ends.map(({ partition, high, low }) => {
      const offset = offsets.get(partition);
      const from = offset === undefined || offset === '-1' ? BigInt(low) : BigInt(offset);
      const lag = BigInt(high) - from;
      return { partition, lag: Number(lag > 0n ? lag : 0n) };
    });
  }

  async disconnect(): Promise<void> {
    await Promise.all([...this.#consumers.keys()].map((consumer) => this.#stopConsumer(consumer)));
    const senders = await Promise.allSettled(this.#senders.values());
    await Promise.all(senders.map((entry) => (entry.status === 'fulfilled' ? entry.value.disconnect() : Promise.resolve())));
    this.#senders.clear();
    this.#readySenders.clear();
    if (this.#admin) await (await this.#admin).disconnect();
    this.#admin = undefined;
  }

  #sharingKey(options: SendOptions): string {
    let key = this.#sharingKeys.get(options);
    if (key === undefined) {
      key = JSON.stringify(options, Object.keys(options).sort());
      this.#sharingKeys.set(options, key);
    }
    return key;
  }

  /** Events whose producer settings agree share one kafkajs producer. */
  #senderFor(options: SendOptions) {
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
              await sender.send([
                { topic, key: message.key?.toString('utf8') ?? null, value: message.value ?? Buffer.alloc(0), headers: strip(headers) },
              ]);
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
