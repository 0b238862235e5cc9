// Dead letters: what one is (the original message plus headers saying why and where it came from),
// where it goes (a DeadLetterSink: the dead-letter topic, or with a database the inbox and outbox), how a
// worker writes it (DeadLetters), and how a replay takes it back (partitionsToReplay, replayedMessage, originalHeaders).
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { SubscriptionMetrics } from '../observability/metrics.ts';
import type { HeaderMap } from './headers.ts';
import { backoffDelay, waitOrInterrupt } from './retry.ts';
import type { DeliveryControl, IncomingMessage, OutgoingMessage, SendOptions, Transport } from './transport.ts';
import type { SubscriptionHealth, SubscriptionSettings } from './worker.ts';

/** The headers a dead letter carries besides the original message's. */
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

/** Dead letters are sent on a producer of their own (one object: the transport keys its producers by it). */
export const DEAD_LETTER_SEND: SendOptions = { lane: 'dead-letter' };

/** Where a dead letter goes: straight to the dead-letter topic, or (with a database) the inbox and the outbox. */
export interface DeadLetterSink {
  write(letter: OutgoingMessage, eventId: string): Promise<void>;
  /** The start of the error line when a write fails, e.g. "cannot write dead-letter topic orders.dlt". */
  cannotWrite(deadLetterTopic: string): string;
}

/** Dead letters sent to the dead-letter topic through the transport. */
export function topicDeadLetterSink(transport: Transport): DeadLetterSink {
  return {
    write: (letter) => transport.send([letter], DEAD_LETTER_SEND),
    cannotWrite: (deadLetterTopic) => `cannot write dead-letter topic ${deadLetterTopic}`,
  };
}

/**
 * A subscription's dead letters. A write that fails (the topic is missing, no permission) is tried
 * again with the subscription's backoff until it succeeds or the worker stops: the message is never
 * skipped, each failure is an error in the log, and the subscription is reported failing (/health/ready
 * answers 503) until a write succeeds.
 */
export class DeadLetters {
  readonly #subscription: SubscriptionSettings;
  readonly #sink: DeadLetterSink;
  readonly #logger: Logger;
  readonly #health: SubscriptionHealth;
  readonly #metrics: SubscriptionMetrics;

  constructor(subscription: SubscriptionSettings, sink: DeadLetterSink, logger: Logger, health: SubscriptionHealth, metrics: SubscriptionMetrics) {
    this.#subscription = subscription;
    this.#sink = sink;
    this.#logger = logger;
    this.#health = health;
    this.#metrics = metrics;
  }

  /**
   * Dead-letters `message` after `attempts` handler attempts (0: it could not be decoded): an event of
   * the process span, which ends failed; resolves once the dead letter is written, and counts it.
   */
  async send(message: IncomingMessage, eventId: string, error: unknown, attempts: number, span: Span, control: DeliveryControl): Promise<void> {
    const { deadLetterTopic, name } = this.#subscription;
    span.addEvent('dead_letter', {
      'messaging.destination.name': deadLetterTopic,
      'messaging.retry.attempts': attempts,
      'exception.message': errorMessage(error),
    });
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
    const where = { topic: message.topic, partition: message.partition, offset: message.offset, deadLetterTopic };
    this.#logger.error({ err: error, attempts, ...where }, 'message sent to the dead-letter topic');
    const letter = deadLetterMessage(deadLetterTopic, message, error, attempts, name);
    for (let failures = 1; ; failures += 1) {
      try {
        await this.#sink.write(letter, eventId);
        this.#health.recovered(name);
        break;
      } catch (sendError) {
        const delay = backoffDelay(this.#subscription.retry, failures);
        const reason = `${this.#sink.cannotWrite(deadLetterTopic)}: ${errorMessage(sendError)}`;
        this.#health.failing(name, reason);
        this.#logger.error({ err: sendError, failures, delayMs: delay, ...where }, `${reason}; the partition waits, trying again`);
        await waitOrInterrupt(delay, control);
      }
    }
    (attempts === 0 ? this.#metrics.deadLetteredUndecodable : this.#metrics.deadLetteredByHandler).inc();
  }
}

/** The original message (key, value bytes, headers) plus headers saying why and where it came from. */
function deadLetterMessage(
  deadLetterTopic: string,
  message: IncomingMessage,
  reason: unknown,
  attempts: number,
  subscription: string,
): OutgoingMessage {
  const error = reason instanceof Error ? reason : new Error(String(reason));
  return {
    topic: deadLetterTopic,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value ?? Buffer.alloc(0),
    headers: {
      ...message.headers,
      [DeadLetterHeaders.errorMessage]: error.message.slice(0, 4000),
      [DeadLetterHeaders.errorType]: error.name,
      [DeadLetterHeaders.attempts]: String(attempts),
      [DeadLetterHeaders.originalTopic]: message.topic,
      [DeadLetterHeaders.originalPartition]: String(message.partition),
      [DeadLetterHeaders.originalOffset]: message.offset,
      [DeadLetterHeaders.subscription]: subscription,
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
    },
  };
}

/** Strips the dead-letter headers again, for replaying a message into its original topic. */
export function originalHeaders(headers: Record<string, string>): Record<string, string> {
  const ours = new Set<string>(Object.values(DeadLetterHeaders));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !ours.has(name)));
}

/**
 * The partitions of a dead-letter topic a replay has to read up to `ends` (their high offsets when it
 * started): where the replay group stands before the end, at its commit, else (none: negative) at the
 * partition's first kept record (older ones expired).
 */
export function partitionsToReplay(
  ends: ReadonlyMap<number, bigint>,
  lows: ReadonlyMap<number, bigint>,
  committed: ReadonlyMap<number, bigint>,
): Set<number> {
  const pending = new Set<number>();
  for (const [partition, end] of ends) {
    const start = committed.get(partition) ?? -1n;
    if ((start < 0n ? (lows.get(partition) ?? 0n) : start) < end) pending.add(partition);
  }
  return pending;
}

/** A dead letter read back by a replay (`headers`: its headers), as it goes into its original topic; throws when it names none. */
export function replayedMessage(
  letter: { readonly offset: string | bigint; readonly key?: Buffer | null; readonly value?: Buffer | null },
  headers: HeaderMap,
  strip: (headers: HeaderMap) => HeaderMap,
): OutgoingMessage {
  const topic = headers[DeadLetterHeaders.originalTopic];
  if (!topic) throw new Error(`dead-letter message at offset ${letter.offset} has no original topic header`);
  return { topic, key: letter.key?.toString('utf8') ?? null, value: letter.value ?? Buffer.alloc(0), headers: strip(headers) };
}
