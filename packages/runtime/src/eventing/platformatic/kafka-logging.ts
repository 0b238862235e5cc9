// @platformatic/kafka's own events, into the service's logger at the level they deserve.
import type { Base, Consumer } from '@platformatic/kafka';
import type { Logger } from '../../logger.ts';

/**
 * A lost or refused broker connection is a warning: the client reconnects and retries by itself,
 * and what finally fails reaches the caller (a rejected flush, a failed start, a consumer restart).
 */
export function logClientEvents(client: Pick<Base, 'on'>, logger: Logger): void {
  // Also said when the client closes its connections on stop: debug; a broker that cannot be reached is a warning.
  client.on('client:broker:disconnect', ({ broker }) => logger.debug({ broker }, 'disconnected from a broker'));
  client.on('client:broker:failed', ({ broker }) => logger.warn({ broker }, 'could not connect to a broker'));
}

/** A consumer's group membership: joins and leaves at info, heartbeat trouble as a warning. */
export function logConsumerEvents(consumer: Consumer, logger: Logger): void {
  logClientEvents(consumer, logger);
  consumer.on('consumer:group:join', ({ groupId, memberId, assignments }) => {
    logger.info({ groupId, memberId, partitions: assignments }, 'joined consumer group');
  });
  consumer.on('consumer:group:leave', ({ groupId, memberId }) => logger.info({ groupId, memberId }, 'left consumer group'));
  consumer.on('consumer:heartbeat:error', ({ groupId, error }) => logger.warn({ groupId, err: error }, 'consumer heartbeat failed'));
}
