// The only modules that import the Kafka client are this folder's: swap it here and nothing else changes.
import { Kafka, logLevel, type Admin, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { HeaderMap } from '../headers.ts';
import type { CommitListener } from '../kafka/committed-offsets.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
import { KafkaTransportBase, type KafkaClient, type PartitionOffsets } from '../kafka/kafka-transport.ts';
import type { MessageSender, PooledSender } from '../kafka/sender-pool.ts';
import type { ClusterState } from '../kafka/write-readiness.ts';
import type { ConsumerSettings, Dispatch, RunningConsumer, SendOptions } from '../transport.ts';
import { ConsumerLoop } from './consumer-loop.ts';
import { replayDeadLetters } from './dead-letter-replay.ts';
import { kafkaLogCreator } from './kafka-logging.ts';
import { Partitioning } from './partitioning.ts';
import { createSender } from './producer-pool.ts';
import { TopicStates } from './topic-states.ts';

/** The Kafka transport (../kafka/kafka-transport.ts) on kafkajs. */
export class KafkaTransport extends KafkaTransportBase {
  constructor(settings: KafkaSettings, logger: Logger) {
    super(settings, logger, KafkajsClient);
  }
}

/** kafkajs behind the transport: producers, a consumer loop per subscription, an admin client for topics and lag; readiness reads with a client of its own (TopicStates). */
class KafkajsClient implements KafkaClient {
  readonly #kafka: Kafka;
  readonly #settings: KafkaSettings;
  readonly #logger: Logger;
  /** Every sender's partitions, chosen before kafkajs sees a message (see partitioning.ts). */
  readonly #partitioning: Partitioning;
  readonly #topicStates: TopicStates;
  #admin?: Promise<Admin>;

  constructor(settings: KafkaSettings, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger;
    const config: KafkaConfig = {
      clientId: settings.clientId,
      brokers: [...settings.brokers],
      ssl: settings.ssl,
      ...(settings.sasl ? { sasl: settings.sasl as SASLOptions } : {}),
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(logger),
    };
    this.#kafka = new Kafka(config);
    this.#partitioning = new Partitioning(async (topic) => {
      const { topics } = await (await this.#adminClient()).fetchTopicMetadata({ topics: [topic] });
      return topics[0]?.partitions ?? [];
    });
    this.#topicStates = new TopicStates(config);
  }

  createSender(options: SendOptions): Promise<PooledSender> {
    return createSender(this.#kafka, this.#settings.producer, options, this.#partitioning);
  }

  startConsumer(settings: ConsumerSettings, dispatch: Dispatch, onCommit: CommitListener): Promise<RunningConsumer> {
    return ConsumerLoop.start(this.#kafka, this.#settings.consumer, settings, dispatch, this.#logger, onCommit);
  }

  async listTopics(): Promise<string[]> {
    return (await this.#adminClient()).listTopics();
  }

  async createTopics(topics: readonly string[]): Promise<void> {
    await (await this.#adminClient()).createTopics({ topics: topics.map((topic) => ({ topic })), waitForLeaders: true });
  }

  describeTopics(topics: readonly string[]): Promise<ClusterState> {
    return this.#topicStates.describe(topics);
  }

  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    const ends = await (await this.#adminClient()).fetchTopicOffsets(topic);
    return ends.map(({ partition, low, high }) => ({ partition, low: BigInt(low), high: BigInt(high) }));
  }

  async groupOffsets(groupId: string, topic: string): Promise<ReadonlyMap<number, string>> {
    const stored = await (await this.#adminClient()).fetchOffsets({ groupId, topics: [topic] });
    return new Map((stored[0]?.partitions ?? []).map(({ partition, offset }) => [partition, offset]));
  }

  async replay(sender: MessageSender, deadLetterTopic: string, groupId: string, strip: (headers: HeaderMap) => HeaderMap): Promise<number> {
    return replayDeadLetters(this.#kafka, await this.#adminClient(), sender, deadLetterTopic, groupId, strip);
  }

  async close(): Promise<void> {
    if (this.#admin) await (await this.#admin).disconnect();
    this.#admin = undefined;
    await this.#topicStates.close();
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
