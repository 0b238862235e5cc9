import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { CommitListener } from '../src/eventing/kafka/committed-offsets.ts';
import type { KafkaSettings } from '../src/eventing/kafka/kafka-settings.ts';
import { KafkaTransportBase, type KafkaClient, type PartitionOffsets } from '../src/eventing/kafka/kafka-transport.ts';
import type { MessageSender, PooledSender } from '../src/eventing/kafka/sender-pool.ts';
import type { ClusterState } from '../src/eventing/kafka/write-readiness.ts';
import type { ConsumerSettings, Dispatch, OutgoingMessage, RunningConsumer, SendOptions } from '../src/eventing/transport.ts';

const SETTINGS: KafkaSettings = {
  clientId: 'test',
  brokers: ['127.0.0.1:9092'],
  ssl: false,
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 1000,
  producer: { idempotent: true, acks: -1, retries: 5, sendTimeoutMs: 1000 },
  consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, fromBeginning: true, commitEveryMessages: 10, commitIntervalMs: 1000 },
  readiness: { leaderlessGraceMs: 5000, timeoutMs: 1000 },
};

/** A client adapter that records what the transport asked of it, in order. */
class FakeClient implements KafkaClient {
  readonly calls: string[] = [];
  readonly sent: { options: SendOptions; messages: readonly OutgoingMessage[] }[] = [];
  readonly commits: CommitListener[] = [];
  topics = ['orders'];
  partitions: PartitionOffsets[] = [];
  stored: ReadonlyMap<number, string> | Error = new Map();

  async createSender(options: SendOptions): Promise<PooledSender> {
    this.calls.push(`sender ${JSON.stringify(options)}`);
    const sender: MessageSender = { send: async (messages) => void this.sent.push({ options, messages }) };
    return { sender, disconnect: async () => void this.calls.push(`sender closed ${JSON.stringify(options)}`) };
  }

  async startConsumer(settings: ConsumerSettings, _dispatch: Dispatch, onCommit: CommitListener): Promise<RunningConsumer> {
    this.calls.push(`consumer ${settings.name}`);
    this.commits.push(onCommit);
    return { stop: async () => void this.calls.push(`consumer stopped ${settings.name}`) };
  }

  async listTopics(): Promise<string[]> {
    return this.topics;
  }

  async createTopics(topics: readonly string[]): Promise<void> {
    this.calls.push(`create ${topics.join(',')}`);
  }

  async describeTopics(topics: readonly string[]): Promise<ClusterState> {
    return { topics: topics.map((topic) => ({ topic, exists: true, partitions: [], minInsyncReplicas: 1 })) };
  }

  async partitionOffsets(): Promise<PartitionOffsets[]> {
    return this.partitions;
  }

  async groupOffsets(): Promise<ReadonlyMap<number, string>> {
    this.calls.push('group offsets');
    if (this.stored instanceof Error) throw this.stored;
    return this.stored;
  }

  async replay(sender: MessageSender, deadLetterTopic: string, groupId: string): Promise<number> {
    this.calls.push(`replay ${deadLetterTopic} ${groupId}`);
    await sender.send([{ topic: 'orders', key: null, value: Buffer.from('x'), headers: {} }]);
    return 1;
  }

  async close(): Promise<void> {
    this.calls.push('close');
  }
}

function transport(): { transport: KafkaTransportBase; client: FakeClient } {
  const client = new FakeClient();
  return { transport: new KafkaTransportBase(SETTINGS, pino({ level: 'silent' }), () => client), client };
}

const consumer = (name: string): ConsumerSettings => ({ name, topic: 'orders', groupId: `group-${name}`, concurrency: 1 });

describe('KafkaTransportBase (over a client adapter)', () => {
  it('names the missing topics once each and creates only those', async () => {
    const { transport: kafka, client } = transport();
    assert.deepEqual(await kafka.missingTopics(['orders', 'payments', 'payments']), ['payments']);
    await kafka.ensureTopics(['orders', 'payments', 'refunds', 'payments']);
    await kafka.ensureTopics(['orders']);
    assert.deepEqual(client.calls, ['create payments,refunds']);
  });

  it('sends through one sender per producer settings, created on first use; connect creates the default one', async () => {
    const { transport: kafka, client } = transport();
    await kafka.connect();
    const message = { topic: 'orders', key: 'k', value: Buffer.from('v'), headers: {} };
    const deadLetter = { lane: 'dead-letter' } as const;
    await kafka.send([message]);
    await kafka.send([message], deadLetter);
    await kafka.send([message], deadLetter);
    assert.deepEqual(client.calls, ['sender {}', 'sender {"lane":"dead-letter"}']);
    assert.deepEqual(
      client.sent.map(({ options }) => options),
      [{}, deadLetter, deadLetter],
    );
  });

  it('lag: from what this process committed, else what the broker holds, else from the low offset', async () => {
    const { transport: kafka, client } = transport();
    client.partitions = [
      { partition: 0, low: 0n, high: 10n },
      { partition: 1, low: 5n, high: 20n },
      { partition: 2, low: 3n, high: 3n },
      { partition: 3, low: 2n, high: 8n },
    ];
    await kafka.consume(consumer('a'), async () => {});
    client.commits[0]!('group-a', 'orders', 0, '7');
    client.stored = new Map([
      [0, '1'],
      [1, '15'],
      [3, '-1'],
    ]);
    assert.deepEqual(await kafka.lag('group-a', 'orders'), [
      { partition: 0, lag: 3 },
      { partition: 1, lag: 5 },
      { partition: 2, lag: 0 },
      { partition: 3, lag: 6 },
    ]);
    client.stored = new Error('NOT_COORDINATOR');
    assert.deepEqual(await kafka.lag('group-a', 'orders'), [
      { partition: 0, lag: 3 },
      { partition: 1, lag: 15 },
      { partition: 2, lag: 0 },
      { partition: 3, lag: 6 },
    ]);
    client.calls.length = 0;
    client.commits[0]!('group-a', 'orders', 1, '20');
    client.commits[0]!('group-a', 'orders', 2, '3');
    client.commits[0]!('group-a', 'orders', 3, '8');
    await kafka.lag('group-a', 'orders');
    assert.deepEqual(client.calls, [], 'the broker is not asked when this process committed every partition');
  });

  it('disconnect stops every running consumer, then closes the producers, then the client', async () => {
    const { transport: kafka, client } = transport();
    await kafka.connect();
    const a = await kafka.consume(consumer('a'), async () => {});
    await kafka.consumeBatches(consumer('b'), async () => {});
    await a.stop();
    await kafka.disconnect();
    assert.deepEqual(client.calls, [
      'sender {}',
      'consumer a',
      'consumer b',
      'consumer stopped a',
      'consumer stopped b',
      'sender closed {}',
      'close',
    ]);
  });

  it('replays through the default sender', async () => {
    const { transport: kafka, client } = transport();
    assert.equal(await kafka.replay('orders.dlt', 'group.replay', (headers) => headers), 1);
    assert.deepEqual(client.calls, ['sender {}', 'replay orders.dlt group.replay']);
    assert.deepEqual(client.sent[0]?.options, {});
  });
});
