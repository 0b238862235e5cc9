import { MAX_BATCH_MESSAGES, type DeliveryControl, type Dispatch, type IncomingMessage } from '../transport.ts';

/** A fetched message in the service's form, with the client's message (no closure per message). */
export interface LaneMessage {
  readonly message: IncomingMessage;
  readonly offset: bigint;
  readonly fetched: Committable;
}

/** What the client's message offers here: commit() commits its partition up to it. */
interface Committable {
  commit(): void | Promise<void>;
}

interface Lane {
  readonly key: string;
  /** Messages taken in: those from `head` on are still to be handed over (no shift() per message). */
  queue: LaneMessage[];
  head: number;
  busy: boolean;
  /** Set once the partition was revoked (or the worker stops): its work stops, its queue is gone. */
  revoked: boolean;
  /** The highest offset taken in: a message at or below it (fetched again after a rejoin) is dropped. */
  lastTaken: bigint;
  /** The last message handled to the end, and the offset whose commit was last asked for. */
  finished?: LaneMessage;
  commitAsked: bigint;
}

/** Handed-over messages a lane's queue keeps in front of `head` at most, before it is copied without them. */
const COMPACT_AT = 1024;
const FIRST_RETRY_MS = 200;
const LAST_RETRY_MS = 5000;

/**
 * The messages of one consumer's stream, one lane per partition: each lane hands its messages to
 * the listener in order, one at a time, and at most `concurrency` lanes work at once (as kafkajs'
 * partitionsConsumedConcurrently). A message whose handling rejects is handed over again after a
 * growing pause, so nothing after it in its partition finishes first.
 *
 * With a batch listener a lane hands over, each time it takes work, every message queued in it (at
 * most MAX_BATCH_MESSAGES, in offset order) as one batch; a lane that was idle starts once the
 * stream emitted what it fetched (the next turn of the event loop), so that a batch is a fetch of
 * its partition, as kafkajs' eachBatch. A batch whose listener rejects is handed over again, as a
 * message is; the lane's last finished message is then the batch's last.
 */
export class PartitionLanes {
  readonly #lanes = new Map<string, Lane>();
  readonly #ready: Lane[] = [];
  readonly #concurrency: number;
  readonly #dispatch: Dispatch;
  readonly #onFinished: (lane: string, drained: boolean) => Promise<void> | undefined;
  readonly #onRetry: (error: unknown, first: IncomingMessage, count: number) => void;
  readonly #idleWaiters: (() => void)[] = [];
  /** Batch mode: idle lanes that took messages in this turn, started on the next one. */
  readonly #starting = new Set<Lane>();
  #working = 0;
  #stopping = false;
  /** Messages taken in and not handed over yet. */
  buffered = 0;

  constructor(
    concurrency: number,
    dispatch: Dispatch,
    onFinished: (lane: string, drained: boolean) => Promise<void> | undefined,
    onRetry: (error: unknown, first: IncomingMessage, count: number) => void,
  ) {
    this.#concurrency = Math.max(1, concurrency);
    this.#dispatch = dispatch;
    this.#onFinished = onFinished;
    this.#onRetry = onRetry;
  }

