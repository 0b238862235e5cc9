/**
 * The contract of the runtime's Kafka transports (`Transport` in packages/runtime/src/eventing/transport.ts),
 * run against the real broker of the test run, once per client: every Kafka transport must pass it
 * unchanged. It takes the transports from the built package (`kafka-eventing-runtime/<client>`), as a
 * service does, and checks what they did with clients of the tests' own (support/kafka.ts).
 *
 * Why here and not in packages/runtime/test/: the root tsc compiles test/ in place, and the runtime's
 * sources import with `.ts` specifiers (allowImportingTsExtensions), which the root tsconfig refuses
 * (TS5097); compiling the contract from there would also drop .js files into the runtime's test folder.
 *
 * At-least-once bound asserted for a rebalance (see `redeliveryBound`): per partition, at most
 * commitEveryMessages + 1 finished messages are handled a second time - what CommitPacer documents a
 * crash may deliver again (about commitEveryMessages finished since the last commit) plus the message
 * in hand when the partition was revoked. With commitEveryMessages 4 that is 5.
 *
 * Contract points a client does not meet today are listed by the caller (`knownDifferences`): such a
 * test runs its full assertions and must fail with an AssertionError; it fails the run once it passes
 * (the difference is gone: remove the entry).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Partitioners, type Admin, type PartitionMetadata } from 'kafkajs';
import {
  createLogger,
  EventingMetrics,
  LagMonitor,
  originalHeaders,
  topicDeadLetterSink,
  type DeliveryControl,
  type HeaderMap,
  type IncomingBatch,
  type IncomingMessage,
  type Logger,
  type MessageListener,
  type OutgoingMessage,
  type RunningConsumer,
  type Transport,
} from 'kafka-eventing-runtime';
import type { KafkaSettings } from 'kafka-eventing-runtime/kafkajs';
import { kafkaClient, readTopic as readTopicOnce, topicSize, type TopicMessage } from './kafka.js';
import { kafkaStack, type KafkaStack } from './stack.js';

/** A Kafka transport as the contract sees it: the interface, plus the dead-letter replay the generated `dead-letters:replay` script calls. */
export interface ContractTransport extends Transport {
  replay(deadLetterTopic: string, groupId: string, strip: (headers: HeaderMap) => HeaderMap): Promise<number>;
}

export type TransportFactory = (settings: KafkaSettings, logger: Logger) => ContractTransport;

/** Titles of the contract's tests (the keys of `knownDifferences`). */
export const CONTRACT_TESTS = {
  topics: 'topics: missingTopics names the absent ones (deduplicated), ensureTopics creates them with leaders, again is a no-op',
  readiness:
    'isReady: reachable and writable for existing topics, not writable for a missing one, not reachable (without rejecting, in bounded time) for a dead broker',
  send: 'send: once it resolves, every message is on the topic with key, headers and value intact, each key on one partition (Java murmur2) in send order',
  sendBounded: 'send: a send that cannot be acknowledged rejects within its sendTimeoutMs',
  consume:
    'consume: every message once, in order per partition, at most `concurrency` partitions at a time; finished offsets committed while running',
  failing:
    'consume: a failing message is delivered again, the next one waits, nothing is committed past it; stop commits what finished; the next consumer starts at it',
  failingCommitsFinished: 'consume: what finished before a message that keeps failing is committed within commitIntervalMs (not only on stop)',
  stopDrains:
    'stop: lets the message in hand finish (shouldStop() turns true), starts no other, commits it; the next consumer of the group starts right after it',
  disconnectDrains: 'disconnect: stops the running consumers as stop does (the message in hand finishes and is committed)',
  batches:
    'consumeBatches: fetched batches per partition in offset order, a rejected batch delivered again from its first offset, each message finished once, committed',
  rebalance:
    'rebalance: a second consumer of the group takes partitions; nothing is lost, finished messages handled again stay within the at-least-once bound',
  deadLetterLane:
    'dead-letter lane (DEAD_LETTER_SEND): a dead letter does not wait behind a busy normal lane; a dead-letter topic that cannot be written does not fail normal sends',
  lag: 'lag: per partition end offset minus committed offset (the low offset before any commit), also from a fresh transport, and as LagMonitor gauges',
  replay: 'replay: copies the dead-letter topic into the original topic without dead-letter headers; a second run copies only what arrived since',
  replayExpired: 'replay: a dead-letter topic whose records were all deleted (retention) replays nothing and returns',
} as const;

export type ContractTest = keyof typeof CONTRACT_TESTS;

export interface ContractOptions {
  /** Contract points this client does not meet today, with why: the test must fail (see the file comment). */
  readonly knownDifferences?: Partial<Record<ContractTest, string>>;
}

