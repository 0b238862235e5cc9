// What /health/ready reads from the cluster with @platformatic/kafka (the client-independent part is ../kafka/write-readiness.ts).
import { ConfigResourceTypes, type Admin } from '@platformatic/kafka';
import { errorMessage } from '../../errors.ts';
import { clusterState, MIN_INSYNC_REPLICAS, type ClusterState, type PartitionState, type TopicConfigs } from '../kafka/write-readiness.ts';

/** Kafka's error code for a topic the cluster does not know. */
const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** Each topic's partitions (leader, replicas, in-sync replicas) and min.insync.replicas; without topics, that the cluster answers. */
export async function describeTopics(admin: Admin, topics: readonly string[]): Promise<ClusterState> {
  if (topics.length === 0) {
    await admin.metadata({ topics: [], forceUpdate: true });
    return { topics: [] };
  }
  const partitions = await Promise.all(topics.map((topic) => partitionsOf(admin, topic)));
  const existing = topics.filter((_, index) => partitions[index] !== undefined);
  return clusterState(topics, partitions, await topicConfigs(admin, existing));
}

/** The topic's partitions; undefined when the topic does not exist. */
async function partitionsOf(admin: Admin, topic: string): Promise<PartitionState[] | undefined> {
  try {
    // No retries: a partition without a leader is an answer here, not a failure to wait out.
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true, autocreateTopics: false, retries: 0 });
    const partitions: PartitionState[] = [];
    for (const [partition, state] of (metadata.topics.get(topic)?.partitions ?? []).entries()) {
      if (state) partitions.push({ partition, hasLeader: state.leader >= 0, replicas: state.replicas.length, inSyncReplicas: state.isr.length });
    }
    return partitions;
  } catch (error) {
    // The client rejects a metadata answer that carries an error code (a partition without a leader:
    // LEADER_NOT_AVAILABLE) and attaches the answer; it turns an unknown topic into a UserError of its own.
    const answered = fromAnswer(error, topic);
    if (answered !== null) return answered;
    if (error instanceof Error && error.message === `Unknown topic ${topic}.`) return undefined;
    throw error;
  }
}

async function topicConfigs(admin: Admin, topics: readonly string[]): Promise<TopicConfigs> {
  if (topics.length === 0) return { values: new Map() };
  try {
    const described = await admin.describeConfigs({
      resources: topics.map((resourceName) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName, configurationKeys: [MIN_INSYNC_REPLICAS] })),
    });
    return {
      values: new Map(
        described.map(({ resourceName, configs }) => [resourceName, configs.find((config) => config.name === MIN_INSYNC_REPLICAS)?.value]),
      ),
    };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** The topic's partitions from the metadata answer attached to a rejection (undefined: the topic is unknown; null: no such answer). */
function fromAnswer(error: unknown, topic: string): PartitionState[] | undefined | null {
  for (const candidate of errorTree(error)) {
    const topics = field(field(candidate, 'response'), 'topics');
    if (!Array.isArray(topics)) continue;
    const described: unknown = topics.find((entry: unknown) => field(entry, 'name') === topic);
    if (described === undefined) continue;
    if (field(described, 'errorCode') === UNKNOWN_TOPIC_OR_PARTITION) return undefined;
    const partitions = field(described, 'partitions');
    if (!Array.isArray(partitions)) continue;
    return partitions.map((partition: unknown) => {
      const count = (key: string) => {
        const nodes = field(partition, key);
        return Array.isArray(nodes) ? nodes.length : 0;
      };
      return {
        partition: Number(field(partition, 'partitionIndex')),
        hasLeader: Number(field(partition, 'leaderId')) >= 0,
        replicas: count('replicaNodes'),
        inSyncReplicas: count('isrNodes'),
      };
    });
  }
  return null;
}

/** An error, the errors it aggregates and its causes, depth first. */
function* errorTree(error: unknown, depth = 0): Generator<unknown> {
  if (depth > 5 || !(error instanceof Error)) return;
  yield error;
  const aggregated = field(error, 'errors');
  if (Array.isArray(aggregated)) for (const inner of aggregated) yield* errorTree(inner, depth + 1);
  yield* errorTree(error.cause, depth + 1);
}

/** `value[key]` of a value of unknown shape. */
function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const found: unknown = Reflect.get(value, key);
  return found;
}
