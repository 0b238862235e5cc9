/**
 * The transport contract (support/transport-contract.ts) on the real broker, once per Kafka client of
 * kafka-eventing-runtime (the built package, as a service imports it): both transports keep the same
 * promises. A client that cannot keep one lists it in `knownDifferences` (its test must then fail until
 * fixed); none does today.
 */
import { KafkaTransport as KafkajsTransport } from 'kafka-eventing-runtime/kafkajs';
import { KafkaTransport as PlatformaticTransport } from 'kafka-eventing-runtime/platformatic';
import { describeTransportContract } from './support/transport-contract.js';

describeTransportContract('kafkajs', (settings, logger) => new KafkajsTransport(settings, logger));
describeTransportContract('platformatic', (settings, logger) => new PlatformaticTransport(settings, logger));
