// The only modules that import the Kafka client are this folder's: swap it here and nothing else changes.
import { Admin } from '@platformatic/kafka';
import type { Logger } from '../../logger.ts';
import type { HeaderMap } from '../headers.ts';
import type { CommitListener } from '../kafka/committed-offsets.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
import { KafkaTransportBase, type KafkaClient, type PartitionOffsets } from '../kafka/kafka-transport.ts';
import type { MessageSender, PooledSender } from '../kafka/sender-pool.ts';
import type { ClusterState } from '../kafka/write-readiness.ts';
import type { ConsumerSettings, Dispatch, RunningConsumer, SendOptions } from '../transport.ts';
import { ConsumerLoop } from './consumer-loop.ts';
import { endOffsets, replayDeadLetters } from './dead-letter-replay.ts';
import { logClientEvents } from './kafka-logging.ts';
import { connectionOptions, createSender } from './producer-pool.ts';
import { describeTopics } from './topic-states.ts';

/** The Kafka transport (../kafka/kafka-transport.ts) on @platformatic/kafka. */
export class KafkaTransport extends KafkaTransportBase {
  constructor(settings: KafkaSettings, logger: Logger) {
    super(settings, logger, PlatformaticClient);
  }
}

/** @platformatic/kafka behind the transport: producers, a consumer loop per subscription, an admin client for topics, readiness and lag. */
class PlatformaticClient implements KafkaClient {
  readonly #settings: KafkaSettings;
  readonly #logger: Logger;
  #admin?: Admin;

  constructor(settings: KafkaSettings, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger;
  }

  createSender(options: SendOptions): Promise<PooledSender> {
    return createSender(this.#settings, options);
  }

  startConsumer(settings: ConsumerSettings, dispatch: Dispatch, onCommit: CommitListener): Promise<RunningConsumer> {
    return ConsumerLoop.start(this.#settings, settings, dispatch, this.#logger, onCommit);
  }

  listTopics(): Promise<string[]> {
    return this.#adminClient().listTopics();
  }

  async createTopics(topics: readonly string[]): Promise<void> {
    await this.#adminClient().createTopics({ topics: [...topics] });
    await this.#leadersElected(topics);
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

  describeTopics(topics: readonly string[]): Promise<ClusterState> {
    return describeTopics(this.#adminClient(), topics);
  }

  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    const { low, high } = await endOffsets(this.#adminClient(), topic);
    return [...high].sort(([a], [b]) => a - b).map(([partition, end]) => ({ partition, low: low.get(partition) ?? 0n, high: end }));
  }

  async groupOffsets(groupId: string, topic: string): Promise<ReadonlyMap<number, string>> {
    const offsets = new Map<number, string>();
    for (const group of await this.#adminClient().listConsumerGroupOffsets({ groups: [groupId] })) {
      for (const { name, partitions } of group.topics) {
        if (name !== topic) continue;
        for (const { partitionIndex, committedOffset } of partitions) {
          if (!offsets.has(partitionIndex)) offsets.set(partitionIndex, committedOffset.toString());
        }
      }
    }
    return offsets;
  }

  replay(sender: MessageSender, deadLetterTopic: string, groupId: string, strip: (headers: HeaderMap) => HeaderMap): Promise<number> {
    return replayDeadLetters(this.#settings, this.#adminClient(), sender, deadLetterTopic, groupId, strip);
  }

  async close(): Promise<void> {
    await this.#admin?.close();
    this.#admin = undefined;
  }

  #adminClient(): Admin {
    if (!this.#admin) {
      this.#admin = new Admin({ ...connectionOptions(this.#settings), clientId: `${this.#settings.clientId}-admin` });
      logClientEvents(this.#admin, this.#logger);
    }
    return this.#admin;
  }
}
