import { compatibilityPartitioner, Producer, type BaseOptions, type MessageToProduce, type Partitioner } from '@platformatic/kafka';
import { BatchingSender, type ProduceRequest } from '../kafka/batching-sender.ts';
import { withTimeout } from '../kafka/committed-offsets.ts';
import type { PooledSender } from '../kafka/sender-pool.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
import type { OutgoingMessage, SendOptions } from '../transport.ts';
import { headerBuffers } from './kafka-headers.ts';

const SASL_MECHANISMS = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;

/** What every client of the transport (producers, consumers, admin) is given: brokers, TLS, SASL and time limits. */
export function connectionOptions(settings: KafkaSettings): BaseOptions {
  return {
    clientId: settings.clientId,
    bootstrapBrokers: [...settings.brokers],
    connectTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    ...(settings.ssl ? { tls: {} } : {}),
    ...(settings.sasl
      ? { sasl: { mechanism: SASL_MECHANISMS[settings.sasl.mechanism], username: settings.sasl.username, password: settings.sasl.password } }
      : {}),
  };
}

/**
 * Java-compatible partitioning: a keyed message goes where murmur2 (masked positive, as Java, kafkajs'
 * DefaultPartitioner and librdkafka's murmur2_random put it); keyless ones go round the partitions.
 */
function javaCompatiblePartitioner(): Partitioner<Buffer, Buffer, Buffer, Buffer> {
  const next = new Map<string, number>();
  return (message, key) => {
    if (key) return compatibilityPartitioner(message, key);
    const counter = next.get(message.topic) ?? 0;
    next.set(message.topic, counter + 1);
    return counter;
  };
}

function toProduce({ topic, key, value, headers }: OutgoingMessage): MessageToProduce<Buffer, Buffer, Buffer, Buffer> {
  return { topic, value, headers: headerBuffers(headers), ...(key === null ? {} : { key: Buffer.from(key) }) };
}

/**
 * The @platformatic/kafka producer of the events whose producer settings (SendOptions) agree, behind
 * its batching sender (the transport pools them: ../kafka/sender-pool.ts; the dead-letter lane gets its
 * own). Acks come from config (all by default; the client's own default is 1) and the idempotent
 * producer is on unless config turns it off.
 */
export async function createSender(kafkaSettings: KafkaSettings, options: SendOptions): Promise<PooledSender> {
  const settings = kafkaSettings.producer;
  const create = () =>
    new Producer({
      ...connectionOptions(kafkaSettings),
      idempotent: settings.idempotent,
      acks: settings.acks,
      retries: settings.retries,
      compression: options.compression === 'gzip' ? 'gzip' : 'none',
      partitioner: javaCompatiblePartitioner(),
      autocreateTopics: false,
    });
  const sendTimeoutMs = options.sendTimeoutMs ?? settings.sendTimeoutMs;
  let producer = create();
  // Connects now, so that a broker that cannot be reached fails the start, as with kafkajs.
  await producer.metadata({ topics: [] });
  const sendBatch = async ({ topicMessages }: ProduceRequest): Promise<void> => {
    const sending = producer;
    try {
      await withTimeout(sending.send({ messages: topicMessages.flatMap(({ messages }) => messages.map(toProduce)) }), sendTimeoutMs);
    } catch (error) {
      // A request that failed or hangs (a broker outage) leaves the producer's connections and the
      // idempotent producer's sequence numbers in doubt: the next request goes through a new producer.
      if (producer === sending) {
        producer = create();
        void sending.close(true).catch(() => undefined);
      }
      throw error;
    }
  };
  const sender = new BatchingSender({ sendBatch }, { sendTimeoutMs });
  return { sender, disconnect: () => producer.close() };
}
