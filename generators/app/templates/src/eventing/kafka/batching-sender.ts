// <%- generatedHeader %>
import { asError } from '../../errors.ts';
import type { OutgoingMessage } from '../transport.ts';

/** One caller's `send`: its messages, how many went out and how many were acknowledged. */
interface Waiting {
  readonly messages: readonly OutgoingMessage[];
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** Date.now() by which it must be settled. */
  readonly deadline: number;
  /** Messages put into requests so far. */
  taken: number;
  /** Messages acknowledged so far. */
  acked: number;
  settled: boolean;
}

/** The messages of one topic in a produce request, in order. */
export interface TopicMessages {
  readonly topic: string;
  readonly messages: OutgoingMessage[];
}

/** One produce request: what the sender hands the client's producer. */
export interface ProduceRequest {
  readonly topicMessages: TopicMessages[];
}

/**
 * What the sender needs of a producer, whichever the Kafka client: it sends one request (with the
 * producer's acks and compression) and settles once the broker answered it.
 */
export interface BatchProducer {
  sendBatch(request: ProduceRequest): Promise<unknown>;
}

export interface BatchingSenderOptions {
  /** Each `send` resolves or rejects within this time, whatever the broker does. */
  readonly sendTimeoutMs: number;
  /**
   * Upper bound of one produce request (values, keys and headers, plus a per-record allowance), below
   * the broker's default message.max.bytes: a larger `send` is spread over several requests.
   */
  readonly maxRequestBytes?: number;
}

const DEFAULT_MAX_REQUEST_BYTES = 900 * 1024;
const RECORD_OVERHEAD_BYTES = 64;

/**
 * Coalesces concurrent sends into shared produce requests: while one request is in flight, new
 * sends wait and then go out together in the next; the next request is formed one event-loop turn
 * after the previous one was acknowledged (or after an idle sender got its first send), so that every
 * unit of work that was waiting on it has had the chance to flush again - like librdkafka's linger,
 * without a fixed delay. Each caller's promise resolves only once every request carrying its messages
 * was acknowledged, and rejects if one of them failed or its time ran out (its messages not yet sent
 * are then dropped). Requests stay under `maxRequestBytes`: a large send is split over several.
 * One request in flight at a time also keeps the order of messages per partition.
 */
export class BatchingSender {
  readonly #producer: BatchProducer;
  readonly #options: BatchingSenderOptions;
  readonly #maxRequestBytes: number;
  /** Sends with messages not yet put into a request, oldest first. */
  #queue: Waiting[] = [];
  /** Every unsettled send, oldest first (their deadlines come in the same order). */
  #pending: Waiting[] = [];
  #inFlight = false;
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(producer: BatchProducer, options: BatchingSenderOptions) {
    this.#producer = producer;
    this.#options = options;
    this.#maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  }

  send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiting: Waiting = {
        messages,
        resolve,
        reject,
        deadline: Date.now() + this.#options.sendTimeoutMs,
        taken: 0,
        acked: 0,
        settled: false,
      };
      this.#queue.push(waiting);
      this.#pending.push(waiting);
      this.#timer ??= setTimeout(() => this.#expire(), this.#options.sendTimeoutMs);
      this.#schedule();
    });
  }

  /** Settles the sends whose time ran out; those not sent yet are dropped, so nothing goes out after their caller was told. */
  #expire(): void {
    this.#timer = undefined;
    const now = Date.now();
    for (const waiting of this.#pending) {
      if (waiting.deadline > now) break;
      this.#settle(waiting, new Error(`send not acknowledged within ${this.#options.sendTimeoutMs} ms`));
    }
    this.#dropSettled();
    const next = this.#pending[0];
    if (next) this.#timer = setTimeout(() => this.#expire(), Math.max(1, next.deadline - now));
  }

  #schedule(): void {
    if (this.#inFlight || this.#scheduled || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#inFlight) return;
    const request = this.#take();
    if (request.parts.length === 0) return;
    this.#inFlight = true;
    this.#producer
      .sendBatch({ topicMessages: request.topicMessages })
      .then(
        () => {
          for (const { waiting, count } of request.parts) {
            waiting.acked += count;
            if (waiting.acked === waiting.messages.length) this.#settle(waiting);
          }
        },
        (error: unknown) => {
          const failure = asError(error);
          for (const { waiting } of request.parts) this.#settle(waiting, failure);
        },
      )
      .finally(() => {
        this.#inFlight = false;
        this.#dropSettled();
        this.#schedule();
      });
  }

  /** The next request: messages of the oldest sends, up to the size limit (at least one message). */
  #take(): { parts: { waiting: Waiting; count: number }[]; topicMessages: TopicMessages[] } {
    const parts: { waiting: Waiting; count: number }[] = [];
    const topics = new Map<string, OutgoingMessage[]>();
    let bytes = 0;
    let full = false;
    while (this.#queue.length > 0 && !full) {
      const waiting = this.#queue[0]!;
      if (waiting.settled) {
        this.#queue.shift();
        continue;
      }
      const start = waiting.taken;
      while (waiting.taken < waiting.messages.length) {
        const message = waiting.messages[waiting.taken]!;
        const size = sizeOf(message);
        if (bytes > 0 && bytes + size > this.#maxRequestBytes) {
          full = true;
          break;
        }
        bytes += size;
        let list = topics.get(message.topic);
        if (!list) {
          list = [];
          topics.set(message.topic, list);
        }
        list.push(message);
        waiting.taken += 1;
      }
      if (waiting.taken > start) parts.push({ waiting, count: waiting.taken - start });
      if (waiting.taken === waiting.messages.length) this.#queue.shift();
    }
    const topicMessages: TopicMessages[] = [];
    for (const [topic, messages] of topics) topicMessages.push({ topic, messages });
    return { parts, topicMessages };
  }

  #settle(waiting: Waiting, error?: Error): void {
    if (waiting.settled) return;
    waiting.settled = true;
    if (error) waiting.reject(error);
    else waiting.resolve();
  }

  /** Forgets settled sends at the head of the pending list; stops the timer when none is left. */
  #dropSettled(): void {
    let index = 0;
    while (index < this.#pending.length && this.#pending[index]!.settled) index += 1;
    if (index > 0) this.#pending = this.#pending.slice(index);
    if (this.#pending.length === 0 && this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** Bytes a message takes in a request, near enough (header names and values counted as one byte per character). */
function sizeOf(message: OutgoingMessage): number {
  let size = RECORD_OVERHEAD_BYTES + message.value.length + (message.key === null ? 0 : message.key.length);
  for (const name in message.headers) size += name.length + (message.headers[name]?.length ?? 0);
  return size;
}
