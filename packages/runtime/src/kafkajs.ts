/** The Kafka transport on kafkajs (`kafka-eventing-runtime/kafkajs`); the service installs kafkajs. */
export { KafkaTransport } from './eventing/kafkajs/kafka-transport.ts';
export type { KafkaSettings } from './eventing/kafka/kafka-settings.ts';
