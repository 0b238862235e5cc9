// What /health/ready reads from the cluster with kafkajs (the client-independent part is ../kafka/write-readiness.ts).
import kafkajs, { Kafka, type Admin, type KafkaConfig } from 'kafkajs';
import { errorMessage } from '../../errors.ts';
import { clusterState, MIN_INSYNC_REPLICAS, type ClusterState, type PartitionState, type TopicConfigs } from '../kafka/write-readiness.ts';

/**
 * Each topic's partitions (leader, replicas, in-sync replicas) and min.insync.replicas, read by a client
 * of its own that retries once only. How kafkajs asks matters here:
 * - it fails a metadata answer that carries an error: a partition without a leader fails its topic's
 *   metadata with LEADER_NOT_AVAILABLE (not saying which partition), which it retries, by default for
 *   longer than a probe may take; so each topic is asked on its own;
 * - it asks for the metadata of every topic of the cluster when asked for none (describeCluster), and
 *   before describeConfigs for the admin's "target topics" (all when it has none): one partition without
 *   a leader anywhere in the cluster would fail those. The published topics are made the admin's target
 *   topics (fetchTopicOffsets adds its topic to them).
 */
export class TopicStates {
  readonly #kafka: Kafka;
  #admin?: Promise<Admin>;
  /** Topics made target topics of the current admin. */
  #targets = new Set<string>();

  /** `config`: the transport's client settings. */
  constructor(config: KafkaConfig) {
    this.#kafka = new Kafka({ ...config, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1000 } });
  }

  async describe(topics: readonly string[]): Promise<ClusterState> {
    try {
      return await this.#read(await this.#client(), topics);
    } catch {
      // kafkajs keeps the brokers of its last metadata for minutes, and fails a request it sends to one
      // that is gone: start again from the bootstrap brokers, whose metadata lists the live ones.
      await this.close();
      return this.#read(await this.#client(), topics);
    }
  }

  async close(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    this.#targets = new Set();
    if (admin) await (await admin.catch(() => undefined))?.disconnect();
  }

  async #read(admin: Admin, topics: readonly string[]): Promise<ClusterState> {
    if (topics.length === 0) {
      await answers(admin);
      return { topics: [] };
    }
    const partitions = await Promise.all(topics.map((topic) => partitionsOf(admin, topic)));
    const existing = topics.filter((_, index) => partitions[index] !== undefined);
    return clusterState(topics, partitions, await this.#configs(admin, existing));
  }

  async #configs(admin: Admin, topics: readonly string[]): Promise<TopicConfigs> {
    if (topics.length === 0) return { values: new Map() };
    const targets = this.#targets;
    const untargeted = topics.filter((topic) => !targets.has(topic));
    for (const topic of untargeted) targets.add(topic);
    await Promise.all(untargeted.map((topic) => admin.fetchTopicOffsets(topic).catch(() => undefined)));
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name, configNames: [MIN_INSYNC_REPLICAS] })),
      });
      const value = (entries: readonly { configName: string; configValue: string }[]) =>
        entries.find((entry) => entry.configName === MIN_INSYNC_REPLICAS)?.configValue;
      return { values: new Map(resources.map(({ resourceName, configEntries }) => [resourceName, value(configEntries)])) };
    } catch (error) {
      return { error: errorMessage(error) };
    }
  }

  #client(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.#kafka.admin();
      const connecting = admin.connect().then(() => admin);
      this.#admin = connecting;
      connecting.catch(() => {
        if (this.#admin === connecting) this.#admin = undefined;
      });
    }
    return this.#admin;
  }
}

/** That the cluster answers: an answer carrying an error (a partition without a leader anywhere in the cluster) is an answer too. */
async function answers(admin: Admin): Promise<void> {
  try {
    await admin.describeCluster();
  } catch (error) {
    if (protocolError(error) === undefined) throw error;
  }
}

/** The topic's partitions; undefined when the topic does not exist. */
async function partitionsOf(admin: Admin, topic: string): Promise<PartitionState[] | undefined> {
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return (topics[0]?.partitions ?? []).map(({ partitionId, leader, replicas, isr }) => ({
      partition: partitionId,
      hasLeader: leader >= 0,
      replicas: replicas.length,
      inSyncReplicas: isr.length,
    }));
  } catch (error) {
    const type = protocolError(error);
    if (type === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined;
    if (type === 'LEADER_NOT_AVAILABLE') return [{ partition: null, hasLeader: false, replicas: 0, inSyncReplicas: 0 }];
    throw error;
  }
}

/** The Kafka error code name (`type`) of a kafkajs protocol error, also when wrapped (kafkajs' "retries exceeded" error has it as its cause). */
function protocolError(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if ('type' in current && typeof current.type === 'string') return current.type;
  }
  return undefined;
}
