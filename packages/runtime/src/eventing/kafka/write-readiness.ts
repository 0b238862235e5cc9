import { asError, errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { TransportReadiness } from '../transport.ts';
import type { KafkaSettings } from './kafka-settings.ts';

/** How long one check's answer is reused: probes come often, the cluster is asked at most about once a second. */
export const READINESS_CACHE_MS = 1000;

/** One partition as the cluster's metadata shows it. */
export interface PartitionState {
  /** Its number; null when the client only said that some partition of the topic has no leader. */
  readonly partition: number | null;
  readonly hasLeader: boolean;
  /** Its replicas (the replication factor). */
  readonly replicas: number;
  /** Replicas in sync with the leader, the leader included. */
  readonly inSyncReplicas: number;
}

/** A topic the service writes to, as the cluster describes it. */
export type TopicState =
  | { readonly topic: string; readonly exists: false }
  | {
      readonly topic: string;
      readonly exists: true;
      readonly partitions: readonly PartitionState[];
      /** The topic's min.insync.replicas (its own, else the broker default); null when the cluster would not tell this time. */
      readonly minInsyncReplicas: number | null;
      /** Why min.insync.replicas is null. */
      readonly configError?: string;
    };

/** What a transport's `describe` function reads from the cluster for one check. */
export interface ClusterState {
  readonly topics: readonly TopicState[];
}

/** Reads the cluster for one check (a transport's own, per client); rejects when the cluster does not answer; may be slow or hang. */
export type DescribeTopics = (topics: readonly string[]) => Promise<ClusterState>;

/**
 * Whether the cluster takes the service's writes, for `/health/ready`. Not ready while a partition of
 * a topic the service publishes to
 * - has an in-sync replica set smaller than the topic's min.insync.replicas (with acks -1; capped at the
 *   partition's replica count, as brokers do since Kafka 3.7): at once, since every write to it fails at
 *   once (NOT_ENOUGH_REPLICAS);
 * - has had no leader for longer than `leaderlessGraceMs` (counted from the first check that saw it
 *   without one): a leader election is normal and short, writes wait for it within their retries;
 * - or the topic does not exist; and while the cluster does not answer within `timeoutMs`.
 * Ready again by itself at the first check after the condition cleared. A check's answer is reused for
 * READINESS_CACHE_MS; concurrent probes share one check; at most one cluster read is in flight (a hung
 * one is waited for again, bounded, by the next check rather than piled up). `check` never rejects.
 */
export class WriteReadiness {
  readonly #settings: KafkaSettings['readiness'];
  readonly #acks: number;
  readonly #describe: DescribeTopics;
  readonly #logger: Logger;
  readonly #now: () => number;
  /** Since when (clock time) each partition has been seen without a leader, by `topic\npartition`. */
  readonly #leaderless = new Map<string, number>();
  readonly #warned = new Set<string>();
  /** Each topic's min.insync.replicas as last read: used while the cluster does not tell (configs rarely change). */
  readonly #lastMinInsyncReplicas = new Map<string, number>();
  #reading: { key: string; promise: Promise<ClusterState> } | undefined;
  #checking: { key: string; result: Promise<TransportReadiness> } | undefined;
  #cached: { key: string; at: number; result: TransportReadiness } | undefined;

  /**
   * `kafka.producer.acks` tells whether in-sync replicas matter: only with -1 (all) does a set below
   * min.insync.replicas refuse writes. `now` is the clock (tests).
   */
  constructor(kafka: Pick<KafkaSettings, 'readiness' | 'producer'>, describe: DescribeTopics, logger: Logger, now: () => number = Date.now) {
    this.#settings = kafka.readiness;
    this.#acks = kafka.producer.acks;
    this.#describe = describe;
    this.#logger = logger;
    this.#now = now;
  }

  check(topics: readonly string[]): Promise<TransportReadiness> {
    const unique = [...new Set(topics)].sort();
    const key = unique.join('\n');
    if (this.#cached?.key === key && this.#now() - this.#cached.at < READINESS_CACHE_MS) return Promise.resolve(this.#cached.result);
    if (this.#checking?.key === key) return this.#checking.result;
    const result = this.#run(unique, key).then((readiness) => {
      this.#cached = { key, at: this.#now(), result: readiness };
      if (this.#checking?.key === key) this.#checking = undefined;
      return readiness;
    });
    this.#checking = { key, result };
    return result;
  }

  async #run(topics: readonly string[], key: string): Promise<TransportReadiness> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), this.#settings.timeoutMs)));
    try {
      const state = await Promise.race([this.#read(topics, key), deadline]);
      if (state === 'timed out') return notReachable(`the Kafka cluster did not answer within ${this.#settings.timeoutMs} ms`);
      const reasons = this.#assess(state.topics);
      return { reachable: true, writable: reasons.length === 0, reasons };
    } catch (error) {
      return notReachable(`the Kafka cluster could not be described: ${errorMessage(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The cluster read in flight, or a new one: a read that hangs is waited for again (bounded) by the next check, not started anew. */
  #read(topics: readonly string[], key: string): Promise<ClusterState> {
    let current = this.#reading;
    if (current?.key !== key) {
      let promise: Promise<ClusterState>;
      try {
        promise = this.#describe(topics);
      } catch (error) {
        promise = Promise.reject(asError(error));
      }
      const reading = { key, promise };
      const clear = () => {
        if (this.#reading === reading) this.#reading = undefined;
      };
      promise.then(clear, clear);
      this.#reading = current = reading;
    }
    return current.promise;
  }

  /** What keeps the topics from taking writes now; updates when each partition was first seen without a leader. */
  #assess(topics: readonly TopicState[]): string[] {
    const now = this.#now();
    const reasons: string[] = [];
    const stillLeaderless = new Set<string>();
    for (const state of [...topics].sort((a, b) => a.topic.localeCompare(b.topic))) {
      const { topic } = state;
      if (!state.exists) {
        reasons.push(`${topic}: the topic does not exist`);
        continue;
      }
      if (state.minInsyncReplicas !== null) this.#lastMinInsyncReplicas.set(topic, state.minInsyncReplicas);
      const min = state.minInsyncReplicas ?? this.#lastMinInsyncReplicas.get(topic) ?? null;
      if (min === null && this.#acks === -1) this.#warnOnce(topic, state.configError);
      for (const partition of [...state.partitions].sort((a, b) => (a.partition ?? -1) - (b.partition ?? -1))) {
        const name = partition.partition === null ? 'a partition' : `partition ${partition.partition}`;
        if (!partition.hasLeader) {
          const key = `${topic}\n${partition.partition ?? '?'}`;
          const since = this.#leaderless.get(key) ?? now;
          this.#leaderless.set(key, since);
          stillLeaderless.add(key);
          const forMs = now - since;
          if (forMs > this.#settings.leaderlessGraceMs) reasons.push(`${topic}: ${name} has no leader (for ${(forMs / 1000).toFixed(1)} s)`);
          continue;
        }
        if (this.#acks !== -1 || min === null) continue;
        // The broker asks for min(min.insync.replicas, replica count) since Kafka 3.7 (KAFKA-15583): a topic with fewer replicas is not stuck.
        const needed = Math.min(min, partition.replicas);
        if (partition.inSyncReplicas < needed) {
          const inSync = `${partition.inSyncReplicas} in-sync replica${partition.inSyncReplicas === 1 ? '' : 's'}`;
          const capped = needed < min ? ` (${needed} with its ${partition.replicas} replicas)` : '';
          reasons.push(`${topic}: ${name} has ${inSync}, min.insync.replicas is ${min}${capped}`);
        }
      }
    }
    for (const key of this.#leaderless.keys()) if (!stillLeaderless.has(key)) this.#leaderless.delete(key);
    return reasons;
  }

  #warnOnce(topic: string, cause: string | undefined): void {
    const key = `${topic}\n${cause ?? ''}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#logger.warn(
      { topic, cause },
      'cannot read min.insync.replicas of the topic: readiness checks its partitions for a leader only (DescribeConfigs on the topic lets it check the in-sync replicas too)',
    );
  }
}

function notReachable(reason: string): TransportReadiness {
  return { reachable: false, writable: false, reasons: [reason] };
}

/** The topic config that says how many in-sync replicas a write with acks -1 needs. */
export const MIN_INSYNC_REPLICAS = 'min.insync.replicas';

/**
 * Each topic's min.insync.replicas as the cluster's describeConfigs answered it, by topic (a topic's
 * effective value: its own setting, else the broker's default, which Kafka reports for the topic),
 * or why the answer could not be had (typically: no DescribeConfigs permission on the topic).
 */
export type TopicConfigs = { readonly values: ReadonlyMap<string, string | null | undefined> } | { readonly error: string };

/** A transport's reading, put together: `partitions[i]` are the partitions of `topics[i]`, undefined when that topic does not exist. */
export function clusterState(
  topics: readonly string[],
  partitions: readonly (readonly PartitionState[] | undefined)[],
  configs: TopicConfigs,
): ClusterState {
  return {
    topics: topics.map((topic, index): TopicState => {
      const known = partitions[index];
      if (known === undefined) return { topic, exists: false };
      if ('error' in configs) return { topic, exists: true, partitions: known, minInsyncReplicas: null, configError: configs.error };
      const value = Number(configs.values.get(topic) ?? Number.NaN);
      if (!Number.isInteger(value) || value < 1) {
        return { topic, exists: true, partitions: known, minInsyncReplicas: null, configError: `${MIN_INSYNC_REPLICAS} not in the answer` };
      }
      return { topic, exists: true, partitions: known, minInsyncReplicas: value };
    }),
  };
}
