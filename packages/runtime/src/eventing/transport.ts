import type { HeaderMap } from './headers.ts';

/** A message on its way out: already encoded, headers set. */
export interface OutgoingMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: HeaderMap;
}

/** A message as consumed, still encoded. */
export interface IncomingMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: HeaderMap;
}

/** What a worker may do while it handles one message. */
export interface DeliveryControl {
  /** Keeps the consumer's group membership alive during long work or waits. */
  heartbeat(): Promise<void>;
  /** True once the worker is stopping or lost the partition: stop waiting, do not finish. */
  shouldStop(): boolean;
}

export interface ConsumerSettings {
  readonly name: string;
  readonly topic: string;
  readonly groupId: string;
  readonly concurrency: number;
}

/** Handles one message; resolving means done (the offset may be committed), rejecting means try again later. */
export type MessageListener = (message: IncomingMessage, control: DeliveryControl) => Promise<void>;

/**
 * At most this many messages are handed over as one batch: a larger fetch goes in slices, each
 * committed once it finished (a crash redelivers about one slice per partition, not a whole fetch).
 */
export const MAX_BATCH_MESSAGES = 500;

/** Messages of one fetch from one partition, in offset order (never empty, at most MAX_BATCH_MESSAGES). */
export interface IncomingBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly IncomingMessage[];
}

/**
 * Handles one fetched batch; resolving means every message of it is done (the transport then commits
 * past its last offset), rejecting means none is: the batch is delivered again later.
 */
export type BatchListener = (batch: IncomingBatch, control: DeliveryControl) => Promise<void>;

/** What a Kafka consumer loop hands fetched messages to: a listener per message, or one per batch. */
export type Dispatch =
  { readonly kind: 'message'; readonly listener: MessageListener } | { readonly kind: 'batch'; readonly listener: BatchListener };

export interface RunningConsumer {
  /** Stops fetching, lets the message in hand finish, commits what finished, leaves the group. */
  stop(): Promise<void>;
}

/**
 * The only boundary between the service and its message broker. The Kafka transport is the default;
 * the in-memory one serves unit tests and running without a broker.
 */
export interface Transport {
  readonly kind: 'kafka' | 'memory';
  connect(): Promise<void>;
  /** Creates the topics the service writes to or reads from, where the transport needs that. */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /** Those of `topics` that do not exist (none for a transport without topics to create). */
  missingTopics(topics: readonly string[]): Promise<string[]>;
  /** Resolves once every message is acknowledged; rejects (within a bounded time) otherwise. */
  send(messages: readonly OutgoingMessage[], options?: SendOptions): Promise<void>;
  consume(settings: ConsumerSettings, listener: MessageListener): Promise<RunningConsumer>;
  /** As `consume`, but hands over each fetched batch (per partition, in order) at once. */
  consumeBatches(settings: ConsumerSettings, listener: BatchListener): Promise<RunningConsumer>;
  /**
   * Whether the broker answers and `topics` (those the service publishes to) take writes now. Never
   * rejects, answers within a bounded time; probes may call it often (the Kafka transport reuses an
   * answer for about a second).
   */
  isReady(topics: readonly string[]): Promise<TransportReadiness>;
  /** Per partition of `topic`: messages not yet committed by `groupId` (end offset minus committed offset). */
  lag(groupId: string, topic: string): Promise<PartitionLag[]>;
  disconnect(): Promise<void>;
}

/** What `Transport.isReady` found. */
export interface TransportReadiness {
  /** The broker answered the check. */
  readonly reachable: boolean;
  /** Every partition of the topics asked about takes writes: it has a leader and enough in-sync replicas. */
  readonly writable: boolean;
  /** What is wrong, one line each (`orders: partition 2 has 1 in-sync replica, min.insync.replicas is 2`); empty when ready. */
  readonly reasons: readonly string[];
}

export interface PartitionLag {
  readonly partition: number;
  readonly lag: number;
}

/** Per-event producer overrides (config `events.<Name>.producer`); events whose overrides agree share a producer. */
export interface SendOptions {
  readonly sendTimeoutMs?: number;
  readonly compression?: 'none' | 'gzip';
  /**
   * Sends of different lanes never share a produce request: dead letters go in their own, so that a
   * dead-letter topic that cannot be written does not fail the events published alongside.
   */
  readonly lane?: 'dead-letter';
}
