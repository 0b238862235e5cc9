/** Names of the headers every event carries (those a dead letter adds: dead-letter.ts). */
export const EventHeaders = {
  eventId: 'event-id',
  eventType: 'event-type',
  occurredAt: 'occurred-at',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
} as const;

export type HeaderMap = Record<string, string>;
