/** Reading topics and the registry from tests, with clients independent of the generated code. */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { Kafka, logLevel, type IHeaders, type Message } from 'kafkajs';
import type { KafkaStack } from './stack.js';

export interface TopicMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export function kafkaClient(stack: KafkaStack): Kafka {
  return new Kafka({ clientId: 'tests', brokers: stack.brokers.split(','), logLevel: logLevel.NOTHING });
}

/** A registry client of the tests' own; JSON Schema formats (uuid, date-time) need ajv-formats. */
export function registryClient(stack: KafkaStack): SchemaRegistry {
  const ajvInstance = new Ajv({ strict: false });
  addFormats.default(ajvInstance);
  return new SchemaRegistry({ host: stack.registryUrl }, { [SchemaType.JSON]: { ajvInstance } });
}

/** Writes messages with a producer of the tests' own (connected for this call only). */
export async function produce(stack: KafkaStack, topic: string, messages: Message[]): Promise<void> {
  const producer = kafkaClient(stack).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Total number of messages ever written to a topic (sum of the partitions' end offsets). */
export async function topicSize(stack: KafkaStack, topic: string): Promise<number> {
  const admin = kafkaClient(stack).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Reads every message of a topic, from the start up to its end when called. */
/** The offsets a consumer group has committed on `topic`, summed over its partitions (a partition without a commit counts 0). */
export async function committedCount(stack: KafkaStack, groupId: string, topic: string): Promise<number> {
  const admin = kafkaClient(stack).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function readTopic(stack: KafkaStack, topic: string): Promise<TopicMessage[]> {
  const kafka = kafkaClient(stack);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const total = [...ends.values()].reduce((sum, end) => sum + end, 0);
  const messages: TopicMessage[] = [];
  if (total === 0) return messages;
  const consumer = kafka.consumer({ groupId: `tests-${topic}-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${total} messages of ${topic}`)), 60_000);
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          messages.push({
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            value: message.value,
            headers: headerMap(message.headers),
          });
          if (messages.length >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return messages;
}

export function headerMap(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));
}

export async function registryGet(stack: KafkaStack, path: string): Promise<unknown> {
  const response = await fetch(`${stack.registryUrl}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return response.json();
}
