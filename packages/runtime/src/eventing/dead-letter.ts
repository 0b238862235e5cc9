import { DeadLetterHeaders } from './headers.ts';
import type { IncomingMessage, OutgoingMessage } from './transport.ts';

export interface DeadLetterReason {
  readonly error: unknown;
  /** Handler attempts made; 0 when the message could not be decoded. */
  readonly attempts: number;
  readonly subscription: string;
}

/** The original message (key, value bytes, headers) plus headers saying why and where it came from. */
export function deadLetterMessage(deadLetterTopic: string, message: IncomingMessage, reason: DeadLetterReason): OutgoingMessage {
  const error = reason.error instanceof Error ? reason.error : new Error(String(reason.error));
  return {
    topic: deadLetterTopic,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value ?? Buffer.alloc(0),
    headers: {
      ...message.headers,
      [DeadLetterHeaders.errorMessage]: error.message.slice(0, 4000),
      [DeadLetterHeaders.errorType]: error.name,
      [DeadLetterHeaders.attempts]: String(reason.attempts),
      [DeadLetterHeaders.originalTopic]: message.topic,
      [DeadLetterHeaders.originalPartition]: String(message.partition),
      [DeadLetterHeaders.originalOffset]: message.offset,
      [DeadLetterHeaders.subscription]: reason.subscription,
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
    },
  };
}

/** Strips the dead-letter headers again, for replaying a message into its original topic. */
export function originalHeaders(headers: Record<string, string>): Record<string, string> {
  const ours = new Set<string>(Object.values(DeadLetterHeaders));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !ours.has(name)));
}
