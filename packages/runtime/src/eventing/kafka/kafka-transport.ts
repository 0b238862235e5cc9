// The Kafka transport, whichever the client: what it does is here once; what differs per client is its
// KafkaClient adapter, in the client's own folder (../kafkajs/, ../platformatic/), the only modules that import it.
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
import { CommittedOffsets, type CommitListener } from './committed-offsets.ts';
import type { KafkaSettings } from './kafka-settings.ts';
import { SenderPool, type MessageSender, type PooledSender } from './sender-pool.ts';
import { WriteReadiness, type ClusterState } from './write-readiness.ts';

/** A partition's low (first kept) and high (next to be written) offset. */
export interface PartitionOffsets {
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
}

/** What the transport needs of a Kafka client: each client's adapter implements it in its own folder. */
export interface KafkaClient {
  /** Producers behind one batching sender for events with these producer settings; connected when it resolves. */
  createSender(options: SendOptions): Promise<PooledSender>;
  /** Starts one subscription's consumer: it commits only finished offsets, telling `onCommit` of each commit. */
  startConsumer(settings: ConsumerSettings, dispatch: Dispatch, onCommit: CommitListener): Promise<RunningConsumer>;
  listTopics(): Promise<string[]>;
  /** Creates the topics (broker defaults) and resolves once their partitions have leaders. */
  createTopics(topics: readonly string[]): Promise<void>;
  /** What readiness reads from the cluster (see write-readiness.ts). */
  describeTopics(topics: readonly string[]): Promise<ClusterState>;
  /** Each partition of `topic` with its low and high offset, in the order lag reports them. */
  partitionOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** The offsets the broker holds for `groupId` in `topic`, by partition ('-1': none). */
  groupOffsets(groupId: string, topic: string): Promise<ReadonlyMap<number, string>>;
  /** Copies a dead-letter topic back into the topics its messages came from (see the client's dead-letter-replay.ts). */
  replay(sender: MessageSender, deadLetterTopic: string, groupId: string, strip: (headers: HeaderMap) => HeaderMap): Promise<number>;
  /** Closes the admin clients; called after every consumer and producer is closed. */
  close(): Promise<void>;
}

/**
 * The Kafka transport: a pool of producers, one consumer per subscription, readiness and lag, over a
 * client's adapter (`client` makes it, given the settings and the transport's logger). Each client's
 * entry point exports a KafkaTransport that binds its adapter.
 */
export class KafkaTransportBase implements Transport {
  readonly kind = 'kafka';
  readonly #client: KafkaClient;
  readonly #producers: SenderPool;
  readonly #consumers = new Set<RunningConsumer>();
  /** Offsets this process committed (what the lag is measured from). */
  readonly #committed = new CommittedOffsets();
  readonly #readiness: WriteReadiness;
  readonly #logger: Logger;

  constructor(settings: KafkaSettings, logger: Logger, client: (settings: KafkaSettings, logger: Logger) => KafkaClient) {
    this.#logger = logger.child({ component: 'kafka' });
    this.#client = client(settings, this.#logger);
    this.#producers = new SenderPool((options) => this.#client.createSender(options));
    this.#readiness = new WriteReadiness(settings, (topics) => this.#client.describeTopics(topics), this.#logger);
  }

  async connect(): Promise<void> {
    await this.#producers.senderFor({});
  }

  async missingTopics(topics: readonly string[]): Promise<string[]> {
    const existing = new Set(await this.#client.listTopics());
    return [...new Set(topics)].filter((topic) => !existing.has(topic));
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = await this.missingTopics(topics);
    if (missing.length === 0) return;
    await this.#client.createTopics(missing);
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
    const consumer = await this.#client.startConsumer(settings, dispatch, this.#committed.record);
    this.#consumers.add(consumer);
    return {
      stop: async () => {
        await consumer.stop();
        this.#consumers.delete(consumer);
      },
    };
  }

  /** See write-readiness.ts. */
  isReady(topics: readonly string[]): Promise<TransportReadiness> {
    return this.#readiness.check(topics);
  }

  /**
   * End offset minus the group's committed offset per partition: what this process committed, else
   * what the broker holds for the group, else (no commit yet) counted from the partition's low offset.
   */
  async lag(groupId: string, topic: string): Promise<PartitionLag[]> {
    const partitions = await this.#client.partitionOffsets(topic);
    const offsets = this.#committed.of(groupId, topic);
    if (partitions.some(({ partition }) => !offsets.has(partition))) {
      // The broker may not tell (kafkajs' admin can be answered NOT_COORDINATOR for a group a consumer of
      // this process is in): then those partitions count from the low offset.
      const stored = await this.#client.groupOffsets(groupId, topic).catch(() => new Map<number, string>());
      for (const [partition, offset] of stored) if (!offsets.has(partition)) offsets.set(partition, offset);
    }
    return partitions.map(({ partition, low, high }) => {
      const offset = offsets.get(partition);
      const from = offset === undefined || offset === '-1' ? low : BigInt(offset);
      const lag = high - from;
      return { partition, lag: Number(lag > 0n ? lag : 0n) };
    });
  }

  /** Stops the consumers (each drains and commits), then closes the producers, then the admin clients. */
  async disconnect(): Promise<void> {
    await Promise.all([...this.#consumers].map((consumer) => consumer.stop()));
    this.#consumers.clear();
    await this.#producers.disconnect();
    await this.#client.close();
  }

  /**
   * Copies every message of a dead-letter topic, up to its end when called, back into the topic it
   * came from, without the headers `strip` removes (dead-letter.ts: originalHeaders). Progress is kept
   * in the consumer group `groupId`, so a second run copies only what arrived since.
   */
  async replay(deadLetterTopic: string, groupId: string, strip: (headers: HeaderMap) => HeaderMap): Promise<number> {
    const { sender } = await this.#producers.senderFor({});
    return this.#client.replay(sender, deadLetterTopic, groupId, strip);
  }
}
