import type { Logger } from '../../logger.ts';
import type { KafkaSettings } from './kafka-settings.ts';

/** How often, at most, the worker loop stops to resolve offsets, commit and heartbeat. */
const CHECK_INTERVAL_MS = 100;

/**
 * Commits a worker's finished offsets without making handling wait for the broker: the commit runs
 * while the next messages are handled and while the next batch is fetched. One commit is in flight at
 * a time; one requested meanwhile runs right after it (and then covers everything finished by then).
 * - Within a batch, every half `commitEveryMessages` finished messages (or `intervalMs`), the loop
 *   resolves its last finished offset and starts a commit if none is in flight (kafkajs'
 *   commitOffsetsIfNecessary: once that many resolved offsets are uncommitted, or the interval
 *   passed); if one is, it lets the event loop turn once so that its answer is taken in even while
 *   handlers keep the process busy. What a crash can make the group deliver again is thus about
 *   `commitEveryMessages`, plus what finishes during one commit round trip.
 * - At the end of each batch, everything it finished is committed (as kafkajs' autoCommit does).
 * - A batch that ends early (stop, rebalance, failure) waits for its commit, so that it lands before
 *   kafkajs leaves or rejoins the group; so does every batch once the worker is stopping.
 * A failed commit is reported and left to the next one, which covers the same offsets (stopping
 * tries once more); until then those messages may be delivered again, as at least once allows.
 */
export class CommitPacer {
  /** kafkajs' autoCommitThreshold: a commit is due once this many resolved offsets are not committed. */
  readonly commitEveryMessages: number;
  /** Set when the worker stops: every batch end then waits for its commit. */
  stopping = false;
  readonly #intervalMs: number;
  readonly #onFailure: (error: unknown) => void;
  #sinceCheck = 0;
  #nextCheckAt = 0;
  #inFlight: Promise<void> | undefined;
  #next: (() => Promise<void>) | undefined;
  /** The last commit that failed, while no commit succeeded since. */
  #failed: (() => Promise<void>) | undefined;

  constructor(everyMessages: number, intervalMs: number, onFailure: (error: unknown) => void) {
    this.commitEveryMessages = Math.max(1, Math.ceil(everyMessages / 2));
    this.#intervalMs = Math.min(intervalMs, CHECK_INTERVAL_MS);
    this.#onFailure = onFailure;
  }

  /** A consumer's pacer, as config `kafka.consumer` sets it; a failed commit is a warning naming the group. */
  static forConsumer(settings: KafkaSettings['consumer'], groupId: string, logger: Logger): CommitPacer {
    return new CommitPacer(settings.commitEveryMessages, settings.commitIntervalMs, (error) =>
      logger.warn({ groupId, err: error }, 'committing offsets failed; the next commit covers them again'),
    );
  }

  /** Counts one finished message; true when the loop should check in (resolve, commit, heartbeat). */
  due(): boolean {
    this.#sinceCheck += 1;
    if (this.#sinceCheck < this.commitEveryMessages && Date.now() < this.#nextCheckAt) return false;
    this.#sinceCheck = 0;
    this.#nextCheckAt = Date.now() + this.#intervalMs;
    return true;
  }

  /** Within a batch: starts `commit` unless one is in flight; never waits for the broker. */
  async checkIn(commit: () => Promise<void>): Promise<void> {
    if (this.#inFlight) await new Promise<void>((resolve) => setImmediate(resolve));
    if (!this.#inFlight) this.#start(commit);
  }

  /** Starts `commit` now, or right after the commit in flight. */
  request(commit: () => Promise<void>): void {
    if (this.#inFlight) this.#next = commit;
    else this.#start(commit);
  }

  /** Runs the last failed commit again, if no commit succeeded since. */
  retryFailed(): void {
    if (this.#failed) this.request(this.#failed);
  }

  /** Resolves once no commit is in flight or waiting (never rejects). */
  async idle(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
  }

  /** On stop, before the consumer leaves its group: waits for the commits, runs the last failed one once more, waits for it. */
  async finish(): Promise<void> {
    await this.idle();
    this.retryFailed();
    await this.idle();
  }

  #start(commit: () => Promise<void>): void {
    const running: Promise<void> = commit()
      .then(
        () => {
          this.#failed = undefined;
        },
        (error: unknown) => {
          this.#failed = commit;
          this.#onFailure(error);
        },
      )
      .then(() => {
        const next = this.#next;
        this.#next = undefined;
        if (next) this.#start(next);
        else if (this.#inFlight === running) this.#inFlight = undefined;
      });
    this.#inFlight = running;
  }
}
