// Types for stack.mjs (a real Kafka broker, or a three-node cluster, + Apicurio schema registry on 127.0.0.1 for tests).

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

/** As StackOptions (heaps, JVM, timeouts, signals), without `useEnv`: a cluster is always started here. */
export interface ClusterOptions extends Omit<StackOptions, 'useEnv' | 'brokerHeap'> {
  /** Heap (-Xmx) of each node, default '256m'. */
  brokerHeap?: string;
  /**
   * Extra server.properties settings for every node, written last (they override the cluster's own), e.g.
   * `{ 'broker.session.timeout.ms': 3000 }` for faster failure detection. Default: none (Kafka's defaults).
   */
  brokerProperties?: Record<string, string | number | boolean>;
}

/** One broker+controller node of a cluster. Its operations run one after the other (never two at once). */
export interface ClusterNode {
  /** node.id: 1, 2 or 3. */
  readonly id: number;
  /** Its broker (PLAINTEXT) port. */
  readonly port: number;
  readonly host: '127.0.0.1';
  /** '127.0.0.1:port'. */
  readonly address: string;
  /** Its output (warnings and the start line), kafka-<id>.log in the cluster's temporary folder. */
  readonly logFile: string;
  /** Whether its JVM is running. */
  readonly running: boolean;
  /** SIGKILL (a crash: no controlled shutdown), resolves once it has exited. No-op when not running. */
  kill(): Promise<void>;
  /** SIGTERM (a controlled shutdown), SIGKILL after stopTimeoutMs; resolves once it has exited. */
  stop(): Promise<void>;
  /**
   * Starts it again with the same ports and data; resolves when it logged 'Kafka Server started' (since this start)
   * and answers ApiVersions. No-op when running. It needs a controller quorum (2 of the 3 nodes, itself included)
   * to get there: after stopping two or three nodes, start them concurrently.
   */
  start(): Promise<void>;
}

export interface ClusterHandle {
  /** Always false: a cluster is always started here. */
  external: false;
  /** The three bootstrap servers, '127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3'. */
  brokers: string;
  /** As StackHandle.registryUrl (with /apis/ccompat/v7). */
  registryUrl: string;
  /** As StackHandle.registryBaseUrl. */
  registryBaseUrl: string;
  /** { KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl }, to pass on to child processes. */
  env: { KAFKA_BROKERS: string; SCHEMA_REGISTRY_URL: string };
  /** Temporary folder holding server-<id>.properties, kafka-data-<id>/, the logs. */
  tempDir: string;
  /** The processes' output: kafka-1.log ... (in node order), registry.log. */
  logFiles: { kafka: string[]; registry: string };
  /** The nodes, ids 1, 2, 3 in that order. */
  nodes: ClusterNode[];
  /** The node with that node.id; throws for an unknown id. */
  nodeById(id: number): ClusterNode;
  /**
   * Kills the nodes (SIGKILL: their data is deleted anyway, and a controlled shutdown of the last one would wait
   * for a quorum that has gone), stops the registry, removes the temporary folder. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Starts three combined broker+controller KRaft nodes (replication factor 3, min.insync.replicas 2, Kafka's own
 * failure-detection defaults) and an Apicurio schema registry on free ports of 127.0.0.1, and waits until all
 * four are ready. Never uses KAFKA_BROKERS / SCHEMA_REGISTRY_URL from the environment.
 */
export declare function startCluster(options?: ClusterOptions): Promise<ClusterHandle>;
