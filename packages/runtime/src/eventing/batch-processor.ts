import type { Span } from '@opentelemetry/api';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { inBatchSpan } from '../observability/batch-spans.ts';
import type { EventingMetrics } from '../observability/metrics.ts';
import type { BatchEventHandler, BatchItem } from './batch-handler.ts';
import { allFailed, settleRound, type PendingEvent } from './batch-rounds.ts';
import type { EventCodec } from './codec.ts';
import {
  DeadLetterWriter,
  deadLetterEvent,
  eventContext,
  waitOrInterrupt,
  type SubscriptionHealth,
  type SubscriptionSettings,
  type WorkerDependencies,
} from './delivery.ts';
import type { EventDefinition } from './event-definition.ts';
import type { EventContext, MessageContext } from './handler.ts';
import type { MessageScopes } from './message-scope.ts';
import { backoffDelay } from './retry.ts';
import type { BatchListener, DeliveryControl, IncomingBatch, IncomingMessage } from './transport.ts';

/** How often the group membership is kept alive while a batch handler runs. */
const KEEP_ALIVE_MS = 1000;

/** A decoded message of a batch. */
interface Decoded {
  readonly message: IncomingMessage;
  readonly event: unknown;
  readonly context: Omit<EventContext, 'attempt'>;
}

/**
 * Handles one fetched batch for a batch subscription: decodes every message (undecodable ones go to
 * the dead-letter topic at once), then calls the handler with all events in one DI scope and
 * completes that scope's unit of work. The events the handler reports failed (all of them when it
 * throws) are given to it again after the backoff, together with the later events of their keys (see
 * batch-rounds.ts); after its last attempt an event goes to the dead-letter topic. Resolving means
 * every event of the batch is finished and the batch may be committed.
 */
export class BatchProcessor {
  readonly #subscription: SubscriptionSettings;
  readonly #definition: EventDefinition<unknown>;
  readonly #scopes: MessageScopes<BatchEventHandler<unknown>>;
  readonly #codec: EventCodec;
  readonly #logger: Logger;
  readonly #deadLetters: DeadLetterWriter;
  readonly #metrics: EventingMetrics;
  readonly #labels: { readonly subscription: string };

  constructor(
    subscription: SubscriptionSettings,
    definition: EventDefinition<unknown>,
    dependencies: WorkerDependencies<BatchEventHandler<unknown>>,
    health: SubscriptionHealth,
  ) {
    this.#subscription = subscription;
    this.#definition = definition;
    this.#scopes = dependencies.scopes;
    this.#codec = dependencies.codec;
    this.#metrics = dependencies.metrics;
    this.#logger = dependencies.logger;
    this.#deadLetters = new DeadLetterWriter(subscription, dependencies.deadLetterSink, this.#logger, health);
    this.#labels = { subscription: subscription.name };
  }

  readonly listener: BatchListener = (batch, control) =>
    inBatchSpan(batch.messages, this.#subscription.groupId, (span) => this.#process(batch, control, span));

  async #process(batch: IncomingBatch, control: DeliveryControl, span: Span): Promise<void> {
    let pending: readonly PendingEvent<Decoded>[] = await this.#decodeAll(batch.messages, control, span);
    for (let round = 1; pending.length > 0; round += 1) {
      const outcome = settleRound(pending, await this.#round(pending, control), this.#subscription.retry.attempts);
      if (outcome.done.length > 0) this.#metrics.handled.inc(this.#labels, outcome.done.length);
      for (const entry of outcome.exhausted) {
        deadLetterEvent(span, this.#subscription.deadLetterTopic, entry.error, entry.failures);
        await this.#deadLetters.write(entry.item.message, entry.item.context.eventId, entry.error, entry.failures, control);
        this.#metrics.deadLettered.inc({ ...this.#labels, reason: 'handler' });
      }
      if (outcome.retry.length === 0) return;
      this.#metrics.retried.inc(this.#labels, outcome.retry.length);
      const delay = backoffDelay(this.#subscription.retry, round);
      const offsets = outcome.retry.map((entry) => entry.item.message.offset);
      span.addEvent('retry', {
        'messaging.retry.attempt': round,
        'messaging.retry.delay_ms': delay,
        'messaging.batch.message_count': offsets.length,
      });
      this.#logger.warn(
        { round, delayMs: delay, offsets, err: outcome.retry.find((entry) => entry.error !== undefined)?.error },
        'batch handler failed events; retrying them',
      );
      await waitOrInterrupt(delay, control);
      pending = outcome.retry;
    }
  }

  async #decodeAll(messages: readonly IncomingMessage[], control: DeliveryControl, span: Span): Promise<PendingEvent<Decoded>[]> {
    const pending: PendingEvent<Decoded>[] = [];
    for (const message of messages) {
      const context = eventContext(message, this.#definition.name);
      try {
        if (message.value === null) throw new Error('message has no value');
        const decoded = this.#codec.decodeNow(this.#definition, message.value);
        const event: unknown = decoded === undefined ? await this.#codec.decode(this.#definition, message.value) : decoded.payload;
        pending.push({ item: { message, event, context }, key: context.key, failures: 0 });
      } catch (error) {
        deadLetterEvent(span, this.#subscription.deadLetterTopic, error, 0);
        await this.#deadLetters.write(message, context.eventId, error, 0, control);
        this.#metrics.deadLettered.inc({ ...this.#labels, reason: 'undecodable' });
      }
    }
    return pending;
  }

  /** One call of the handler in a fresh DI scope; resolves with the events that failed, and why. */
  async #round(pending: readonly PendingEvent<Decoded>[], control: DeliveryControl): Promise<Map<Decoded, unknown>> {
    const items = new Map<BatchItem<unknown>, Decoded>();
    for (const { item, failures } of pending) items.set({ event: item.event, context: { ...item.context, attempt: failures + 1 } }, item);
    const first = pending[0]?.item.context;
    // Events the batch publishes carry the first event's correlation id, and its id as causation id.
    const messageContext: MessageContext = { correlationId: first?.correlationId ?? '', causationId: first?.eventId ?? null };
    const scope = this.#scopes(messageContext);
    const stopTimer = this.#metrics.handlerDuration.startTimer(this.#labels);
    // A large batch may take a while: the group membership is kept alive meanwhile (the client sends a heartbeat when one is due).
    const keepAlive = setInterval(() => void control.heartbeat().catch(() => undefined), KEEP_ALIVE_MS);
    try {
      const result = await scope.handler().handleBatch([...items.keys()]);
      await scope.complete();
      const failed = new Map<Decoded, unknown>();
      for (const { item, error } of result.failed) {
        const decoded = items.get(item);
        if (decoded) failed.set(decoded, error);
        else this.#logger.warn({ eventId: item.context.eventId }, 'batch handler reported a failed event that is not part of its batch; ignored');
      }
      stopTimer({ outcome: failed.size === 0 ? 'success' : 'failure' });
      return failed;
    } catch (error) {
      await scope.abort();
      stopTimer({ outcome: 'failure' });
      this.#logger.warn({ err: error, events: pending.length }, `batch handler failed the whole batch: ${errorMessage(error)}`);
      return allFailed(pending, error);
    } finally {
      clearInterval(keepAlive);
      const releasing = scope.release();
      if (releasing) await releasing;
    }
  }
}
