import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import { MAX_BATCH_MESSAGES, type ConsumerSettings, type DeliveryControl, type Dispatch, type IncomingMessage } from '../transport.ts';
import { CommitPacer } from '../kafka/commit-pacer.ts';
import type { CommitListener } from '../kafka/committed-offsets.ts';
import { HandledOffsets } from '../kafka/handled-offsets.ts';
import type { KafkaSettings } from '../kafka/kafka-settings.ts';
import { headerMap } from './kafka-headers.ts';

/**
 * One subscription's kafkajs consumer: fetches batches, hands each message to the listener in order
 * (or, for a batch subscription, the whole batch at once), and commits only finished offsets, paced by its CommitPacer (never waiting for a commit on the
 * handling path; at the end of each batch and on stop it waits for them).
 */
export class ConsumerLoop {
  readonly #consumer: Consumer;
  readonly #pacer: CommitPacer;
  #stopping?: Promise<void>;

  private constructor(consumer: Consumer, pacer: CommitPacer) {
    this.#consumer = consumer;
    this.#pacer = pacer;
  }

  static async start(
    kafka: Kafka,
    kafkaSettings: KafkaSettings['consumer'],
    settings: ConsumerSettings,
    dispatch: Dispatch,
    logger: Logger,
    onCommit: CommitListener,
  ): Promise<ConsumerLoop> {
    const consumer = kafka.consumer({
      groupId: settings.groupId,
      sessionTimeout: kafkaSettings.sessionTimeoutMs,
      heartbeatInterval: kafkaSettings.heartbeatIntervalMs,
      allowAutoTopicCreation: false,
    });
    logEvents(consumer, logger, onCommit);
    await consumer.connect();
    await consumer.subscribe({ topics: [settings.topic], fromBeginning: kafkaSettings.fromBeginning });
    const handled = new HandledOffsets();
    const pacer = CommitPacer.forConsumer(kafkaSettings, settings.groupId, logger);
    await consumer.run({
      // Commits are the CommitPacer's, not kafkajs' (which would wait for one after every batch before
      // fetching again): only resolved offsets are committed, and an offset is resolved only once its
      // message, and every message before it in the batch, finished.
      autoCommit: false,
      autoCommitThreshold: pacer.commitEveryMessages,
      autoCommitInterval: kafkaSettings.commitIntervalMs,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: settings.concurrency,
      // eslint-disable-next-line @typescript-eslint/unbound-method -- kafkajs hands these over as plain functions
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, uncommittedOffsets }) => {
        const control: DeliveryControl = { heartbeat, shouldStop: () => !isRunning() || isStale() };
        const commitIfDue = () => commitOffsetsIfNecessary();
        const commitAll = () => commitOffsetsIfNecessary(uncommittedOffsets());
        const incoming = (message: KafkaMessage): IncomingMessage => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: headerMap(message.headers),
        });
        let finished: string | undefined;
        let completed = false;
        let messages = batch.messages;
        const skipped = handled.alreadyFinished(batch.partition, messages);
        if (skipped > 0) {
          finished = messages[skipped - 1]?.offset;
          messages = messages.slice(skipped);
          logger.info(
            { groupId: settings.groupId, topic: batch.topic, partition: batch.partition, skipped, upTo: finished },
            'skipped messages this process had finished before its group coordinator moved; committing past them',
          );
        }
        try {
          if (dispatch.kind === 'batch') {
            for (let start = 0; start < messages.length; start += MAX_BATCH_MESSAGES) {
              if (control.shouldStop()) return;
              const slice = messages.slice(start, start + MAX_BATCH_MESSAGES);
              await dispatch.listener({ topic: batch.topic, partition: batch.partition, messages: slice.map(incoming) }, control);
              finished = slice.at(-1)?.offset ?? finished;
              if (finished !== undefined && start + MAX_BATCH_MESSAGES < messages.length) {
                handled.finished(batch.partition, finished);
                resolveOffset(finished);
                pacer.request(commitAll);
                await heartbeat();
              }
            }
          } else {
            for (const message of messages) {
              if (control.shouldStop()) return;
              await dispatch.listener(incoming(message), control);
              finished = message.offset;
              if (pacer.due()) {
                handled.finished(batch.partition, finished);
                resolveOffset(finished);
                await pacer.checkIn(commitIfDue);
                await heartbeat();
              }
            }
          }
          completed = true;
        } finally {
          if (finished !== undefined) {
            handled.finished(batch.partition, finished);
            resolveOffset(finished);
          }
          // What the batch finished is committed now, or right after the commit in flight. When the batch
          // ends early (stop, rebalance, failure) or the worker is stopping, that commit lands before
          // kafkajs leaves or rejoins the group.
          pacer.request(commitAll);
          if (!completed || !isRunning() || pacer.stopping) await pacer.idle();
        }
      },
    });
    return new ConsumerLoop(consumer, pacer);
  }

  /** Lets the commits in flight land, then stops the consumer (its current batch finishes and is committed) and leaves the group. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#pacer.stopping = true;
      await this.#pacer.finish();
      await this.#consumer.disconnect();
    })();
    return this.#stopping;
  }
}

function logEvents(consumer: Consumer, logger: Logger, onCommit: CommitListener): void {
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    logger.info({ groupId: payload.groupId, memberId: payload.memberId, partitions: payload.memberAssignment }, 'joined consumer group');
  });
  consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
    logger.debug({ groupId: payload.groupId, topics: payload.topics }, 'committed offsets');
    for (const { topic, partitions } of payload.topics) {
      // kafkajs reports the partition as a string here, despite its type.
      for (const { partition, offset } of partitions) onCommit(payload.groupId, topic, Number(partition), offset);
    }
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    // kafkajs restarts the consumer after a retriable error (a coordinator still loading after a
    // broker start): a warning. A crash it does not recover from is an error.
    const level = payload.restart ? 'warn' : 'error';
    logger[level](
      { groupId: payload.groupId, err: payload.error, restart: payload.restart },
      payload.restart ? 'consumer restarting after an error' : 'consumer crashed',
    );
  });
}
