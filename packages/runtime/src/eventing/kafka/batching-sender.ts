import { asError } from '../../errors.ts';
import type { OutgoingMessage } from '../transport.ts';

/** One caller's `send`: how many of its messages there are and how many were acknowledged. */
interface Waiting {
  readonly total: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** Date.now() by which it must be settled. */
  readonly deadline: number;
  /** Messages acknowledged so far. */
  acked: number;
  settled: boolean;
}

/** The messages of one caller that go through one lane, and how many of them went out. */
interface Part<M> {
  readonly waiting: Waiting;
  readonly messages: readonly M[];
  taken: number;
}

/** A lane: its parts not yet sent, oldest first, and whether a request of its own is under way. */
interface Lane<M> {
  queue: Part<M>[];
  inFlight: boolean;
  scheduled: boolean;
}

/** The messages of one topic in a produce request, in order. */
export interface TopicMessages<M extends OutgoingMessage = OutgoingMessage> {
  readonly topic: string;
  readonly messages: M[];
}

/** One produce request: what the sender hands the client's producer. */
export interface ProduceRequest<M extends OutgoingMessage = OutgoingMessage> {
  readonly topicMessages: TopicMessages<M>[];
}

/**
 * What the sender needs of a producer, whichever the Kafka client: it sends one request (with the
 * producer's acks and compression) and settles once the broker answered it.
 */
export interface BatchProducer<M extends OutgoingMessage = OutgoingMessage> {
  sendBatch(request: ProduceRequest<M>): Promise<unknown>;
}

export interface BatchingSenderOptions<M extends OutgoingMessage = OutgoingMessage> {
  /** Each `send` resolves or rejects within this time, whatever the broker does. */
  readonly sendTimeoutMs: number;
  /**
   * Upper bound of one produce request (values, keys and headers, plus a per-record allowance), below
   * the broker's default message.max.bytes: a larger `send` is spread over several requests.
   */
  readonly maxRequestBytes?: number;
  /**
   * The lane a message goes through (e.g. its topic and partition). Each lane has one request in
   * flight at a time and lanes run side by side, so a lane whose partition has no leader holds back
   * only the sends with messages in it. Without it, every message takes the one lane.
   */
  readonly laneOf?: (message: M) => string;
}

const DEFAULT_MAX_REQUEST_BYTES = 900 * 1024;
const RECORD_OVERHEAD_BYTES = 64;
const SINGLE_LANE = '';

/**
 * Coalesces concurrent sends into shared produce requests: while a lane's request is in flight, new
 * sends wait and then go out together in its next; the next request is formed one event-loop turn
 * after the previous one was acknowledged (or after an idle lane got its first send), so that every
 * unit of work that was waiting on it has had the chance to flush again - like librdkafka's linger,
 * without a fixed delay. Each caller's promise resolves only once every request carrying its messages
 * was acknowledged, and rejects if one of them failed or its time ran out (its messages not yet sent
 * are then dropped). Requests stay under `maxRequestBytes`: a large send is split over several.
 * One request in flight per lane also keeps the order of messages per partition.
 */
export class BatchingSender<M extends OutgoingMessage = OutgoingMessage> {
  readonly #producer: BatchProducer<M>;
  readonly #options: BatchingSenderOptions<M>;
  readonly #maxRequestBytes: number;
  readonly #lanes = new Map<string, Lane<M>>();
  /** Every unsettled send, oldest first (their deadlines come in the same order). */
  #pending: Waiting[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(producer: BatchProducer<M>, options: BatchingSenderOptions<M>) {
    this.#producer = producer;
    this.#options = options;
    this.#maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  }

  send(messages: readonly M[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiting: Waiting = {
        total: messages.length,
        resolve,
        reject,
        deadline: Date.now() + this.#options.sendTimeoutMs,
        acked: 0,
        settled: false,
      };
      this.#pending.push(waiting);
      this.#timer ??= setTimeout(() => this.#expire(), this.#options.sendTimeoutMs);
      const laneOf = this.#options.laneOf;
      if (!laneOf) {
        this.#enqueue(SINGLE_LANE, { waiting, messages, taken: 0 });
        return;
      }
      const byLane = new Map<string, M[]>();
      for (const message of messages) {
        const key = laneOf(message);
        const list = byLane.get(key);
        if (list) list.push(message);
        else byLane.set(key, [message]);
      }
      for (const [key, list] of byLane) this.#enqueue(key, { waiting, messages: list, taken: 0 });
    });
  }

  #enqueue(key: string, part: Part<M>): void {
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { queue: [], inFlight: false, scheduled: false };
      this.#lanes.set(key, lane);
    }
    lane.queue.push(part);
    this.#schedule(lane);
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

  #schedule(lane: Lane<M>): void {
    if (lane.inFlight || lane.scheduled || lane.queue.length === 0) return;
    lane.scheduled = true;
    setImmediate(() => {
      lane.scheduled = false;
      this.#pump(lane);
    });
  }

  #pump(lane: Lane<M>): void {
    if (lane.inFlight) return;
    const request = this.#take(lane);
    if (request.parts.length === 0) return;
    lane.inFlight = true;
    this.#producer
      .sendBatch({ topicMessages: request.topicMessages })
      .then(
        () => {
          for (const { waiting, count } of request.parts) {
            waiting.acked += count;
            if (waiting.acked === waiting.total) this.#settle(waiting);
          }
        },
        (error: unknown) => {
          const failure = asError(error);
          for (const { waiting } of request.parts) this.#settle(waiting, failure);
        },
      )
      .finally(() => {
        lane.inFlight = false;
        this.#dropSettled();
        this.#schedule(lane);
      });
  }

  /** The lane's next request: messages of its oldest parts, up to the size limit (at least one message). */
  #take(lane: Lane<M>): { parts: { waiting: Waiting; count: number }[]; topicMessages: TopicMessages<M>[] } {
    const parts: { waiting: Waiting; count: number }[] = [];
    const topics = new Map<string, M[]>();
    let bytes = 0;
    let full = false;
    while (lane.queue.length > 0 && !full) {
      const part = lane.queue[0]!;
      if (part.waiting.settled) {
        lane.queue.shift();
        continue;
      }
      const start = part.taken;
      while (part.taken < part.messages.length) {
        const message = part.messages[part.taken]!;
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
        part.taken += 1;
      }
      if (part.taken > start) parts.push({ waiting: part.waiting, count: part.taken - start });
      if (part.taken === part.messages.length) lane.queue.shift();
    }
    const topicMessages: TopicMessages<M>[] = [];
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
