/**
 * The Kafka client a service is generated with (`yo kafka-eventing --kafka-client kafkajs|platformatic`):
 * which clients exist, how the option is checked, and what each adds to the rendered service. Each
 * client has its own folder under src/eventing/ implementing the one Transport interface; the client
 * independent Kafka parts (batching sender, sender pool, commit pacer, committed offsets, settings, write readiness) stay in src/eventing/kafka/.
 */
import { UserInputError } from './model/types.js';

export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClient = (typeof KAFKA_CLIENTS)[number];

/** A model without the setting was made before the choice existed: it uses kafkajs. */
export const DEFAULT_KAFKA_CLIENT: KafkaClient = 'kafkajs';

export function validateKafkaClient(value: unknown): KafkaClient {
  const text = String(value ?? '').trim();
  if (!(KAFKA_CLIENTS as readonly string[]).includes(text)) {
    throw new UserInputError(
      `Kafka client "${String(value)}" is not supported: choose one of ${KAFKA_CLIENTS.join(', ')} ` +
        '(kafkajs is the default; platformatic is @platformatic/kafka and needs Node.js >= 22.22).',
    );
  }
  return text as KafkaClient;
}

/** The owned files shared by both clients: the client independent Kafka parts. */
export const KAFKA_COMMON_OWNED = [
  'src/eventing/kafka/batching-sender.ts',
  'src/eventing/kafka/commit-pacer.ts',
  'src/eventing/kafka/committed-offsets.ts',
  'src/eventing/kafka/handled-offsets.ts',
  'src/eventing/kafka/kafka-settings.ts',
  'src/eventing/kafka/sender-pool.ts',
  'src/eventing/kafka/write-readiness.ts',
];

/** Each client's folder: the same roles, file for file (transport, producer pool, consumer loop, replay, logging, headers, topic states for readiness). */
const CLIENT_FILES = ['kafka-transport.ts', 'producer-pool.ts', 'consumer-loop.ts', 'dead-letter-replay.ts', 'kafka-logging.ts', 'kafka-headers.ts', 'topic-states.ts'];

const EXTRA_FILES: Record<KafkaClient, string[]> = { kafkajs: ['partitioning.ts'], platformatic: ['partition-lanes.ts'] };

/** Unit tests of a client's own parts. */
const CLIENT_TESTS: Record<KafkaClient, string[]> = { kafkajs: [], platformatic: ['test/unit/partition-lanes.test.ts'] };

/** The owned files of `client`: its folder, and the unit tests of its own parts. */
export function clientOwnedFiles(client: KafkaClient): string[] {
  return [...[...CLIENT_FILES, ...EXTRA_FILES[client]].map((file) => `src/eventing/${client}/${file}`), ...CLIENT_TESTS[client]];
}

/** The npm package of each client (the schema registry's wire format stays with @kafkajs/confluent-schema-registry for both). */
export const CLIENT_PACKAGES: Record<KafkaClient, string> = { kafkajs: 'kafkajs', platformatic: '@platformatic/kafka' };

/** The Node.js versions a generated service supports: @platformatic/kafka needs 22.22 or later. */
export const CLIENT_ENGINES: Record<KafkaClient, string> = { kafkajs: '^22.18.0 || >=24.11.0', platformatic: '^22.22.0 || >=24.11.0' };

export function kafkaClientOf(service: { kafkaClient?: KafkaClient }): KafkaClient {
  return service.kafkaClient ?? DEFAULT_KAFKA_CLIENT;
}