const PARTITION_COUNT_HINT = 'the broker default num.partitions (3 on the test stack)';
/** At most this many messages per batch: MAX_BATCH_MESSAGES of transport.ts (a type-only export of the package). */
const MAX_BATCH_MESSAGES = 500;
const COMMIT_EVERY_MESSAGES = 4;
const COMMIT_INTERVAL_MS = 100;

/** Per partition, finished messages a rebalance may hand over again: commitEveryMessages (CommitPacer's bound) plus the message in hand. */
export const redeliveryBound = COMMIT_EVERY_MESSAGES + 1;

/** Short timeouts: the broker is local, and a failure should show within seconds. */
export function contractSettings(brokers: readonly string[], clientId: string): KafkaSettings {
  return {
    clientId,
    brokers: [...brokers],
    ssl: false,
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 10_000,
    producer: { idempotent: true, acks: -1, retries: 2, sendTimeoutMs: 5000 },
    // 6 s is the broker's group.min.session.timeout.ms.
    consumer: {
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      fromBeginning: true,
      commitEveryMessages: COMMIT_EVERY_MESSAGES,
      commitIntervalMs: COMMIT_INTERVAL_MS,
    },
    readiness: { leaderlessGraceMs: 5000, timeoutMs: 1500 },
  };
}

export function describeTransportContract(name: string, makeTransport: TransportFactory, options: ContractOptions = {}): void {
  describe(`transport contract: ${name} @kafka`, function () {
    this.timeout(45_000);
    let stack: KafkaStack;
    let admin: Admin;
    const opened: ContractTransport[] = [];
    const consumers: RunningConsumer[] = [];
    const logger = createLogger({ level: (process.env.CONTRACT_LOG_LEVEL ?? 'silent') as 'silent', serviceName: `contract-${name}` });

    const unique = (what: string): string => `contract-${name}-${what}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const transport = (overrides: Partial<KafkaSettings> = {}): ContractTransport => {
      const created = makeTransport({ ...contractSettings(stack.brokers.split(','), unique('client')), ...overrides }, logger);
      opened.push(created);
      return created;
    };
    const consume = async (t: ContractTransport, topic: string, groupId: string, listener: MessageListener, concurrency = 1) => {
      const running = await t.consume({ name: 'contract', topic, groupId, concurrency }, listener);
      consumers.push(running);
      return running;
    };
    /** Committed offsets of the group as the broker holds them (-1: none), by partition. */
    const committed = async (groupId: string, topic: string): Promise<Map<number, bigint>> => {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((entry?.partitions ?? []).map(({ partition, offset }) => [partition, BigInt(offset)]));
    };
    const endOffsets = async (topic: string): Promise<Map<number, bigint>> => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]));
        } catch (error) {
          // As readTopic below: a topic created a moment ago may answer NOT_LEADER for a few milliseconds.
          if (attempt >= 5 || !(error as { retriable?: boolean }).retriable) throw error;
          await sleep(200);
        }
      }
    };

    /** A contract test; for a listed difference, one that must fail with an AssertionError. */
    const contract = (test: ContractTest, body: () => Promise<void>): void => {
      const known = options.knownDifferences?.[test];
      if (!known) {
        it(CONTRACT_TESTS[test], body);
        return;
      }
      it(`${CONTRACT_TESTS[test]} [known difference: ${known}]`, async () => {
        try {
          await body();
        } catch (error) {
          if (error instanceof assert.AssertionError) return;
          throw error;
        }
        assert.fail(`${name} now meets "${test}": remove it from knownDifferences`);
      });
    };

    before(async () => {
      stack = await kafkaStack();
      admin = kafkaClient(stack).admin();
      await admin.connect();
    });

    // Cleanup runs in the background and is awaited once, at the end: an idle kafkajs consumer takes
    // about its fetch wait (5 s) to stop, which would otherwise be paid after every test.
    const cleanups: Promise<unknown>[] = [];
    afterEach(() => {
      cleanups.push(...consumers.splice(0).map((running) => running.stop()));
      cleanups.push(...opened.splice(0).map((t) => t.disconnect()));
    });

    after(async () => {
      const started = Date.now();
      await settleWithin(cleanups.splice(0), 20_000);
      if (process.env.CONTRACT_DEBUG) process.stderr.write(`${name}: cleanup took ${Date.now() - started} ms\n`);
      await admin?.disconnect();
    });

    contract('topics', async () => {
      const t = transport();
      assert.equal(t.kind, 'kafka');
      await t.connect();
      const [a, b, c] = [unique('topics-a'), unique('topics-b'), unique('topics-c')];
      assert.deepEqual(await t.missingTopics([a, b, a]), [a, b], 'both absent, each named once');
      await t.ensureTopics([a, b, a]);
      assert.deepEqual(await t.missingTopics([a, b]), []);
      assert.deepEqual(await t.missingTopics([a, c]), [c]);
      const { topics } = await admin.fetchTopicMetadata({ topics: [a, b] });
      for (const topic of topics) {
        assert.ok(topic.partitions.length >= 1, `${topic.name} has partitions (${PARTITION_COUNT_HINT})`);
        for (const partition of topic.partitions)
          assert.ok(partition.leader >= 0, `${topic.name}/${partition.partitionId} has a leader once ensureTopics resolved`);
      }
      await t.ensureTopics([a, b]);
      await t.send([{ topic: a, key: 'k', value: Buffer.from('right after ensureTopics'), headers: {} }]);
      assert.deepEqual(await transport().missingTopics([a, b]), [], 'another transport (process) sees them: they are on the broker');
    });

    contract('readiness', async () => {
      const t = transport();
      const [present, absent] = [unique('ready'), unique('ready-missing')];
      await t.ensureTopics([present]);
      assert.deepEqual(await t.isReady([present]), { reachable: true, writable: true, reasons: [] });
      const missing = await transport().isReady([present, absent]);
      assert.equal(missing.reachable, true);
      assert.equal(missing.writable, false);
      assert.equal(missing.reasons.length, 1, missing.reasons.join('; '));
      assert.match(missing.reasons[0]!, new RegExp(`^${absent}: `));
      // Ready again by itself once the topic exists (answers are reused for about a second).
      const u = transport();
      assert.equal((await u.isReady([absent])).writable, false);
      await u.ensureTopics([absent]);
      await waitFor(async () => (await u.isReady([absent])).writable, 4000, 'isReady writable after the topic was created');

      const timeoutMs = 1000;
      const dead = transport({ brokers: [`127.0.0.1:${await closedPort()}`], readiness: { leaderlessGraceMs: 5000, timeoutMs } });
      const started = Date.now();
      const down = await dead.isReady([present]);
      const took = Date.now() - started;
      assert.deepEqual(
        { reachable: down.reachable, writable: down.writable, reasons: down.reasons.length },
        { reachable: false, writable: false, reasons: 1 },
      );
      assert.ok(took < timeoutMs + 1500, `answered in ${took} ms (readiness.timeoutMs ${timeoutMs})`);
    });

    contract('send', async () => {
      const t = transport();
      const topic = unique('send');
      await t.ensureTopics([topic]);
      const sent: OutgoingMessage[] = Array.from({ length: 24 }, (_, seq) => ({
        topic,
        key: `key-${seq % 4}`,
        // Not UTF-8: bytes must arrive as they were.
        value: Buffer.concat([Buffer.from([seq, 0xff, 0x00, 0xfe, 0xc3]), randomBytes(16)]),
        headers: { 'x-seq': String(seq), 'event-id': `event-${seq}`, 'x-text': 'zürich ✓', 'x-empty': '' },
      }));
      const keyless: OutgoingMessage = { topic, key: null, value: Buffer.from('no key'), headers: {} };
      // One send of 12, then 12 sends of one issued without waiting in between, then one without key.
      const sends = [t.send(sent.slice(0, 12)), ...sent.slice(12).map((message) => t.send([message])), t.send([keyless])];
      await Promise.all(sends);

      const read = await readTopic(stack, topic);
      assert.equal(read.length, sent.length + 1, 'every message once (no duplicate)');
      const bySeq = new Map(read.filter((m) => m.headers['x-seq'] !== undefined).map((m) => [Number(m.headers['x-seq']), m]));
      const partitions = await partitionMetadata(admin, topic);
      for (const [seq, message] of sent.entries()) {
        const got = bySeq.get(seq);
        assert.ok(got, `message ${seq} is on the topic`);
        assert.equal(got.key, message.key);
        assert.deepEqual(got.value, message.value, `value of ${seq}`);
        assert.deepEqual(got.headers, message.headers, `headers of ${seq}`);
        assert.equal(got.partition, javaPartition(topic, message.key!, partitions), `${message.key} on the partition Java's murmur2 gives it`);
      }
      for (let k = 0; k < 4; k += 1) {
        const ofKey = read.filter((m) => m.key === `key-${k}`).sort((x, y) => Number(BigInt(x.offset) - BigInt(y.offset)));
        assert.equal(new Set(ofKey.map((m) => m.partition)).size, 1, `key-${k} on one partition`);
        assert.deepEqual(
          ofKey.map((m) => Number(m.headers['x-seq'])),
          sent
            .map((m, seq) => ({ m, seq }))
            .filter(({ m }) => m.key === `key-${k}`)
            .map(({ seq }) => seq),
          `key-${k} in the order sent`,
        );
      }
      const none = read.find((m) => m.key === null);
      assert.ok(none, 'the keyless message is there');
      assert.deepEqual({ value: none.value?.toString(), headers: none.headers }, { value: 'no key', headers: {} });
    });

    contract('sendBounded', async () => {
      const t = transport();
      await t.connect();
      const sendTimeoutMs = 2000;
      const started = Date.now();
      await assert.rejects(t.send([{ topic: unique('send-missing'), key: 'k', value: Buffer.from('x'), headers: {} }], { sendTimeoutMs }));
      const took = Date.now() - started;
      assert.ok(took < sendTimeoutMs + 1500, `rejected after ${took} ms (sendTimeoutMs ${sendTimeoutMs})`);
    });

    contract('consume', async () => {
      const t = transport();
      const topic = unique('consume');
      const groupId = unique('group');
      await t.ensureTopics([topic]);
      const sent = Array.from({ length: 30 }, (_, seq) => message(topic, `key-${seq % 6}`, seq));
      await t.send(sent);
      const onTopic = await readTopic(stack, topic);

      const handled: IncomingMessage[] = [];
      const inFlight = new Map<number, number>();
      let busy = 0;
      let maxBusy = 0;
      const overlaps: string[] = [];
      const concurrency = 2;
      await consume(
        t,
        topic,
        groupId,
        async (incoming, control) => {
          busy += 1;
          maxBusy = Math.max(maxBusy, busy);
          inFlight.set(incoming.partition, (inFlight.get(incoming.partition) ?? 0) + 1);
          // Recorded, not thrown: a listener that throws only gets its message again.
          if (inFlight.get(incoming.partition) !== 1) overlaps.push(`${incoming.partition}/${incoming.offset}`);
          await control.heartbeat();
          await sleep(5);
          handled.push(incoming);
          inFlight.set(incoming.partition, inFlight.get(incoming.partition)! - 1);
          busy -= 1;
        },
        concurrency,
      );
      await waitFor(() => handled.length >= sent.length, 15_000, `${sent.length} messages handled`);
      const ends = await endOffsets(topic);
      // Committed while running, not only on stop.
      await waitFor(async () => sameOffsets(await committed(groupId, topic), ends), 3000, 'the finished offsets committed while the consumer runs');
      await sleep(300);
      assert.equal(handled.length, sent.length, 'each message once');
      assert.deepEqual(overlaps, [], 'one message of a partition at a time');
      assert.ok(maxBusy <= concurrency, `at most ${concurrency} partitions at a time (saw ${maxBusy})`);
      for (const incoming of handled) {
        const expected = onTopic.find((m) => m.partition === incoming.partition && m.offset === incoming.offset);
        assert.ok(expected, `${incoming.partition}/${incoming.offset} is a message of the topic`);
        assert.equal(incoming.topic, topic);
        assert.deepEqual(incoming.key, Buffer.from(expected.key!));
        assert.deepEqual(incoming.value, expected.value);
        assert.deepEqual(incoming.headers, expected.headers);
      }
      assertOrderedPerPartition(handled.map(({ partition, offset }) => ({ partition, offset })));
      assert.ok(
        (await t.lag(groupId, topic)).every(({ lag }) => lag === 0),
        'no lag once everything is committed',
      );
    });

    contract('failing', async () => {
      const t = transport();
      const topic = unique('failing');
      const groupId = unique('group');
      await t.ensureTopics([topic]);
      await t.send(Array.from({ length: 5 }, (_, seq) => message(topic, 'one-partition', seq)));
      const onTopic = await readTopic(stack, topic);
      const { partition } = onTopic[0]!;
      const offsetOf = (seq: number) => BigInt(onTopic.find((m) => m.headers['x-seq'] === String(seq))!.offset);

      const calls: number[] = [];
      const finished: number[] = [];
      const first = await consume(t, topic, groupId, async (incoming) => {
        const seq = Number(incoming.headers['x-seq']);
        calls.push(seq);
        if (seq === 2) throw new Error('the listener fails on message 2, every time');
        finished.push(seq);
      });
      await waitFor(() => calls.filter((seq) => seq === 2).length >= 3, 10_000, 'message 2 delivered again after failing');
      assert.deepEqual(finished, [0, 1], 'message 3 waits while message 2 fails');
      assert.ok(!calls.includes(3), 'message 3 is never handed over before message 2 succeeded');
      await sleep(COMMIT_INTERVAL_MS * 3);
      const meanwhile = (await committed(groupId, topic)).get(partition);
      assert.ok(meanwhile === undefined || meanwhile <= offsetOf(2), `never committed past the failing message (committed ${meanwhile})`);

      await first.stop();
      assert.equal((await committed(groupId, topic)).get(partition), offsetOf(2), 'after stop: committed up to the failing message, not past it');
      const resumed: number[] = [];
      await consume(transport(), topic, groupId, async (incoming) => {
        resumed.push(Number(incoming.headers['x-seq']));
      });
      await waitFor(() => resumed.length >= 3, 10_000, 'the next consumer handles messages 2-4');
      await sleep(200);
      assert.deepEqual(resumed, [2, 3, 4], 'the next consumer of the group starts at the failing message');
    });

    contract('failingCommitsFinished', async () => {
      const t = transport();
      const topic = unique('failing-commit');
      const groupId = unique('group');
      await t.ensureTopics([topic]);
      await t.send(Array.from({ length: 5 }, (_, seq) => message(topic, 'one-partition', seq)));
      const onTopic = await readTopic(stack, topic);
      const { partition } = onTopic[0]!;
      const failing = BigInt(onTopic.find((m) => m.headers['x-seq'] === '2')!.offset);
      let attempts = 0;
      await consume(t, topic, groupId, async (incoming) => {
        if (incoming.headers['x-seq'] !== '2') return;
        attempts += 1;
        throw new Error('the listener fails on message 2, every time');
      });
      await waitFor(() => attempts >= 1, 10_000, 'message 2 in hand');
      // KafkaSettings.consumer.commitIntervalMs: finished offsets are committed at least this often.
      await waitFor(
        async () => (await committed(groupId, topic)).get(partition) === failing,
        COMMIT_INTERVAL_MS + 2000,
        `offset ${failing} (messages 0 and 1 finished) committed while message 2 keeps failing`,
      );
      const lag = (await t.lag(groupId, topic)).find((entry) => entry.partition === partition);
      assert.equal(lag?.lag, 3, 'the lag counts the failing message and those after it');
    });

    const drains = (how: 'stop' | 'disconnect') => async () => {
      const t = transport();
      const topic = unique(`drain-${how}`);
      const groupId = unique('group');
      await t.ensureTopics([topic]);
      await t.send(Array.from({ length: 8 }, (_, seq) => message(topic, 'one-partition', seq)));
      const onTopic = await readTopic(stack, topic);
      const { partition } = onTopic[0]!;
      const offsetOf = (seq: number) => BigInt(onTopic.find((m) => m.headers['x-seq'] === String(seq))!.offset);

      const started: number[] = [];
      const finishedAt = new Map<number, number>();
      let inHand = false;
      let sawStop: boolean | undefined;
      let stopCalledAt = Number.POSITIVE_INFINITY;
      const startedAfterStop: number[] = [];
      const running = await consume(t, topic, groupId, async (incoming, control: DeliveryControl) => {
        const seq = Number(incoming.headers['x-seq']);
        if (Date.now() >= stopCalledAt) startedAfterStop.push(seq);
        started.push(seq);
        if (seq === 3) {
          inHand = true;
          await sleep(800);
          sawStop = control.shouldStop();
        }
        finishedAt.set(seq, Date.now());
      });
      await waitFor(() => inHand, 10_000, 'message 3 in hand');
      await sleep(200);
      const whileInHand = (await committed(groupId, topic)).get(partition);
      assert.ok(whileInHand !== undefined && whileInHand <= offsetOf(3), `not committed past the message in hand (committed ${whileInHand})`);
      stopCalledAt = Date.now();
      await (how === 'stop' ? running.stop() : t.disconnect());
      const stoppedAt = Date.now();

      assert.ok((finishedAt.get(3) ?? Infinity) <= stoppedAt, `${how} resolved only after the message in hand finished`);
      assert.equal(sawStop, true, 'shouldStop() is true for the message in hand once stopping');
      assert.deepEqual(startedAfterStop, [], `no message handed over after ${how} was called`);
      assert.deepEqual(started, [0, 1, 2, 3]);
      assert.equal((await committed(groupId, topic)).get(partition), offsetOf(3) + 1n, `${how} committed the message in hand`);

      const resumed: number[] = [];
      await consume(transport(), topic, groupId, async (incoming) => {
        resumed.push(Number(incoming.headers['x-seq']));
      });
      await waitFor(() => resumed.length >= 4, 10_000, 'the next consumer handles messages 4-7');
      await sleep(200);
      assert.deepEqual(resumed, [4, 5, 6, 7], 'the next consumer starts right after the last finished message');
    };
    contract('stopDrains', drains('stop'));
    contract('disconnectDrains', drains('disconnect'));

    contract('batches', async () => {
      const t = transport();
      const topic = unique('batches');
      const groupId = unique('group');
      await t.ensureTopics([topic]);
      const sent = Array.from({ length: 30 }, (_, seq) => message(topic, `key-${seq % 6}`, seq));
      await t.send(sent);
      const onTopic = await readTopic(stack, topic);

      const delivered: { partition: number; offsets: bigint[]; ok: boolean }[] = [];
      const problems: string[] = [];
      let failed: { partition: number; first: bigint } | undefined;
      await t
        .consumeBatches({ name: 'contract', topic, groupId, concurrency: 3 }, async (batch: IncomingBatch, control) => {
          await control.heartbeat();
          // Recorded, not thrown: a listener that throws only gets its batch again.
          if (batch.messages.length < 1 || batch.messages.length > MAX_BATCH_MESSAGES) problems.push(`a batch of ${batch.messages.length}`);
          if (batch.topic !== topic) problems.push(`batch of topic ${batch.topic}`);
          for (const incoming of batch.messages) {
            const at = `${incoming.partition}/${incoming.offset}`;
            if (incoming.topic !== batch.topic || incoming.partition !== batch.partition) problems.push(`${at} in the batch of ${batch.partition}`);
            const expected = onTopic.find((m) => m.partition === incoming.partition && m.offset === incoming.offset);
            if (!expected || !incoming.value?.equals(expected.value!) || JSON.stringify(incoming.headers) !== JSON.stringify(expected.headers)) {
              problems.push(`${at}: value or headers differ from the topic`);
            }
          }
          const offsets = batch.messages.map((m) => BigInt(m.offset));
          if (!failed) {
            failed = { partition: batch.partition, first: offsets[0]! };
            delivered.push({ partition: batch.partition, offsets, ok: false });
            throw new Error('the first batch fails once');
          }
          delivered.push({ partition: batch.partition, offsets, ok: true });
        })
        .then((running) => consumers.push(running));

      const done = () => new Set(delivered.filter((d) => d.ok).flatMap((d) => d.offsets.map((o) => `${d.partition}/${o}`)));
      await waitFor(() => done().size >= sent.length, 15_000, `${sent.length} messages finished in batches`);
      const ends = await endOffsets(topic);
      await waitFor(async () => sameOffsets(await committed(groupId, topic), ends), 3000, 'finished batches committed while running');
      await sleep(300);

      assert.deepEqual(problems, [], 'batches as handed over');
      for (const { partition, offsets } of delivered) {
        for (let i = 1; i < offsets.length; i += 1)
          assert.ok(offsets[i]! > offsets[i - 1]!, `batch of ${partition} in offset order: ${offsets.join(',')}`);
      }
      const succeeded = delivered.filter((d) => d.ok);
      assert.equal(
        succeeded.reduce((sum, d) => sum + d.offsets.length, 0),
        sent.length,
        'each message in exactly one finished batch',
      );
      assert.ok(succeeded.length < sent.length, `a fetch is handed over as one batch, not message by message (${succeeded.length} batches)`);
      const retried = succeeded.find((d) => d.partition === failed!.partition);
      assert.equal(retried?.offsets[0], failed!.first, 'the rejected batch is delivered again from its first offset');
      assert.ok((await t.lag(groupId, topic)).every(({ lag }) => lag === 0));
    });

    contract('rebalance', async () => {
      const [a, b] = [transport(), transport()];
      const topic = unique('rebalance');
      const groupId = unique('group');
      await a.ensureTopics([topic]);
      await a.send(Array.from({ length: 90 }, (_, seq) => message(topic, `key-${seq}`, seq)));
      const ends = await endOffsets(topic);
      const total = [...ends.values()].reduce((sum, end) => sum + Number(end), 0);

      const finished = new Map<string, string[]>(); // partition/offset -> who finished it, each time
      const finish = (who: string) => async (incoming: IncomingMessage) => {
        await sleep(40);
        const at = `${incoming.partition}/${incoming.offset}`;
        finished.set(at, [...(finished.get(at) ?? []), who]);
      };
      await consume(a, topic, groupId, finish('a'), 3);
      await waitFor(() => finished.size >= 9, 10_000, 'the first consumer under way');
      await consume(b, topic, groupId, finish('b'), 3);
      await waitFor(() => finished.size >= total, 30_000, `all ${total} messages finished`);
      // Both still running (an idle kafkajs consumer takes seconds to stop): the commits are paced, not left to stop.
      await waitFor(async () => sameOffsets(await committed(groupId, topic), ends), 5000, 'everything committed');
      await sleep(300);

      const byB = [...finished.values()].filter((who) => who.includes('b')).length;
      assert.ok(byB > 0, 'the second consumer took partitions and handled messages');
      const again = new Map<number, number>();
      for (const [at, who] of finished) {
        if (who.length > 1) again.set(Number(at.split('/')[0]), (again.get(Number(at.split('/')[0])) ?? 0) + who.length - 1);
      }
      if (process.env.CONTRACT_DEBUG) process.stderr.write(`${name}: handled again per partition ${JSON.stringify([...again])}, by b ${byB}\n`);
      for (const [partition, count] of again) {
        assert.ok(count <= redeliveryBound, `partition ${partition}: ${count} finished messages handled again (bound ${redeliveryBound})`);
      }
    });

    contract('deadLetterLane', async () => {
      const t = transport();
      const [topic, deadLetters] = [unique('lane'), unique('lane-dlt')];
      await t.ensureTopics([topic, deadLetters]);
      const sink = topicDeadLetterSink(t); // sends with DEAD_LETTER_SEND, as the workers do
      // Both lanes connected first: the first send of a lane creates its producer.
      await Promise.all([t.send([message(topic, 'warm', -1)]), sink.write(message(deadLetters, 'warm', -1), 'warm')]);

      // 16 MB to one partition: the normal lane is busy with one request after the other for a while.
      const flood = Array.from({ length: 64 }, (_, seq) => ({ ...message(topic, 'flood', seq), value: Buffer.alloc(256 * 1024, seq) }));
      let floodDone: number | undefined;
      const flooding = t.send(flood).then(() => (floodDone = Date.now()));
      await sleep(20);
      const letterSent = Date.now();
      await sink.write(message(deadLetters, 'letter', 0), 'letter');
      const letterDone = Date.now();
      assert.equal(floodDone, undefined, `the dead letter (${letterDone - letterSent} ms) was acknowledged while the normal lane was still busy`);
      await flooding;
      assert.equal(await topicSize(stack, topic), 1 + flood.length);

      // A dead-letter topic that cannot be written (missing) fails its own send only.
      const failing = sink.write(message(unique('lane-missing-dlt'), 'letter', 1), 'letter');
      failing.catch(() => undefined);
      await sleep(20);
      let letterSettled = false;
      void failing.then(
        () => (letterSettled = true),
        () => (letterSettled = true),
      );
      const started = Date.now();
      await t.send([message(topic, 'alongside', 0)]);
      assert.ok(Date.now() - started < 2000, `a normal send alongside a failing dead letter is acknowledged at once (${Date.now() - started} ms)`);
      await assert.rejects(failing, 'the dead letter to a missing topic rejects');
      assert.ok(letterSettled);
    });

    contract('lag', async () => {
      const t = transport();
      const topic = unique('lag');
      const groupId = unique('group');
      await t.ensureTopics([topic]);
      await t.send(Array.from({ length: 12 }, (_, seq) => message(topic, `key-${seq % 4}`, seq)));
      const onTopic = await readTopic(stack, topic);
      const ends = await endOffsets(topic);
      const perPartition = (counts: Map<number, number>) =>
        [...ends.keys()].sort((x, y) => x - y).map((partition) => ({ partition, lag: counts.get(partition) ?? 0 }));
      const all = new Map([...ends].map(([partition, end]) => [partition, Number(end)]));
      // The order of the entries is no part of the contract (kafkajs answers in the broker's order): compared by partition.
      const lagOf = async (from: ContractTransport) => [...(await from.lag(groupId, topic))].sort((x, y) => x.partition - y.partition);
      assert.deepEqual(await lagOf(t), perPartition(all), 'before any commit: everything, from the low offset');

      // key-0's partition: its first message fails every time, so nothing of it is committed.
      const held = onTopic.find((m) => m.key === 'key-0')!.partition;
      const heldCount = onTopic.filter((m) => m.partition === held).length;
      await consume(
        t,
        topic,
        groupId,
        async (incoming) => {
          if (incoming.partition === held) throw new Error('held');
        },
        3,
      );
      const expected = perPartition(new Map([[held, heldCount]]));
      await waitFor(async () => JSON.stringify(await lagOf(t)) === JSON.stringify(expected), 10_000, `lag ${JSON.stringify(expected)}`);
      assert.deepEqual(await lagOf(transport()), expected, 'a fresh transport reads the same from the broker');

      const metrics = new EventingMetrics({ enabled: true, lagIntervalMs: 60_000 });
      const monitor = new LagMonitor(t, metrics, [{ name: 'contract', topic, groupId }], logger);
      await monitor.update();
      const gauges = (await metrics.consumerLag.get()).values
        .map(({ labels, value }) => ({ labels, value }))
        .sort((x, y) => Number(x.labels.partition) - Number(y.labels.partition));
      assert.deepEqual(
        gauges,
        expected.map(({ partition, lag }) => ({
          labels: { subscription: 'contract', group: groupId, topic, partition: String(partition) },
          value: lag,
        })),
      );
      await monitor.stop();
    });

    contract('replay', async () => {
      const t = transport();
      const [original, deadLetters] = [unique('replay'), unique('replay-dlt')];
      const groupId = `${unique('group')}.replay`;
      await t.ensureTopics([original, deadLetters]);
      const sink = topicDeadLetterSink(t);
      const letter = (seq: number, key: string | null): OutgoingMessage => ({
        topic: deadLetters,
        key,
        value: Buffer.concat([Buffer.from([seq, 0xff]), randomBytes(8)]),
        headers: {
          'event-id': `event-${seq}`,
          'x-seq': String(seq),
          'dead-letter-error-message': 'boom',
          'dead-letter-error-type': 'Error',
          'dead-letter-attempts': '3',
          'dead-letter-original-topic': original,
          'dead-letter-original-partition': '0',
          'dead-letter-original-offset': String(seq),
          'dead-letter-subscription': 'contract',
          'dead-letter-failed-at': new Date().toISOString(),
        },
      });
      const letters = [letter(0, 'a'), letter(1, 'b'), letter(2, 'a'), letter(3, null), letter(4, 'a')];
      for (const each of letters) await sink.write(each, `event-${each.headers['x-seq']}`);

      assert.equal(await t.replay(deadLetters, groupId, originalHeaders), letters.length);
      const replayed = await readTopic(stack, original);
      assert.equal(replayed.length, letters.length);
      for (const each of letters) {
        const got = replayed.find((m) => m.headers['x-seq'] === each.headers['x-seq']);
        assert.ok(got, `letter ${each.headers['x-seq']} replayed`);
        assert.equal(got.key, each.key);
        assert.deepEqual(got.value, each.value);
        assert.deepEqual(got.headers, { 'event-id': each.headers['event-id'], 'x-seq': each.headers['x-seq'] }, 'without the dead-letter headers');
      }
      assert.deepEqual(seqsOfKey(replayed, 'a'), ['0', '2', '4'], 'a key keeps its order');

      assert.equal(await t.replay(deadLetters, groupId, originalHeaders), 0, 'a second run finds nothing new');
      assert.equal(await topicSize(stack, original), letters.length);
      await sink.write(letter(5, 'a'), 'event-5');
      await sink.write(letter(6, 'c'), 'event-6');
      assert.equal(await transport().replay(deadLetters, groupId, originalHeaders), 2, 'only what arrived since (the group is on the broker)');
      assert.deepEqual(seqsOfKey(await readTopic(stack, original), 'a'), ['0', '2', '4', '5']);

      const empty = unique('replay-empty');
      await t.ensureTopics([empty]);
      assert.equal(await within(t.replay(empty, `${unique('group')}.replay`, originalHeaders), 10_000, 'replay of an empty topic'), 0);
    });

    contract('replayExpired', async () => {
      const t = transport();
      const [original, deadLetters] = [unique('expired'), unique('expired-dlt')];
      await t.ensureTopics([original, deadLetters]);
      const sink = topicDeadLetterSink(t);
      for (let seq = 0; seq < 3; seq += 1) {
        await sink.write({ ...message(deadLetters, `key-${seq}`, seq), headers: { 'dead-letter-original-topic': original } }, `event-${seq}`);
      }
      // As retention would: every record of the dead-letter topic is gone (low offset = end offset).
      const ends = await endOffsets(deadLetters);
      await admin.deleteTopicRecords({
        topic: deadLetters,
        partitions: [...ends].map(([partition, end]) => ({ partition, offset: end.toString() })),
      });
      assert.equal(await within(t.replay(deadLetters, `${unique('group')}.replay`, originalHeaders), 5000, 'replay of an expired topic'), 0);
    });
  });
}

