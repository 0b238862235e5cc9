import { CompressionTypes, Partitioners, type Kafka, type Producer, type RetryOptions } from 'kafkajs';
import type { SendOptions } from '../transport.ts';
import { BatchingSender, type ProduceRequest } from '../kafka/batching-sender.ts';
import type { PooledSender } from '../kafka/sender-pool.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
import type { Partitioning, PartitionedMessage } from './partitioning.ts';

/** kafkajs producers behind one batching sender (see createSender). */
const PRODUCERS_PER_SENDER = 3;

/** Backoff between kafkajs' own retries of a request: short, so that a new leader is found within about a second of its election. */
const MAX_RETRY_DELAY_MS = 1000;

/**
 * kafkajs retries a request (after a refresh of its metadata) until about the send timeout has
 * passed, at least `settings.retries` times: long enough to ride out a leader election (about 9 s
 * with Kafka's default broker.session.timeout.ms), bounded so that a stop never waits on it for long.
 */
function retryOptions(retries: number, sendTimeoutMs: number): RetryOptions {
  return { retries: Math.max(retries, Math.ceil(sendTimeoutMs / MAX_RETRY_DELAY_MS) + 3), initialRetryTime: 100, maxRetryTime: MAX_RETRY_DELAY_MS };
}

/**
 * The kafkajs producers of the events whose producer settings (SendOptions) agree (the transport pools
 * them: ../kafka/sender-pool.ts). Every message's partition is chosen first (see Partitioning) and each
 * partition is a lane of the batching sender: kafkajs is handed requests of one partition each, so that
 * a leader change can never drop part of a request, and a partition without a leader holds back only
 * the sends with messages for it.
 */
export async function createSender(
  kafka: Kafka,
  settings: KafkaSettings['producer'],
  options: SendOptions,
  partitioning: Partitioning,
): Promise<PooledSender> {
  const sendTimeoutMs = options.sendTimeoutMs ?? settings.sendTimeoutMs;
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  const connect = async (): Promise<Producer> => {
    const producer = kafka.producer({
      // Partitions are chosen by Partitioning (the same Java-compatible murmur2); kafkajs keeps them.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: settings.idempotent,
      maxInFlightRequests: settings.idempotent ? 1 : undefined,
      allowAutoTopicCreation: false,
      retry: retryOptions(settings.retries, sendTimeoutMs),
    });
    await producer.connect();
    return producer;
  };
  // Lanes are spread over a few producers: an idempotent kafkajs producer sends one request at a time
  // to a broker, so the lanes of one broker would otherwise take turns. A partition always goes through
  // the same producer (its order and sequence numbers stay with it).
  const producers = await Promise.all(Array.from({ length: PRODUCERS_PER_SENDER }, async () => new ReplaceableProducer(await connect(), connect)));
  const producerOf = (request: ProduceRequest<PartitionedMessage>): ReplaceableProducer =>
    producers[(request.topicMessages[0]?.messages[0]?.partition ?? 0) % producers.length]!;
  const sender = new BatchingSender<PartitionedMessage>(
    {
      sendBatch: (request) =>
        producerOf(request).send((current) => current.sendBatch({ topicMessages: request.topicMessages, acks: settings.acks, compression })),
    },
    { sendTimeoutMs, laneOf: partitioning.laneOf },
  );
  return {
    sender: {
      send: (messages) => {
        const assigned = partitioning.assign(messages);
        return Array.isArray(assigned) ? sender.send(assigned) : assigned.then((partitioned) => sender.send(partitioned));
      },
    },
    disconnect: async () => {
      await Promise.all(producers.map((producer) => producer.disconnect()));
    },
  };
}

/** A producer and the requests under way through it; `retired` once a newer one took its place. */
interface Generation {
  readonly producer: Promise<Producer>;
  inFlight: number;
  retired: boolean;
  closed?: Promise<void>;
}

/**
 * The kafkajs producer requests go through, replaced by a new one after a request failed: a failed
 * request leaves kafkajs' idempotent sequence numbers in doubt (it winds them back, though the broker
 * may have written the batch), and a request that reuses a sequence number the broker already has is
 * answered as a duplicate without being written. A new producer gets a new producer id and starts
 * its sequences at 0. The old one is disconnected once its last request settled.
 */
class ReplaceableProducer {
  readonly #connect: () => Promise<Producer>;
  #current: Generation;
  /** Every producer not disconnected yet (the current one and retired ones with requests under way). */
  readonly #open = new Set<Generation>();

  constructor(first: Producer, connect: () => Promise<Producer>) {
    this.#connect = connect;
    this.#current = this.#add(Promise.resolve(first));
  }

  async send<T>(request: (producer: Producer) => Promise<T>): Promise<T> {
    const generation = this.#current;
    generation.inFlight += 1;
    try {
      return await request(await generation.producer);
    } catch (error) {
      if (this.#current === generation && !generation.retired) this.#replace();
      throw error;
    } finally {
      generation.inFlight -= 1;
      if (generation.retired && generation.inFlight === 0) void this.#close(generation);
    }
  }

  /** Disconnects every producer now; requests still under way fail. */
  async disconnect(): Promise<void> {
    this.#current.retired = true;
    await Promise.all([...this.#open].map((generation) => this.#close(generation)));
  }

  #add(producer: Promise<Producer>): Generation {
    const generation: Generation = { producer, inFlight: 0, retired: false };
    this.#open.add(generation);
    return generation;
  }

  #replace(): void {
    this.#current.retired = true;
    const producer = this.#connect();
    producer.catch(() => undefined); // a failed connect fails the next request, which then tries a new producer
    this.#current = this.#add(producer);
  }

  #close(generation: Generation): Promise<void> {
    generation.closed ??= generation.producer
      .then((producer) => producer.disconnect())
      .catch(() => undefined)
      .finally(() => this.#open.delete(generation));
    return generation.closed;
  }
}
