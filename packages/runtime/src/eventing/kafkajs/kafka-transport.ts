// The only modules that import the Kafka client are this folder's: swap it here and nothing else changes.
import { Kafka, logLevel, type Admin, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { HeaderMap } from '../headers.ts';
import type {
  BatchListener,
  ConsumerSettings,
  Dispatch,
  MessageListener,
  OutgoingMessage,
  PartitionLag,
  RunningConsumer,
  SendOptions,
  Transport,
  TransportReadiness,
} from '../transport.ts';
import { ConsumerLoop } from './consumer-loop.ts';
import { replayDeadLetters } from './dead-letter-replay.ts';
import { kafkaLogCreator } from './kafka-logging.ts';
import { CommittedOffsets } from '../kafka/committed-offsets.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
import { ProducerPool } from './producer-pool.ts';
import { TopicStates } from './topic-states.ts';
import { WriteReadiness } from '../kafka/write-readiness.ts';

export type { KafkaSettings } from '../kafka/kafka-settings.ts';

/** The Kafka transport: a pool of producers, one consumer loop per subscription, an admin client for topics, readiness and lag. */
export class KafkaTransport implements Transport {
  readonly kind = 'kafka';
  readonly #kafka: Kafka;
  readonly #settings: KafkaSettings;
  readonly #logger: Logger;
  readonly #producers: ProducerPool;
  readonly #consumers = new Set<ConsumerLoop>();
  #admin?: Promise<Admin>;
  /** Offsets this process committed (what the lag is measured from). */
  readonly #committed = new CommittedOffsets();
  readonly #topicStates: TopicStates;
  readonly #readiness: WriteReadiness;

  constructor(settings: KafkaSettings, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger.child({ component: 'kafka' });
    const config: KafkaConfig = {
      clientId: settings.clientId,
      brokers: [...settings.brokers],
      ssl: settings.ssl,
      ...(settings.sasl ? { sasl: settings.sasl as SASLOptions } : {}),
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(this.#logger),
    };
    this.#kafka = new Kafka(config);
    this.#producers = new ProducerPool(this.#kafka, settings.producer, async (topic) => {
      const { topics } = await (await this.#adminClient()).fetchTopicMetadata({ topics: [topic] });
      return topics[0]?.partitions ?? [];
    });
    this.#topicStates = new TopicStates(config);
    this.#readiness = new WriteReadiness(settings, (topics) => this.#topicStates.describe(topics), this.#logger);
  }

  async connect(): Promise<void> {
    await this.#producers.senderFor({});
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
    return this.#producers.send(messages, options);
  }

  consume(settings: ConsumerSettings, listener: MessageListener): Promise<RunningConsumer> {
    return this.#run(settings, { kind: 'message', listener });
  }

  consumeBatches(settings: ConsumerSettings, listener: BatchListener): Promise<RunningConsumer> {
    return this.#run(settings, { kind: 'batch', listener });
  }

  async #run(settings: ConsumerSettings, dispatch: Dispatch): Promise<RunningConsumer> {
    const loop = await ConsumerLoop.start(this.#kafka, this.#settings.consumer, settings, dispatch, this.#logger, this.#committed.record);
    this.#consumers.add(loop);
    return {
      stop: async () => {
        await loop.stop();
        this.#consumers.delete(loop);
      },
    };
  }

  /** See ../kafka/write-readiness.ts. */
  isReady(topics: readonly string[]): Promise<TransportReadiness> {
    return this.#readiness.check(topics);
  }

  /**
   * End offset minus the group's committed offset per partition: what this process committed, else
   * what the broker holds for the group, else (no commit yet) counted from the partition's low offset.
   */
  async lag(groupId: string, topic: string): Promise<PartitionLag[]> {
    const admin = await this.#adminClient();
    const ends = await admin.fetchTopicOffsets(topic);
    const offsets = this.#committed.of(groupId, topic);
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
    await Promise.all([...this.#consumers].map((loop) => loop.stop()));
    this.#consumers.clear();
    await this.#producers.disconnect();
    if (this.#admin) await (await this.#admin).disconnect();
    this.#admin = undefined;
    await this.#topicStates.close();
  }

  /** See dead-letter-replay.ts. */
  async replay(deadLetterTopic: string, groupId: string, strip: (headers: HeaderMap) => HeaderMap): Promise<number> {
    const { sender } = await this.#producers.senderFor({});
    return replayDeadLetters(this.#kafka, await this.#adminClient(), sender, deadLetterTopic, groupId, strip);
  }

  #adminClient(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.#kafka.admin();
      this.#admin = admin.connect().then(() => admin);
      this.#admin.catch(() => (this.#admin = undefined));
    }
    return this.#admin;
  }
}
