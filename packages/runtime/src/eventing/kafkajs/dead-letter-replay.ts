import type { Admin, Kafka } from 'kafkajs';
import type { HeaderMap } from '../headers.ts';
import type { MessageSender } from '../kafka/sender-pool.ts';
import { headerMap } from './kafka-headers.ts';

/**
 * Copies every message of a dead-letter topic, up to its end when called, back into the topic it
 * came from, without the dead-letter headers. Progress is kept in its own consumer group, so a
 * second run copies only what arrived since.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  admin: Admin,
  sender: MessageSender,
  deadLetterTopic: string,
  groupId: string,
  strip: (headers: HeaderMap) => HeaderMap,
): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(deadLetterTopic);
  const ends = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
  // A partition without a commit of the replay group starts at its first kept record (older ones expired).
  const lows = new Map(offsets.map((p) => [p.partition, BigInt(p.low)]));
  const committed = await admin.fetchOffsets({ groupId, topics: [deadLetterTopic] });
  const pending = new Set<number>();
  for (const partition of committed[0]?.partitions ?? []) {
    const start = partition.offset === '-1' ? (lows.get(partition.partition) ?? 0n) : BigInt(partition.offset);
    if (start < (ends.get(partition.partition) ?? 0n)) pending.add(partition.partition);
  }
  if (pending.size === 0) return 0;
  let copied = 0;
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [deadLetterTopic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          const end = ends.get(partition) ?? 0n;
          if (BigInt(message.offset) < end) {
            const headers = headerMap(message.headers);
            const topic = headers['dead-letter-original-topic'];
            if (!topic) throw new Error(`dead-letter message at offset ${message.offset} has no original topic header`);
            await sender.send([
              { topic, key: message.key?.toString('utf8') ?? null, value: message.value ?? Buffer.alloc(0), headers: strip(headers) },
            ]);
            copied += 1;
          }
          if (BigInt(message.offset) + 1n >= end) {
            pending.delete(partition);
            if (pending.size === 0) setImmediate(resolve);
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return copied;
}
