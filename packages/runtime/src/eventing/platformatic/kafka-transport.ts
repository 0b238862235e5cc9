// The only modules that import the Kafka client are this folder's: swap it here and nothing else changes.
import { Admin } from '@platformatic/kafka';
import type { Logger } from '../../logger.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
import { KafkaTransportBase, type KafkaClient } from '../kafka/kafka-transport.ts';
import { ConsumerLoop } from './consumer-loop.ts';
import { endOffsets, replayDeadLetters } from './dead-letter-replay.ts';
import { logClientEvents } from './kafka-logging.ts';
import { connectionOptions, createSender } from './producer-pool.ts';
import { describeTopics } from './topic-states.ts';

/** The Kafka transport (../kafka/kafka-transport.ts) on @platformatic/kafka. */
export class KafkaTransport extends KafkaTransportBase {
  constructor(settings: KafkaSettings, logger: Logger) {
    super(settings, logger, platformaticClient);
  }
}

/** @platformatic/kafka behind the transport: producers, a consumer loop per subscription, an admin client for topics, readiness and lag. */
function platformaticClient(settings: KafkaSettings, logger: Logger): KafkaClient {
  let admin: Admin | undefined;
  const adminClient = (): Admin => {
    if (!admin) {
      admin = new Admin({ ...connectionOptions(settings), clientId: `${settings.clientId}-admin` });
      logClientEvents(admin, logger);
    }
    return admin;
  };
  /** Waits (at most 10 s) until every partition of `topics` has a leader: until then a produce or fetch is refused. */
  const leadersElected = async (topics: readonly string[]): Promise<void> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const metadata = await adminClient()
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
  };
  return {
    createSender: (options) => createSender(settings, options),
    startConsumer: (consumer, dispatch, onCommit) => ConsumerLoop.start(settings, consumer, dispatch, logger, onCommit),
    listTopics: () => adminClient().listTopics(),
    createTopics: async (topics) => {
      await adminClient().createTopics({ topics: [...topics] });
      await leadersElected(topics);
    },
    describeTopics: (topics) => describeTopics(adminClient(), topics),
    partitionOffsets: async (topic) => {
      const { low, high } = await endOffsets(adminClient(), topic);
      return [...high].sort(([a], [b]) => a - b).map(([partition, end]) => ({ partition, low: low.get(partition) ?? 0n, high: end }));
    },
    groupOffsets: async (groupId, topic) => {
      const offsets = new Map<number, string>();
      for (const group of await adminClient().listConsumerGroupOffsets({ groups: [groupId] })) {
        for (const { name, partitions } of group.topics) {
          if (name !== topic) continue;
          for (const { partitionIndex, committedOffset } of partitions) {
            if (!offsets.has(partitionIndex)) offsets.set(partitionIndex, committedOffset.toString());
          }
        }
      }
      return offsets;
    },
    replay: (sender, deadLetterTopic, groupId, strip) => replayDeadLetters(settings, adminClient(), sender, deadLetterTopic, groupId, strip),
    close: async () => {
      await admin?.close();
      admin = undefined;
    },
  };
}
