// The only modules that import the Kafka client are this folder's: swap it here and nothing else changes.
import { Kafka, logLevel, type Admin, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
import { KafkaTransportBase, type KafkaClient } from '../kafka/kafka-transport.ts';
import { ConsumerLoop } from './consumer-loop.ts';
import { replayDeadLetters } from './dead-letter-replay.ts';
import { kafkaLogCreator } from './kafka-logging.ts';
import { Partitioning } from './partitioning.ts';
import { createSender } from './producer-pool.ts';
import { TopicStates } from './topic-states.ts';

/** The Kafka transport (../kafka/kafka-transport.ts) on kafkajs. */
export class KafkaTransport extends KafkaTransportBase {
  constructor(settings: KafkaSettings, logger: Logger) {
    super(settings, logger, kafkajsClient);
  }
}

/** kafkajs behind the transport: producers, a consumer loop per subscription, an admin client for topics and lag; readiness reads with a client of its own (TopicStates). */
function kafkajsClient(settings: KafkaSettings, logger: Logger): KafkaClient {
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
  const kafka = new Kafka(config);
  let admin: Promise<Admin> | undefined;
  const adminClient = (): Promise<Admin> => {
    if (!admin) {
      const created = kafka.admin();
      admin = created.connect().then(() => created);
      admin.catch(() => (admin = undefined));
    }
    return admin;
  };
  // Every sender's partitions, chosen before kafkajs sees a message (see partitioning.ts).
  const partitioning = new Partitioning(async (topic) => {
    const { topics } = await (await adminClient()).fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions ?? [];
  });
  const topicStates = new TopicStates(config);
  return {
    createSender: (options) => createSender(kafka, settings.producer, options, partitioning),
    startConsumer: (consumer, dispatch, onCommit) => ConsumerLoop.start(kafka, settings.consumer, consumer, dispatch, logger, onCommit),
    listTopics: async () => (await adminClient()).listTopics(),
    createTopics: async (topics) => {
      await (await adminClient()).createTopics({ topics: topics.map((topic) => ({ topic })), waitForLeaders: true });
    },
    describeTopics: (topics) => topicStates.describe(topics),
    partitionOffsets: async (topic) => {
      const ends = await (await adminClient()).fetchTopicOffsets(topic);
      return ends.map(({ partition, low, high }) => ({ partition, low: BigInt(low), high: BigInt(high) }));
    },
    groupOffsets: async (groupId, topic) => {
      const stored = await (await adminClient()).fetchOffsets({ groupId, topics: [topic] });
      return new Map((stored[0]?.partitions ?? []).map(({ partition, offset }) => [partition, offset]));
    },
    replay: async (sender, deadLetterTopic, groupId, strip) => replayDeadLetters(kafka, await adminClient(), sender, deadLetterTopic, groupId, strip),
    close: async () => {
      if (admin) await (await admin).disconnect();
      admin = undefined;
      await topicStates.close();
    },
  };
}
