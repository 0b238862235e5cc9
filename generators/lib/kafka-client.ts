/**
 * The Kafka client a service is generated with (`yo kafka-eventing --kafka-client kafkajs|platformatic`):
 * which clients exist, how the option is checked, and what each adds to the rendered service: its npm
 * package, and the runtime entry point the composition root imports (kafka-eventing-runtime/<client>).
 */
import { optionText, UserInputError } from './model/types.js';

export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClient = (typeof KAFKA_CLIENTS)[number];

/** A model without the setting was made before the choice existed: it uses kafkajs. */
export const DEFAULT_KAFKA_CLIENT: KafkaClient = 'kafkajs';

export function validateKafkaClient(value: unknown): KafkaClient {
  const text = optionText(value).trim();
  if (!(KAFKA_CLIENTS as readonly string[]).includes(text)) {
    throw new UserInputError(
      `Kafka client "${String(value)}" is not supported: choose one of ${KAFKA_CLIENTS.join(', ')} ` +
        '(kafkajs is the default; platformatic is @platformatic/kafka and needs Node.js >= 22.22).',
    );
  }
  return text as KafkaClient;
}

/** The npm package of each client (the schema registry's wire format stays with @kafkajs/confluent-schema-registry for both). */
export const CLIENT_PACKAGES: Record<KafkaClient, string> = { kafkajs: 'kafkajs', platformatic: '@platformatic/kafka' };

/** The Node.js versions a generated service supports: @platformatic/kafka needs 22.22 or later. */
export const CLIENT_ENGINES: Record<KafkaClient, string> = { kafkajs: '^22.18.0 || >=24.11.0', platformatic: '^22.22.0 || >=24.11.0' };

export function kafkaClientOf(service: { kafkaClient?: KafkaClient }): KafkaClient {
  return service.kafkaClient ?? DEFAULT_KAFKA_CLIENT;
}