  /** Takes a fetched message in, unless its partition's lane already had it. */
  push(item: LaneMessage): void {
    if (this.#stopping) return;
    const key = laneKey(item.message.topic, item.message.partition);
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { key, queue: [], head: 0, busy: false, revoked: false, lastTaken: -1n, commitAsked: -1n };
      this.#lanes.set(key, lane);
    }
    if (item.offset <= lane.lastTaken) return;
    lane.lastTaken = item.offset;
    lane.queue.push(item);
    this.buffered += 1;
    if (this.#dispatch.kind === 'message') this.#wake(lane);
    else this.#startNextTurn(lane);
  }

  /** After a rebalance: the lanes of partitions no longer assigned stop and are forgotten. */
  keepOnly(assigned: ReadonlySet<string>): void {
    for (const lane of [...this.#lanes.values()]) {
      if (!assigned.has(lane.key)) this.#revoke(lane);
    }
  }

  /** Forgets what is queued (the stream will fetch it again from the committed offsets). */
  dropQueued(): void {
    for (const lane of this.#lanes.values()) {
      this.buffered -= queued(lane);
      lane.queue = [];
      lane.head = 0;
      lane.lastTaken = lane.finished?.offset ?? -1n;
    }
  }

  /** No message is handed over any more; the ones in hand are told to stop (shouldStop). */
  stop(): void {
    this.#stopping = true;
    this.dropQueued();
  }

  /** Resolves once no lane is working. */
  idle(): Promise<void> {
    if (this.#working === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** The commits of what finished since the last commit asked for, one per partition (each marked asked). */
  takeCommits(): { lane: string; message: LaneMessage }[] {
    const commits: { lane: string; message: LaneMessage }[] = [];
    for (const lane of this.#lanes.values()) {
      if (lane.finished && lane.finished.offset > lane.commitAsked) {
        lane.commitAsked = lane.finished.offset;
        commits.push({ lane: lane.key, message: lane.finished });
      }
    }
    return commits;
  }

  /** A commit that failed: its lane asks for it again next time. */
  commitFailed(lane: string, offset: bigint): void {
    const found = this.#lanes.get(lane);
    if (found && found.commitAsked === offset) found.commitAsked = offset - 1n;
  }

  #revoke(lane: Lane): void {
    lane.revoked = true;
    this.buffered -= queued(lane);
    lane.queue = [];
    lane.head = 0;
    this.#lanes.delete(lane.key);
  }

  /** Batch mode: the rest of the fetch is emitted in this turn; the lane takes its batch in the next one. */
  #startNextTurn(lane: Lane): void {
    if (lane.busy) return;
    if (this.#starting.size === 0) {
      setImmediate(() => {
        const lanes = [...this.#starting];
        this.#starting.clear();
        for (const waiting of lanes) this.#wake(waiting);
      });
    }
    this.#starting.add(lane);
  }

  #wake(lane: Lane): void {
    if (lane.busy || queued(lane) === 0) return;
    if (this.#working >= this.#concurrency) {
      if (!this.#ready.includes(lane)) this.#ready.push(lane);
      return;
    }
    lane.busy = true;
    this.#working += 1;
    void this.#work(lane).finally(() => {
      lane.busy = false;
      this.#working -= 1;
      const next = this.#ready.shift();
      if (next) this.#wake(next);
      else if (queued(lane) > 0) this.#wake(lane);
      if (this.#working === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    });
  }

  async #work(lane: Lane): Promise<void> {
    const control: DeliveryControl = { heartbeat: () => Promise.resolve(), shouldStop: () => lane.revoked || this.#stopping };
    let delay = FIRST_RETRY_MS;
    while (queued(lane) > 0 && !control.shouldStop()) {
      // One message, or (batch listener) what the lane holds, up to MAX_BATCH_MESSAGES.
      const first = lane.queue[lane.head]!;
      let taken: readonly LaneMessage[] | undefined;
      try {
        if (this.#dispatch.kind === 'message') await this.#dispatch.listener(first.message, control);
        else {
          taken = lane.queue.slice(lane.head, lane.head + MAX_BATCH_MESSAGES);
          await this.#dispatch.listener(
            { topic: first.message.topic, partition: first.message.partition, messages: taken.map(({ message }) => message) },
            control,
          );
        }
      } catch (error) {
        if (control.shouldStop()) return;
        this.#onRetry(error, first.message, taken?.length ?? 1);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, LAST_RETRY_MS);
        continue;
      }
      delay = FIRST_RETRY_MS;
      if (taken) this.#dequeue(lane, taken);
      else this.#dequeueOne(lane, first);
      if (lane.revoked) return;
      lane.finished = taken ? taken.at(-1) : first;
      // Awaited when it checks in: while a commit is in flight it lets the event loop turn, so that its answer is taken in.
      const checkingIn = this.#onFinished(lane.key, queued(lane) === 0);
      if (checkingIn) await checkingIn;
    }
  }

  /** Takes what was handed over off the front of the queue, unless the queue was dropped meanwhile (a stream restart). */
  #dequeue(lane: Lane, taken: readonly LaneMessage[]): void {
    let handed = 0;
    while (handed < taken.length && lane.queue[lane.head + handed] === taken[handed]) handed += 1;
    this.#advance(lane, handed);
  }

  /** #dequeue of one message. */
  #dequeueOne(lane: Lane, taken: LaneMessage): void {
    if (lane.queue[lane.head] === taken) this.#advance(lane, 1);
  }

  #advance(lane: Lane, handed: number): void {
    lane.head += handed;
    this.buffered -= handed;
    if (lane.head === lane.queue.length) {
      lane.queue.length = 0;
      lane.head = 0;
    } else if (lane.head >= COMPACT_AT) {
      lane.queue = lane.queue.slice(lane.head);
      lane.head = 0;
    }
  }
}

/** Messages of a lane not handed over yet. */
function queued(lane: Lane): number {
  return lane.queue.length - lane.head;
}

export function laneKey(topic: string, partition: number): string {
  return `${topic}\n${partition}`;
}
