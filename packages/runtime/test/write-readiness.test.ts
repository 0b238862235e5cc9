import assert from 'node:assert/strict';
import { pino } from 'pino';
import {
  clusterState,
  READINESS_CACHE_MS,
  WriteReadiness,
  type ClusterState,
  type DescribeTopics,
  type PartitionState,
} from '../src/eventing/kafka/write-readiness.ts';

const led = (partition: number, inSyncReplicas = 3, replicas = 3): PartitionState => ({ partition, hasLeader: true, replicas, inSyncReplicas });
const leaderless = (partition: number | null): PartitionState => ({ partition, hasLeader: false, replicas: 3, inSyncReplicas: 0 });

/** Settings as in config `kafka` (readiness and the producers' acks). */
const settings = (acks = -1, timeoutMs = 1000) => ({
  readiness: { leaderlessGraceMs: 5000, timeoutMs },
  producer: { idempotent: true, acks, retries: 5, sendTimeoutMs: 15000 },
});

/** A logger that keeps its lines. */
function capturingLogger() {
  const lines: string[] = [];
  return { logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }), lines };
}

/** A cluster whose answer the test sets, a clock the test moves, and a readiness on top of them. */
function fixture({ acks = -1, describe }: { acks?: number; describe?: DescribeTopics } = {}) {
  let time = 1_000_000;
  let partitions: PartitionState[] = [led(0), led(1), led(2)];
  let minInsyncReplicas: number | null = 2;
  const reads: string[][] = [];
  const { logger, lines: warnings } = capturingLogger();
  const fromCluster: DescribeTopics = async (topics) => {
    reads.push([...topics]);
    return { topics: topics.map((topic) => ({ topic, exists: true, partitions, minInsyncReplicas })) };
  };
  const readiness = new WriteReadiness(settings(acks), describe ?? fromCluster, logger, () => time);
  return {
    readiness,
    reads,
    warnings,
    set(next: { partitions?: PartitionState[]; minInsyncReplicas?: number | null }) {
      partitions = next.partitions ?? partitions;
      if (next.minInsyncReplicas !== undefined) minInsyncReplicas = next.minInsyncReplicas;
    },
    /** Moves the clock past the cache, then checks `orders`. */
    async after(ms: number) {
      time += Math.max(ms, READINESS_CACHE_MS);
      return readiness.check(['orders']);
    },
  };
}

