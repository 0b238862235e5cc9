/**
 * A three-node Kafka cluster (scripts/stack/stack.mjs startCluster) for tests of failures: a node killed, stopped,
 * restarted. Unlike the shared single-node stack (./stack.ts), each caller starts its own and stops it itself.
 */
import { Kafka, logLevel, type Admin, type KafkaConfig, type PartitionMetadata } from 'kafkajs';
import { startCluster, type ClusterNode, type ClusterOptions } from '../../scripts/stack/stack.mjs';

export type KafkaCluster = Awaited<ReturnType<typeof startCluster>>;

/** Replicas of every partition (the cluster's size and default.replication.factor). */
export const CLUSTER_SIZE = 3;

/** Starts a cluster, logging '[cluster] ...' to stderr. */
export function startKafkaCluster(options: ClusterOptions = {}): Promise<KafkaCluster> {
  return startCluster({ log: (line: string) => process.stderr.write(`[cluster] ${line}\n`), ...options });
}

/**
 * A kafkajs client (quiet) bootstrapping from the nodes running now (from all when none is): kafkajs tries its
 * bootstrap servers in turn, so dead ones would use up its connection retries.
 */
export function clusterClient(cluster: KafkaCluster, config: Partial<KafkaConfig> = {}): Kafka {
  const running = cluster.nodes.filter((node) => node.running).map((node) => node.address);
  const brokers = running.length > 0 ? running : cluster.brokers.split(',');
  return new Kafka({ clientId: 'tests', brokers, logLevel: logLevel.NOTHING, ...config });
}

async function withAdmin<T>(cluster: KafkaCluster, fn: (admin: Admin) => Promise<T>): Promise<T> {
  // Few, quick retries: callers that wait poll again themselves.
  const admin = clusterClient(cluster, { connectionTimeout: 1000, retry: { retries: 2, initialRetryTime: 200 } }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The partitions of these topics (of all topics when none are given), from fresh metadata. */
async function partitionsOf(cluster: KafkaCluster, topics: string[]): Promise<Array<PartitionMetadata & { topic: string }>> {
  return withAdmin(cluster, async (admin) => {
    const names = topics.length > 0 ? topics : await admin.listTopics();
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: names });
    return metadata.flatMap(({ name, partitions }) => partitions.map((p) => ({ ...p, topic: name })));
  });
}

/** The node that leads this partition now; throws when it has no leader. */
export async function leaderOf(cluster: KafkaCluster, topic: string, partition: number): Promise<ClusterNode> {
  const found = (await partitionsOf(cluster, [topic])).find((p) => p.partitionId === partition);
  if (!found) throw new Error(`${topic} has no partition ${partition}`);
  if (found.leader < 0) throw new Error(`${topic}-${partition} has no leader (ISR ${found.isr.join(',') || 'empty'})`);
  return cluster.nodeById(found.leader);
}

const fullyReplicated = (p: PartitionMetadata): boolean => p.leader >= 0 && p.isr.length === CLUSTER_SIZE && p.isr.includes(p.leader);
const describePartition = (p: PartitionMetadata & { topic: string }): string =>
  `${p.topic}-${p.partitionId} leader ${p.leader} ISR [${p.isr.join(',')}]`;

/**
 * Waits until every partition of these topics (of all topics, internal ones included, when none are given) has a
 * leader and all three replicas in its ISR; rejects after timeoutMs with the partitions still short.
 */
export async function waitForFullIsr(cluster: KafkaCluster, topics: string[] = [], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem: string;
  for (;;) {
    try {
      const partitions = await partitionsOf(cluster, topics);
      const short = partitions.filter((p) => !fullyReplicated(p));
      if (partitions.length > 0 && short.length === 0) return;
      lastProblem = partitions.length === 0 ? 'no partitions' : short.slice(0, 10).map(describePartition).join('; ');
    } catch (err) {
      lastProblem = `metadata request failed: ${(err as Error).message}`;
    }
    if (Date.now() > deadline) {
      throw new Error(`partitions of ${topics.join(', ') || 'all topics'} not fully in sync after ${timeoutMs / 1000} s: ${lastProblem}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
