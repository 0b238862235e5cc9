/** The Kafka transport on @platformatic/kafka (`kafka-eventing-runtime/platformatic`); the service installs @platformatic/kafka. */
export { KafkaTransport } from './eventing/platformatic/kafka-transport.ts';
export type { KafkaSettings } from './eventing/kafka/kafka-settings.ts';
