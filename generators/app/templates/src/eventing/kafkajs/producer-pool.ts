// <%- generatedHeader %>
import { CompressionTypes, Partitioners, type Kafka } from 'kafkajs';
import type { SendOptions } from '../transport.ts';
import { BatchingSender } from '../kafka/batching-sender.ts';
import { SenderPool, type PooledSender } from '../kafka/sender-pool.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';

/**
 * The service's kafkajs producers: events whose producer settings (SendOptions) agree share one
 * producer and its batching sender (see SenderPool).
 */
export class ProducerPool extends SenderPool {
  constructor(kafka: Kafka, settings: KafkaSettings['producer']) {
    super((options) => createSender(kafka, settings, options));
  }
}

async function createSender(kafka: Kafka, settings: KafkaSettings['producer'], options: SendOptions): Promise<PooledSender> {
  const producer = kafka.producer({
    // Java-compatible murmur2 partitioning: the same key lands on the same partition as with other clients.
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: settings.idempotent,
    maxInFlightRequests: settings.idempotent ? 1 : undefined,
    allowAutoTopicCreation: false,
    retry: { retries: settings.retries },
  });
  await producer.connect();
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  const sender = new BatchingSender(
    { sendBatch: ({ topicMessages }) => producer.sendBatch({ topicMessages, acks: settings.acks, compression }) },
    { sendTimeoutMs: options.sendTimeoutMs ?? settings.sendTimeoutMs },
  );
  return { sender, disconnect: () => producer.disconnect() };
}
