import { Partitioners, type PartitionMetadata } from 'kafkajs';
import type { OutgoingMessage } from '../transport.ts';

/** A message with the partition it goes to, chosen before it is handed to kafkajs. */
export interface PartitionedMessage extends OutgoingMessage {
  readonly partition: number;
}

/** A topic's partitions as the admin client describes them (throws for a topic that does not exist). */
export type TopicMetadataSource = (topic: string) => Promise<readonly PartitionMetadata[]>;

/** How long a topic's partition list is used before it is read again: kafkajs' own metadataMaxAge. */
const METADATA_MAX_AGE_MS = 5 * 60_000;

interface KnownTopic {
  /** Sorted by id; handed to kafkajs' partitioner as is (it only reads it). */
  readonly partitions: PartitionMetadata[];
  /** The lane key of each partition (`topic` NUL `partition`), made once. */
  readonly lanes: readonly string[];
  readonly readAt: number;
}

/**
 * Chooses each message's partition before kafkajs sees it, with kafkajs' own DefaultPartitioner
 * (Java-compatible murmur2 of the key; round robin over the partitions that have a leader for a
 * message without one), from the topic's partition list, read once and again every 5 minutes.
 *
 * Why: kafkajs 2.2.4 can resolve a send whose messages were never written. A request spanning
 * partitions led by several brokers is retried only towards the brokers that have not answered
 * yet; a partition whose leadership moved to a broker that already answered is dropped from the
 * retry while the send resolves (tulios/kafkajs#1303). It also winds back the sequence numbers of
 * every partition of a failed broker request. The producer pool therefore hands kafkajs requests
 * of one partition each, which needs the partition known first.
 */
export class Partitioning {
  readonly #partitioner = Partitioners.DefaultPartitioner();
  readonly #describe: TopicMetadataSource;
  readonly #topics = new Map<string, KnownTopic>();
  readonly #reading = new Map<string, Promise<KnownTopic>>();

  constructor(describe: TopicMetadataSource) {
    this.#describe = describe;
  }

  /** The messages with their partitions: at once when every topic is known, else once the unknown ones were read. */
  assign(messages: readonly OutgoingMessage[]): PartitionedMessage[] | Promise<PartitionedMessage[]> {
    let unknown: Set<string> | undefined;
    const now = Date.now();
    for (const { topic } of messages) {
      const known = this.#topics.get(topic);
      if (!known) (unknown ??= new Set()).add(topic);
      else if (now - known.readAt > METADATA_MAX_AGE_MS) void this.#read(topic).catch(() => undefined);
    }
    if (!unknown) return this.#assignKnown(messages);
    return Promise.all([...unknown].map((topic) => this.#read(topic))).then(() => this.#assignKnown(messages));
  }

  /** The lane of a message: its topic and partition. */
  readonly laneOf = (message: PartitionedMessage): string =>
    this.#topics.get(message.topic)?.lanes[message.partition] ?? `${message.topic}\u0000${message.partition}`;

  #assignKnown(messages: readonly OutgoingMessage[]): PartitionedMessage[] {
    return messages.map((message) => {
      const known = this.#topics.get(message.topic);
      if (!known) throw new Error(`no partitions known for topic ${message.topic}`);
      return { ...message, partition: this.#partitioner({ topic: message.topic, partitionMetadata: known.partitions, message }) };
    });
  }

  /** Reads a topic's partitions (one read at a time per topic); a failed re-read keeps what was known. */
  #read(topic: string): Promise<KnownTopic> {
    let reading = this.#reading.get(topic);
    if (!reading) {
      reading = this.#describe(topic)
        .then((partitions) => {
          if (partitions.length === 0) throw new Error(`topic ${topic} has no partitions`);
          const sorted = [...partitions].sort((a, b) => a.partitionId - b.partitionId);
          const known: KnownTopic = { partitions: sorted, lanes: sorted.map((p) => `${topic}\u0000${p.partitionId}`), readAt: Date.now() };
          this.#topics.set(topic, known);
          return known;
        })
        .finally(() => this.#reading.delete(topic));
      this.#reading.set(topic, reading);
    }
    return reading;
  }
}
