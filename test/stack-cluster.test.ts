/**
 * The three-node cluster of scripts/stack/stack.mjs behaves like a production one: a crashed leader is replaced
 * and writes with acks=all go on, two nodes down stop them (min.insync.replicas=2), restarted nodes catch up, and
 * nothing acknowledged is lost.
 */
import assert from 'node:assert/strict';
import type { Kafka, Producer } from 'kafkajs';
import { clusterClient, leaderOf, startKafkaCluster, waitForFullIsr, type KafkaCluster } from './support/cluster.js';

const PARTITIONS = [0, 1, 2];
const log = (line: string): void => void process.stderr.write(`[cluster test] ${line}\n`);
const secondsSince = (t: number): string => `${((Date.now() - t) / 1000).toFixed(1)} s`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The error's type, message and causes, in one line (kafkajs wraps the broker's error in retry errors). */
function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { type?: string; message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    parts.push([e.type, e.message].filter(Boolean).join(': '));
  }
  return parts.join(' <- ');
}

/** Reads every value of the topic from the start up to its end offsets at the time of the call. */
async function readValues(kafka: Kafka, topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  await admin.disconnect();
  const values: string[] = [];
  const consumer = kafka.consumer({ groupId: `cluster-test-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${values.length} of ${total} messages of ${topic}`)), 60_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value?.toString() ?? '');
            if (values.length >= total) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

describe('stack.mjs three-node cluster @kafka', function () {
  this.timeout(240_000);
  let cluster: KafkaCluster | undefined;
  let producer: Producer | undefined;

  before(async function () {
    const t = Date.now();
    cluster = await startKafkaCluster();
    log(`cluster started in ${secondsSince(t)}`);
  });

  after(async function () {
    await producer?.disconnect().catch(() => {});
    await cluster?.stop();
  });

  it('survives a killed leader, refuses acks=all writes with two nodes down, and loses nothing acknowledged', async function () {
    const c = cluster!;
    const topic = `cluster-test-${Date.now()}`;
    const kafka = clusterClient(c);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS.length, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();
    await waitForFullIsr(c, [topic], 30_000);

    const acknowledged: string[] = [];
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const p = producer;
    /** One message to each partition (a failed one is retried with the same value) until all are acknowledged. */
    const produceToAll = async (label: string, withinMs: number): Promise<void> => {
      const deadline = Date.now() + withinMs;
      const pending = new Set(PARTITIONS);
      let lastError = '';
      while (pending.size > 0) {
        for (const partition of [...pending]) {
          const value = `${label}-p${partition}`;
          try {
            await p.send({ topic, acks: -1, timeout: 10_000, messages: [{ partition, value }] });
            acknowledged.push(value);
            pending.delete(partition);
          } catch (err) {
            lastError = describeError(err);
          }
        }
        if (pending.size === 0) return;
        assert.ok(Date.now() < deadline, `${label}: partitions ${[...pending].join(',')} not writable within ${withinMs / 1000} s: ${lastError}`);
        await sleep(250);
      }
    };

    await produceToAll('before', 30_000);

    // Crash the leader of partition 0: a new one is elected once the controller fences it, and writes go on.
    const first = await leaderOf(c, topic, 0);
    const survivors = c.nodes.filter((n) => n.id !== first.id);
    let t = Date.now();
    await first.kill();
    log(`killed node ${first.id} (leader of ${topic}-0)`);
    const newLeader = (async () => {
      for (;;) {
        const leader = await leaderOf(c, topic, 0).catch(() => undefined);
        if (leader && leader.id !== first.id) return log(`${topic}-0: node ${leader.id} leads after ${secondsSince(t)}`);
        await sleep(100);
      }
    })();
    await produceToAll('one-down', 30_000);
    log(`writes to all partitions acknowledged again ${secondsSince(t)} after the kill`);
    await newLeader;
    assert.equal(first.running, false);

    // Two nodes down: the controller quorum (2 of 3) is gone and no partition keeps 2 in-sync replicas.
    const keeper = await leaderOf(c, topic, 0);
    const second = survivors.find((n) => n.id !== keeper.id)!;
    await second.kill();
    log(`killed node ${second.id}; node ${keeper.id} alone leads ${topic}-0`);
    const impatient = clusterClient(c, {
      connectionTimeout: 1000,
      requestTimeout: 5000,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
    }).producer({ allowAutoTopicCreation: false });
    await impatient.connect();
    t = Date.now();
    const failure = await impatient.send({ topic, acks: -1, timeout: 3000, messages: [{ partition: 0, value: 'two-down' }] }).then(
      () => undefined,
      (err: unknown) => describeError(err),
    );
    await impatient.disconnect();
    log(`acks=-1 write with two nodes down: ${failure ?? 'acknowledged'} (${secondsSince(t)})`);
    assert.ok(failure, 'a write with acks=-1 must not be acknowledged with two of three nodes down');
    assert.match(failure, /NOT_ENOUGH_REPLICAS|REQUEST_TIMED_OUT|timed? ?out/i);

    // Both back: every partition gets its three in-sync replicas again.
    t = Date.now();
    await Promise.all([first.start(), second.start()]);
    log(`nodes ${first.id} and ${second.id} restarted in ${secondsSince(t)}`);
    assert.ok(c.nodes.every((n) => n.running));
    t = Date.now();
    await waitForFullIsr(c, [topic], 60_000);
    log(`ISR of ${topic} back to 3 ${secondsSince(t)} after the restart`);

    await produceToAll('after', 30_000);
    const values = await readValues(kafka, topic);
    const ackedSet = new Set(acknowledged);
    const readAcked = values.filter((v) => ackedSet.has(v));
    log(`read ${values.length} messages, ${readAcked.length} of them acknowledged ones (${acknowledged.length} acknowledged)`);
    assert.deepEqual(
      acknowledged.filter((v) => !values.includes(v)),
      [],
      'acknowledged messages missing',
    );
    assert.equal(readAcked.length, acknowledged.length, 'every acknowledged message is read back exactly once');
  });
});
