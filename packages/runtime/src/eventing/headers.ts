/** Names of the headers every event carries, and of those added when it goes to a dead-letter topic. */
export const EventHeaders = {
  eventId: 'event-id',
  eventType: 'event-type',
  occurredAt: 'occurred-at',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
} as const;

export const DeadLetterHeaders = {
  errorMessage: 'dead-letter-error-message',
  errorType: 'dead-letter-error-type',
  attempts: 'dead-letter-attempts',
  originalTopic: 'dead-letter-original-topic',
  originalPartition: 'dead-letter-original-partition',
  originalOffset: 'dead-letter-original-offset',
  subscription: 'dead-letter-subscription',
  failedAt: 'dead-letter-failed-at',
} as const;

export type HeaderMap = Record<string, string>;