function message(topic: string, key: string, seq: number): OutgoingMessage {
  return { topic, key, value: Buffer.from(`value-${seq}`), headers: { 'x-seq': String(seq), 'event-id': `event-${seq}` } };
}

function seqsOfKey(messages: readonly TopicMessage[], key: string): string[] {
  return messages
    .filter((m) => m.key === key)
    .sort((x, y) => Number(BigInt(x.offset) - BigInt(y.offset)))
    .map((m) => m.headers['x-seq'] ?? '?');
}

function assertOrderedPerPartition(handled: readonly { partition: number; offset: string }[]): void {
  const last = new Map<number, bigint>();
  for (const { partition, offset } of handled) {
    const previous = last.get(partition);
    assert.ok(previous === undefined || BigInt(offset) > previous, `partition ${partition}: ${offset} handed over after ${previous}`);
    last.set(partition, BigInt(offset));
  }
}

function sameOffsets(committed: Map<number, bigint>, ends: Map<number, bigint>): boolean {
  return [...ends].every(([partition, end]) => end === 0n || committed.get(partition) === end);
}

async function partitionMetadata(admin: Admin, topic: string): Promise<PartitionMetadata[]> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return [...(topics[0]?.partitions ?? [])].sort((a, b) => a.partitionId - b.partitionId);
}

/** The partition Java's default partitioner (murmur2, as kafkajs' DefaultPartitioner) gives a key. */
function javaPartition(topic: string, key: string, partitionMetadata: PartitionMetadata[]): number {
  return Partitioners.DefaultPartitioner()({ topic, partitionMetadata, message: { key, value: null } });
}

/**
 * The tests' own reads of a topic created a moment ago may be answered NOT_LEADER by the broker for a
 * few milliseconds after its metadata names the leader: tried again (the transport under test is not involved).
 */
async function readTopic(stack: KafkaStack, topic: string): Promise<TopicMessage[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await readTopicOnce(stack, topic);
    } catch (error) {
      if (attempt >= 5 || !(error as { retriable?: boolean }).retriable) throw error;
      await sleep(200);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) assert.fail(`not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

/** `promise`, or an AssertionError once `ms` passed. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new assert.AssertionError({ message: `${what}: no answer within ${ms} ms` })), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `promises` to settle, at most `ms` (a cleanup that hangs must not hang the run). */
async function settleWithin(promises: readonly Promise<unknown>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(promises), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
