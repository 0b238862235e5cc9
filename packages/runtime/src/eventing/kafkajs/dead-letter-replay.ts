import type { Admin, Kafka } from 'kafkajs';
import { partitionsToReplay, replayedMessage } from '../dead-letter.ts';
import type { HeaderMap } from '../headers.ts';
import type { MessageSender } from '../kafka/sender-pool.ts';
import { headerMap } from './kafka-headers.ts';

/** The transport's replay (../kafka/kafka-transport.ts) with kafkajs: a consumer of the group `groupId` reads the dead-letter topic up to its end. */
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
  const lows = new Map(offsets.map((p) => [p.partition, BigInt(p.low)]));
  const [committed] = await admin.fetchOffsets({ groupId, topics: [deadLetterTopic] });
  const pending = partitionsToReplay(ends, lows, new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)])));
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
            await sender.send([replayedMessage(message, headerMap(message.headers), strip)]);
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
