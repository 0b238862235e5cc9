// Types for stack.mjs (a real Kafka broker + Apicurio schema registry on 127.0.0.1 for tests).

/** Versions of what the stack runs (read from pom.xml). */
export declare const versions: Readonly<{ kafka: string; apicurio: string }>;

/** $KAFKA_EVENTING_STACK_CACHE, or ${XDG_CACHE_HOME:-~/.cache}/kafka-eventing-stack. */
export declare function defaultCacheDir(): string;

export interface FetchOptions {
  /** Cache folder (default: defaultCacheDir()). */
  cacheDir?: string;
  /** Progress messages: a function, or true for stderr (default: silent unless $KAFKA_EVENTING_STACK_DEBUG). */
  log?: ((message: string) => void) | boolean;
}

export interface FetchResult {
  cacheDir: string;
  /** Folder of the broker's jars (class path: `${kafkaLibDir}/*`). */
  kafkaLibDir: string;
  /** Unpacked Apicurio Registry. */
  registryDir: string;
  /** Its runnable jar (java -jar). */
  registryJar: string;
  /** false when everything was already in the cache. */
  downloaded: boolean;
}

/**
 * Downloads the Kafka broker's jars and Apicurio Registry with Maven (`mvn`, or $MVN) into the cache folder.
 * Idempotent: returns at once when both are already there and complete.
 */
export declare function fetchJars(options?: FetchOptions): Promise<FetchResult>;

export interface StackOptions extends FetchOptions {
  /**
   * When true (default), a pair of KAFKA_BROKERS and SCHEMA_REGISTRY_URL in the environment is used as is and
   * nothing is started (the handle's `external` is then true).
   */
  useEnv?: boolean;
  /** How long to wait for each of broker and registry to become ready, in ms (default 90000, or $KAFKA_EVENTING_STACK_TIMEOUT_MS). */
  readyTimeoutMs?: number;
  /** How long to wait after SIGTERM before SIGKILL, in ms (default 20000). */
  stopTimeoutMs?: number;
  /**
   * When true (default), SIGINT / SIGTERM / SIGHUP kill the java processes at once while a stack is running, and
   * the signal then takes its usual effect unless the program has listeners of its own for it.
   * (The java processes are killed on process exit in any case.)
   */
  handleSignals?: boolean;
  /** The java executable (default: $KAFKA_EVENTING_STACK_JAVA, $JAVA_HOME/bin/java, or java on PATH); Java 17+. */
  java?: string;
  /** Extra JVM options for both broker and registry, placed after the defaults. */
  jvmArgs?: string[];
  /** Broker heap (-Xmx), default '512m'. */
  brokerHeap?: string;
  /** Registry heap (-Xmx), default '384m'. */
  registryHeap?: string;
}

export interface StackHandle {
  /** true when the stack came from KAFKA_BROKERS / SCHEMA_REGISTRY_URL and is not managed here. */
  external: boolean;
  /** Kafka bootstrap servers, e.g. '127.0.0.1:40123'. */
  brokers: string;
  /**
   * Confluent-compatible registry URL including the /apis/ccompat/v7 suffix, e.g.
   * 'http://127.0.0.1:40124/apis/ccompat/v7' (the `host` of @kafkajs/confluent-schema-registry, the `url` of
   * Confluent's clients).
   */
  registryUrl: string;
  /** The registry's root URL, without /apis/ccompat/v7 (Apicurio's own API is under /apis/registry/v2). */
  registryBaseUrl: string;
  /** { KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl }, to pass on to child processes. */
  env: { KAFKA_BROKERS: string; SCHEMA_REGISTRY_URL: string };
  /** Temporary folder holding server.properties, the Kafka data and the logs (null when external). */
  tempDir: string | null;
  ports: { broker: number; controller: number; registry: number } | null;
  /** The processes' output (null when external). */
  logFiles: { kafka: string; registry: string } | null;
  /** Stops the broker (SIGTERM; SIGKILL after stopTimeoutMs). The registry keeps running. Rejects when external. */
  stopBroker(): Promise<void>;
  /** Starts the broker again on the same ports and data, and waits until it is ready. Rejects when external. */
  startBroker(): Promise<void>;
  /** Stops broker and registry and removes the temporary folder. Idempotent; does nothing when external. */
  stop(): Promise<void>;
}

/**
 * Starts a single-node Kafka broker (KRaft) and an Apicurio schema registry on free ports of 127.0.0.1 and waits
 * until both are ready; or returns a handle to KAFKA_BROKERS / SCHEMA_REGISTRY_URL when both are set.
 */
export declare function startStack(options?: StackOptions): Promise<StackHandle>;

export interface ClusterOptions extends FetchOptions {
  /** How many brokers (at least 2, default 2). Node 1 is also the only controller. */
  brokers?: number;
  /** How long to wait for each broker to become ready, in ms (default 90000, or $KAFKA_EVENTING_STACK_TIMEOUT_MS). */
  readyTimeoutMs?: number;
  /** How long to wait after SIGTERM before SIGKILL, in ms (default 20000). */
  stopTimeoutMs?: number;
  /** As for startStack. */
  handleSignals?: boolean;
  java?: string;
  jvmArgs?: string[];
  /** Heap (-Xmx) of each broker, default '512m'. */
  brokerHeap?: string;
}

export interface ClusterHandle {
  /** Bootstrap servers: every broker's address, comma separated. */
  brokers: string;
  /** The brokers by node id (1, 2, ...), e.g. for a topic's replica assignment. */
  nodes: { nodeId: number; address: string }[];
  tempDir: string;
  /** Each broker's output, by node id. */
  logFiles: Record<number, string>;
  /** Stops one broker (SIGTERM, a controlled shutdown; SIGKILL after stopTimeoutMs). Node 1 holds the controller. */
  stopBroker(nodeId: number): Promise<void>;
  /** Starts a stopped broker again on the same port and data, and waits until it is ready. */
  startBroker(nodeId: number): Promise<void>;
  /** Stops every broker and removes the temporary folder. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a Kafka cluster of several brokers (KRaft; node 1 is the controller) on free ports of 127.0.0.1, without a
 * registry, whatever KAFKA_BROKERS says: for tests that need brokers to go down while the cluster stays.
 */
export declare function startKafkaCluster(options?: ClusterOptions): Promise<ClusterHandle>;
