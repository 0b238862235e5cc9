import { Consumer, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from '../../logger.ts';
import { CommitPacer } from '../kafka/commit-pacer.ts';
import { withTimeout, type CommitListener } from '../kafka/committed-offsets.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
import type { ConsumerSettings, Dispatch } from '../transport.ts';
import { headerMap } from './kafka-headers.ts';
import { logConsumerEvents } from './kafka-logging.ts';
import { laneKey, PartitionLanes } from './partition-lanes.ts';
import { connectionOptions } from './producer-pool.ts';

/** Messages fetched ahead per consumer: the stream's highWaterMark (it must hold a whole fetch). */
const BUFFERED_MESSAGES = 1024;
/** Bytes fetched per partition and request: the client's default made consuming about half as fast. */
const MAX_BYTES_PER_PARTITION = 1024 * 1024;
const RESTART_DELAY_MS = 1000;
const COMMIT_TIMEOUT_MS = 5000;

/**
 * One subscription's @platformatic/kafka consumer: streams its partitions' messages into partition
 * lanes (in order per partition, `concurrency` partitions at once; for a batch subscription, what a
 * lane holds when it takes work, as one batch) and commits only finished offsets, paced by its
 * CommitPacer as the kafkajs loop does (after every batch, for a batch subscription). The client's
 * autocommit is off: it would commit at fetch, before the work is done. A rebalance stops the work of
 * revoked partitions; a stream that fails (a broker outage outlasting its retries) is started again.
 */
export class ConsumerLoop {
  readonly #consumer: Consumer;
  readonly #settings: ConsumerSettings;
  readonly #kafkaSettings: KafkaSettings['consumer'];
  readonly #logger: Logger;
  readonly #onCommit: CommitListener;
  readonly #lanes: PartitionLanes;
  readonly #pacer: CommitPacer;
  /** Set while a commit of what finished is scheduled (see #commitWithinInterval). */
  #commitTimer: NodeJS.Timeout | undefined;
  #stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  #stopping?: Promise<void>;

  private constructor(kafka: KafkaSettings, settings: ConsumerSettings, dispatch: Dispatch, logger: Logger, onCommit: CommitListener) {
    this.#settings = settings;
    this.#kafkaSettings = kafka.consumer;
    this.#logger = logger;
    this.#onCommit = onCommit;
    this.#consumer = new Consumer({
      ...connectionOptions(kafka),
      clientId: `${kafka.clientId}-${settings.name}`,
      groupId: settings.groupId,
      sessionTimeout: kafka.consumer.sessionTimeoutMs,
      heartbeatInterval: kafka.consumer.heartbeatIntervalMs,
      autocreateTopics: false,
      retries: true,
    });
    logConsumerEvents(this.#consumer, logger);
    this.#pacer = CommitPacer.forConsumer(kafka.consumer, settings.groupId, logger);
    const batches = dispatch.kind === 'batch';
    this.#lanes = new PartitionLanes(
      settings.concurrency,
      dispatch,
      // A finished batch is committed at once (as the kafkajs loop commits each slice of a fetch).
      (_lane, drained) => this.#finished(drained || batches),
      (error, first, count) =>
        logger.warn(
          { groupId: settings.groupId, partition: first.partition, offset: first.offset, ...(batches ? { messages: count } : {}), err: error },
          batches ? 'handling failed; trying the batch again' : 'handling failed; trying the message again',
        ),
    );
    this.#consumer.on('consumer:group:join', ({ assignments }) => {
      const assigned = new Set((assignments ?? []).flatMap(({ topic, partitions }) => partitions.map((partition) => laneKey(topic, partition))));
      this.#lanes.keepOnly(assigned);
    });
  }

  static async start(
    kafka: KafkaSettings,
    settings: ConsumerSettings,
    dispatch: Dispatch,
    logger: Logger,
    onCommit: CommitListener,
  ): Promise<ConsumerLoop> {
    const loop = new ConsumerLoop(kafka, settings, dispatch, logger, onCommit);
    await loop.#consume();
    return loop;
  }

  /** Stops taking messages, lets those in hand finish, commits what finished, then leaves the group. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#pacer.stopping = true;
      clearTimeout(this.#commitTimer);
      this.#lanes.stop();
      this.#stream?.pause();
      await this.#lanes.idle();
      this.#pacer.request(() => this.#commitFinished());
      await this.#pacer.finish();
      await this.#stream?.close().catch(() => undefined);
      await this.#consumer.close();
    })();
    return this.#stopping;
  }

  async #consume(): Promise<void> {
    const stream = await this.#consumer.consume({
      topics: [this.#settings.topic],
      mode: 'committed',
      fallbackMode: this.#kafkaSettings.fromBeginning ? 'earliest' : 'latest',
      autocommit: false,
      highWaterMark: BUFFERED_MESSAGES,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
    });
    this.#stream = stream;
    stream.on('data', (message) => {
      this.#lanes.push({
        message: {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset.toString(),
          key: message.key ?? null,
          value: message.value ?? null,
          headers: headerMap(message.headers),
        },
        offset: message.offset,
        fetched: message,
      });
      if (this.#lanes.buffered >= BUFFERED_MESSAGES && !stream.isPaused()) {
        stream.pause();
        setImmediate(() => this.#takeFetched(stream));
      }
    });
    stream.on('error', (error: Error) => {
      if (this.#stopping) return;
      this.#logger.warn({ groupId: this.#settings.groupId, err: error }, 'consumer stream failed; starting it again');
      this.#lanes.dropQueued();
      void this.#restart();
    });
  }

  /**
   * After a pause: takes in what the stream fetched already (a paused stream fetches nothing more).
   * A fetch response holds its partitions one after the other: left in the stream, the later ones
   * would wait until the lanes worked through the first (fewer than `concurrency` partitions at work).
   */
  #takeFetched(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>): void {
    while (stream === this.#stream && !this.#stopping && stream.isPaused() && stream.readableLength > 0 && stream.read() !== null);
  }

  async #restart(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS));
    if (this.#stopping) return;
    try {
      await this.#consume();
    } catch (error) {
      this.#logger.warn({ groupId: this.#settings.groupId, err: error }, 'restarting the consumer stream failed; trying again');
      void this.#restart();
    }
  }

  /**
   * After each finished message or batch: resume a paused stream, commit when due, and at the end of what was
   * fetched. Returns the check-in to wait for when a commit was due (most messages have none).
   */
  #finished(drained: boolean): Promise<void> | undefined {
    if (this.#stream?.isPaused() && this.#lanes.buffered < BUFFERED_MESSAGES / 2 && !this.#stopping) this.#stream.resume();
    if (drained) this.#pacer.request(() => this.#commitFinished());
    else if (this.#pacer.due()) return this.#pacer.checkIn(() => this.#commitFinished());
    else this.#commitWithinInterval();
    return undefined;
  }

  /**
   * What finished is committed within `commitIntervalMs` even when no further message of its lane finishes
   * soon (the next one is retried, or hangs): a crash then delivers again only from the message in hand.
   */
  #commitWithinInterval(): void {
    if (this.#commitTimer !== undefined || this.#stopping) return;
    this.#commitTimer = setTimeout(() => {
      this.#commitTimer = undefined;
      if (!this.#stopping) this.#pacer.request(() => this.#commitFinished());
    }, this.#kafkaSettings.commitIntervalMs);
    this.#commitTimer.unref();
  }

  /** Commits, per partition, the last finished offset not committed yet. */
  async #commitFinished(): Promise<void> {
    const commits = this.#lanes.takeCommits();
    // A commit the client queues while the group is not active is sent with the next one: bounded, so the pacer goes on.
    const results = await Promise.allSettled(commits.map(({ message }) => withTimeout(Promise.resolve(message.fetched.commit()), COMMIT_TIMEOUT_MS)));
    let failure: unknown;
    results.forEach((result, index) => {
      const { lane, message } = commits[index]!;
      if (result.status === 'fulfilled') {
        this.#onCommit(this.#settings.groupId, message.message.topic, message.message.partition, (message.offset + 1n).toString());
      } else {
        this.#lanes.commitFailed(lane, message.offset);
        failure ??= result.reason;
      }
    });
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error('committing offsets failed');
  }
}