describe('WriteReadiness', () => {
  it('is ready while every partition has a leader and enough in-sync replicas', async () => {
    const { readiness } = fixture();
    assert.deepEqual(await readiness.check(['orders']), { reachable: true, writable: true, reasons: [] });
  });

  it('counts an in-sync replica set below min.insync.replicas at once, naming topic and partition, and recovers by itself', async () => {
    const cluster = fixture();
    cluster.set({ partitions: [led(0), led(1), led(2, 1)] });
    assert.deepEqual(await cluster.after(0), {
      reachable: true,
      writable: false,
      reasons: ['orders: partition 2 has 1 in-sync replica, min.insync.replicas is 2'],
    });
    cluster.set({ partitions: [led(0), led(1), led(2, 2)] });
    assert.deepEqual(await cluster.after(0), { reachable: true, writable: true, reasons: [] });
  });

  it("caps min.insync.replicas at the partition's replicas, as the broker does", async () => {
    const cluster = fixture();
    cluster.set({ partitions: [led(0, 1, 1)] });
    assert.equal((await cluster.after(0)).writable, true, 'one replica, min.insync.replicas 2: the broker takes acks=all writes');
    cluster.set({ partitions: [led(0, 1, 2)], minInsyncReplicas: 3 });
    assert.deepEqual((await cluster.after(0)).reasons, [
      'orders: partition 0 has 1 in-sync replica, min.insync.replicas is 3 (2 with its 2 replicas)',
    ]);
  });

  it('ignores the in-sync replicas when the producers do not wait for them (acks 1)', async () => {
    const cluster = fixture({ acks: 1 });
    cluster.set({ partitions: [led(0, 1)] });
    assert.equal((await cluster.after(0)).writable, true);
  });

  it('counts a partition without a leader only after leaderlessGraceMs, then until it has one again', async () => {
    const cluster = fixture();
    cluster.set({ partitions: [leaderless(0), led(1)] });
    assert.equal((await cluster.after(0)).writable, true, 'first seen: an election may be under way');
    assert.equal((await cluster.after(4000)).writable, true, '4 s after it was first seen');
    const late = await cluster.after(2000);
    assert.equal(late.writable, false);
    assert.deepEqual(late.reasons, ['orders: partition 0 has no leader (for 6.0 s)']);
    cluster.set({ partitions: [led(0), led(1)] });
    assert.deepEqual(await cluster.after(0), { reachable: true, writable: true, reasons: [] });
    cluster.set({ partitions: [leaderless(0), led(1)] });
    assert.equal((await cluster.after(0)).writable, true, 'a new election gets its grace period again');
  });

  it('says "a partition" when the client does not say which one has no leader', async () => {
    const cluster = fixture();
    cluster.set({ partitions: [leaderless(null)] });
    await cluster.after(0);
    assert.deepEqual((await cluster.after(6000)).reasons, ['orders: a partition has no leader (for 6.0 s)']);
  });

  it('names a topic that does not exist', async () => {
    const { readiness } = fixture({ describe: async (topics) => ({ topics: topics.map((topic) => ({ topic, exists: false })) }) });
    assert.deepEqual(await readiness.check(['orders']), { reachable: true, writable: false, reasons: ['orders: the topic does not exist'] });
  });

  it('answers within timeoutMs when the cluster does not answer, and does not pile up reads of a hung cluster', async () => {
    let reads = 0;
    let time = 0;
    const hung: DescribeTopics = () => {
      reads++;
      return new Promise<ClusterState>(() => {});
    };
    const readiness = new WriteReadiness(settings(-1, 50), hung, capturingLogger().logger, () => time);
    const started = Date.now();
    assert.deepEqual(await readiness.check(['orders']), {
      reachable: false,
      writable: false,
      reasons: ['the Kafka cluster did not answer within 50 ms'],
    });
    assert.ok(Date.now() - started < 1000);
    time += READINESS_CACHE_MS;
    assert.equal((await readiness.check(['orders'])).reachable, false);
    assert.equal(reads, 1, 'the hung read is waited for again, not started anew');
  });

  it('never rejects: a read that throws is a reason', async () => {
    const refused: DescribeTopics = () => {
      throw new Error('Connection refused');
    };
    const readiness = new WriteReadiness(settings(), refused, capturingLogger().logger);
    assert.deepEqual(await readiness.check(['orders']), {
      reachable: false,
      writable: false,
      reasons: ['the Kafka cluster could not be described: Connection refused'],
    });
  });

  it('asks the cluster at most once per READINESS_CACHE_MS, and once for concurrent probes', async () => {
    const cluster = fixture();
    await Promise.all([cluster.readiness.check(['orders']), cluster.readiness.check(['orders'])]);
    await cluster.readiness.check(['orders']);
    assert.equal(cluster.reads.length, 1);
    await cluster.after(0);
    assert.equal(cluster.reads.length, 2);
  });

  it('checks leaders only, warning once, when min.insync.replicas cannot be read', async () => {
    const cluster = fixture();
    cluster.set({ partitions: [led(0, 1)], minInsyncReplicas: null });
    assert.equal((await cluster.after(0)).writable, true);
    await cluster.after(0);
    assert.equal(cluster.warnings.length, 1);
    assert.match(cluster.warnings[0] ?? '', /"topic":"orders".*cannot read min\.insync\.replicas/);
  });

  it('uses the min.insync.replicas it last read while the cluster does not tell', async () => {
    const cluster = fixture();
    await cluster.after(0);
    cluster.set({ partitions: [led(0, 1)], minInsyncReplicas: null });
    assert.deepEqual((await cluster.after(0)).reasons, ['orders: partition 0 has 1 in-sync replica, min.insync.replicas is 2']);
    assert.deepEqual(cluster.warnings, []);
  });

  it('puts a transport reading together: missing topics, min.insync.replicas as configured, unreadable configs', () => {
    const partitions = [led(0)];
    assert.deepEqual(clusterState(['a', 'b'], [partitions, undefined], { values: new Map([['a', '2']]) }), {
      topics: [
        { topic: 'a', exists: true, partitions, minInsyncReplicas: 2 },
        { topic: 'b', exists: false },
      ],
    });
    assert.deepEqual(clusterState(['a'], [partitions], { error: 'TOPIC_AUTHORIZATION_FAILED' }).topics, [
      { topic: 'a', exists: true, partitions, minInsyncReplicas: null, configError: 'TOPIC_AUTHORIZATION_FAILED' },
    ]);
  });
});
