// The only modules that import the Kafka client are this folder's: swap it here and nothing else changes.
import { Admin } from '@platformatic/kafka';
import type { Logger } from '../../logger.ts';
import type { HeaderMap } from '../headers.ts';
import { CommittedOffsets } from '../kafka/committed-offsets.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
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
import { endOffsets, replayDeadLetters } from './dead-letter-replay.ts';
import { logClientEvents } from './kafka-logging.ts';
import { connectionOptions, ProducerPool } from './producer-pool.ts';
import { describeTopics } from './topic-states.ts';
import { WriteReadiness } from '../kafka/write-readiness.ts';

export type { KafkaSettings } from '../kafka/kafka-settings.ts';

/**
 * The Kafka transport on @platformatic/kafka: a pool of producers, one consumer loop per
 * subscription, an admin client for topics, readiness and lag.
 */
export class KafkaTransport implements Transport {
  readonly kind = 'kafka';
  readonly #settings: KafkaSettings;
  readonly #logger: Logger;
  readonly #producers: ProducerPool;
  readonly #consumers = new Set<ConsumerLoop>();
  #admin?: Admin;
  /** Offsets this process committed (what the lag is measured from). */
  readonly #committed = new CommittedOffsets();
  readonly #readiness: WriteReadiness;

  constructor(settings: KafkaSettings, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger.child({ component: 'kafka' });
    this.#producers = new ProducerPool(settings);
    this.#readiness = new WriteReadiness(settings, (topics) => describeTopics(this.#adminClient(), topics), this.#logger);
  }

  async connect(): Promise<void> {
    await this.#producers.senderFor({});
  }

  async missingTopics(topics: readonly string[]): Promise<string[]> {
    const existing = new Set(await this.#adminClient().listTopics());
    return [...new Set(topics)].filter((topic) => !existing.has(topic));
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = await this.missingTopics(topics);
    if (missing.length === 0) return;
    await this.#adminClient().createTopics({ topics: missing });
    await this.#leadersElected(missing);
    this.#logger.info({ topics: missing }, 'created topics');
  }

  /** Waits (at most 10 s) until every partition of `topics` has a leader: until then a produce or fetch is refused. */
  async #leadersElected(topics: readonly string[]): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const metadata = await this.#adminClient()
        .metadata({ topics: [...topics], forceUpdate: true })
        .catch(() => undefined);
      const led = (topic: string): boolean => {
        const partitions = metadata?.topics.get(topic)?.partitions ?? [];
        return partitions.length > 0 && partitions.every((partition) => partition.leader >= 0);
      };
      if (topics.every(led)) return;
      if (Date.now() > deadline) throw new Error(`created topics ${topics.join(', ')}, but their partitions have no leader after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
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
    const loop = await ConsumerLoop.start(this.#settings, settings, dispatch, this.#logger, this.#committed.record);
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
    const admin = this.#adminClient();
    const { low, high } = await endOffsets(admin, topic);
    const offsets = this.#committed.of(groupId, topic);
    if ([...high.keys()].some((partition) => !offsets.has(partition))) {
      const stored = await admin.listConsumerGroupOffsets({ groups: [groupId] }).catch(() => []);
      for (const group of stored) {
        for (const { name, partitions } of group.topics) {
          if (name !== topic) continue;
          for (const { partitionIndex, committedOffset } of partitions) {
            if (!offsets.has(partitionIndex)) offsets.set(partitionIndex, committedOffset.toString());
          }
        }
      }
    }
    return [...high]
      .sort(([a], [b]) => a - b)
      .map(([partition, end]) => {
        const offset = offsets.get(partition);
        const from = offset === undefined || offset === '-1' ? (low.get(partition) ?? 0n) : BigInt(offset);
        const lag = end - from;
        return { partition, lag: Number(lag > 0n ? lag : 0n) };
      });
  }

  async disconnect(): Promise<void> {
    await Promise.all([...this.#consumers].map((loop) => loop.stop()));
    this.#consumers.clear();
    await this.#producers.disconnect();
    await this.#admin?.close();
    this.#admin = undefined;
  }

  /** See dead-letter-replay.ts. */
  async replay(deadLetterTopic: string, groupId: string, strip: (headers: HeaderMap) => HeaderMap): Promise<number> {
    const { sender } = await this.#producers.senderFor({});
    return replayDeadLetters(this.#settings, this.#adminClient(), sender, deadLetterTopic, groupId, strip);
  }

  #adminClient(): Admin {
    if (!this.#admin) {
      this.#admin = new Admin({ ...connectionOptions(this.#settings), clientId: `${this.#settings.clientId}-admin` });
      logClientEvents(this.#admin, this.#logger);
    }
    return this.#admin;
  }
}
