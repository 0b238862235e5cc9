/**
 * The Kafka clients the end-to-end suites run with: each suite runs once per client, on topics and
 * groups of its own (the suffix), against the one broker of the run.
 */
import type { KafkaClient } from '../../generators/lib/kafka-client.js';

export const CLIENT_VARIANTS: readonly { kafkaClient: KafkaClient; suffix: string }[] = [
  { kafkaClient: 'kafkajs', suffix: '' },
  { kafkaClient: 'platformatic', suffix: '-plt' },
];
