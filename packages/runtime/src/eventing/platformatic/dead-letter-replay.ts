import { Consumer, type Admin } from '@platformatic/kafka';
import { partitionsToReplay, replayedMessage } from '../dead-letter.ts';
import type { HeaderMap } from '../headers.ts';
import type { MessageSender } from '../kafka/sender-pool.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
import { headerMap } from './kafka-headers.ts';
import { connectionOptions } from './producer-pool.ts';

const EARLIEST = -2n;
const LATEST = -1n;

/** Per partition of `topic`: its low (first kept) and high (next to be written) offsets. */
export async function endOffsets(admin: Admin, topic: string): Promise<{ low: Map<number, bigint>; high: Map<number, bigint> }> {
  const metadata = await admin.metadata({ topics: [topic] });
  const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
  const list = async (timestamp: bigint) => {
    const partitions = Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp }));
    const listed = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
    return new Map(listed.flatMap((entry) => entry.partitions.map((partition) => [partition.partitionIndex, partition.offset] as const)));
  };
  const [low, high] = await Promise.all([list(EARLIEST), list(LATEST)]);
  return { low, high };
}

/** The transport's replay (../kafka/kafka-transport.ts) with @platformatic/kafka: a consumer of the group `groupId` reads the dead-letter topic up to its end. */
export async function replayDeadLetters(
  settings: KafkaSettings,
  admin: Admin,
  sender: MessageSender,
  deadLetterTopic: string,
  groupId: string,
  strip: (headers: HeaderMap) => HeaderMap,
): Promise<number> {
  const { low, high: ends } = await endOffsets(admin, deadLetterTopic);
  const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
  const committed = new Map(
    (group?.topics.find((topic) => topic.name === deadLetterTopic)?.partitions ?? []).map((p) => [p.partitionIndex, p.committedOffset]),
  );
  const pending = partitionsToReplay(ends, low, committed);
  if (pending.size === 0) return 0;
  let copied = 0;
  const consumer = new Consumer({ ...connectionOptions(settings), clientId: `${settings.clientId}-replay`, groupId, autocreateTopics: false });
  try {
    const stream = await consumer.consume({ topics: [deadLetterTopic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    for await (const message of stream) {
      const end = ends.get(message.partition) ?? 0n;
      if (message.offset < end) {
        await sender.send([replayedMessage(message, headerMap(message.headers), strip)]);
        await message.commit();
        copied += 1;
      }
      if (message.offset + 1n >= end) pending.delete(message.partition);
      if (pending.size === 0) break;
    }
    await stream.close();
  } finally {
    await consumer.close();
  }
  return copied;
}
