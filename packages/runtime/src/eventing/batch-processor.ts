import type { Span } from '@opentelemetry/api';
import { errorMessage } from '../errors.ts';
import { inBatchSpan } from '../observability/batch-spans.ts';
import type { BatchEventHandler, BatchItem } from './batch-handler.ts';
import { allFailed, settleRound, type PendingEvent } from './batch-rounds.ts';
import type { EventContext, MessageContext } from './handler.ts';
import { waitOrInterrupt } from './retry.ts';
import type { BatchListener, DeliveryControl, IncomingBatch, IncomingMessage } from './transport.ts';
import type { WorkerCore } from './worker.ts';

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
  readonly #core: WorkerCore<BatchEventHandler<unknown>>;

  constructor(core: WorkerCore<BatchEventHandler<unknown>>) {
    this.#core = core;
  }

  readonly listener: BatchListener = (batch, control) =>
    inBatchSpan(batch.messages, this.#core.subscription.groupId, (span) => this.#process(batch, control, span));

  async #process(batch: IncomingBatch, control: DeliveryControl, span: Span): Promise<void> {
    let pending: readonly PendingEvent<Decoded>[] = await this.#decodeAll(batch.messages, control, span);
    for (let round = 1; pending.length > 0; round += 1) {
      const outcome = settleRound(pending, await this.#round(pending, control), this.#core.subscription.retry.attempts);
      if (outcome.done.length > 0) this.#core.metrics.handled.inc(outcome.done.length);
      for (const entry of outcome.exhausted) {
        await this.#core.deadLetter(entry.item.message, entry.item.context.eventId, entry.error, entry.failures, span, control);
      }
      if (outcome.retry.length === 0) return;
      const offsets = outcome.retry.map((entry) => entry.item.message.offset);
      const delay = this.#core.backoff(round, offsets.length, span, { 'messaging.batch.message_count': offsets.length });
      this.#core.logger.warn(
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
      const context = this.#core.context(message);
      try {
        const decoded = this.#core.decode(message);
        const event = (decoded instanceof Promise ? await decoded : decoded).payload;
        pending.push({ item: { message, event, context }, key: context.key, failures: 0 });
      } catch (error) {
        await this.#core.deadLetter(message, context.eventId, error, 0, span, control);
      }
    }
    return pending;
  }

  /** One call of the handler in a fresh DI scope; resolves with the events that failed, and why. */
  async #round(pending: readonly PendingEvent<Decoded>[], control: DeliveryControl): Promise<Map<Decoded, unknown>> {
    const { metrics, logger } = this.#core;
    const items = new Map<BatchItem<unknown>, Decoded>();
    for (const { item, failures } of pending) items.set({ event: item.event, context: { ...item.context, attempt: failures + 1 } }, item);
    const first = pending[0]?.item.context;
    // Events the batch publishes carry the first event's correlation id, and its id as causation id.
    const messageContext: MessageContext = { correlationId: first?.correlationId ?? '', causationId: first?.eventId ?? null };
    const started = performance.now();
    // A large batch may take a while: the group membership is kept alive meanwhile (the client sends a heartbeat when one is due).
    const keepAlive = setInterval(() => void control.heartbeat().catch(() => undefined), KEEP_ALIVE_MS);
    try {
      const result = await this.#core.inScope(messageContext, (scope) => scope.handler().handleBatch([...items.keys()]));
      const failed = new Map<Decoded, unknown>();
      for (const { item, error } of result.failed) {
        const decoded = items.get(item);
        if (decoded) failed.set(decoded, error);
        else logger.warn({ eventId: item.context.eventId }, 'batch handler reported a failed event that is not part of its batch; ignored');
      }
      (failed.size === 0 ? metrics.succeeded : metrics.failed).observe((performance.now() - started) / 1000);
      return failed;
    } catch (error) {
      metrics.failed.observe((performance.now() - started) / 1000);
      logger.warn({ err: error, events: pending.length }, `batch handler failed the whole batch: ${errorMessage(error)}`);
      return allFailed(pending, error);
    } finally {
      clearInterval(keepAlive);
    }
  }
}
