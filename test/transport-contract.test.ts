/**
 * The transport contract (support/transport-contract.ts) on the real broker, once per Kafka client of
 * kafka-eventing-runtime (the built package, as a service imports it): both transports keep the same
 * promises. A known difference is a contract test that must fail for that client until it is fixed.
 */
import { KafkaTransport as KafkajsTransport } from 'kafka-eventing-runtime/kafkajs';
import { KafkaTransport as PlatformaticTransport } from 'kafka-eventing-runtime/platformatic';
import { describeTransportContract } from './support/transport-contract.js';

describeTransportContract('kafkajs', (settings, logger) => new KafkajsTransport(settings, logger), {
  knownDifferences: {
    replayExpired:
      'kafkajs/dead-letter-replay.ts counts a partition without a commit of the replay group from offset 0, not from its low offset, ' +
      'so a partition whose records all expired stays pending and replay() never returns',
  },
});

describeTransportContract('platformatic', (settings, logger) => new PlatformaticTransport(settings, logger), {
  knownDifferences: {
    failingCommitsFinished:
      'platformatic/consumer-loop.ts commits a lane only when its next message finishes (CommitPacer.due) or the lane drains: ' +
      'while a message is retried, what finished before it since the last check-in stays uncommitted until stop',
  },
});
