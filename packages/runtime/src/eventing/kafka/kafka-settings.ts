/** The transport's settings: config `kafka` as checked by src/config.ts. */
export interface KafkaSettings {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly ssl: boolean;
  readonly sasl?:
    { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string } | undefined;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly producer: { readonly idempotent: boolean; readonly acks: number; readonly retries: number; readonly sendTimeoutMs: number };
  readonly consumer: {
    readonly sessionTimeoutMs: number;
    readonly heartbeatIntervalMs: number;
    readonly fromBeginning: boolean;
    /** Commit finished offsets at least every this many messages... */
    readonly commitEveryMessages: number;
    /** ...and at least this often (besides at the end of each batch and on stop). */
    readonly commitIntervalMs: number;
  };
  /** `/health/ready`'s check that the topics the service publishes to take writes (see write-readiness.ts). */
  readonly readiness: {
    /** A partition without a leader counts once it has been without one for longer than this: an election is normal and short. */
    readonly leaderlessGraceMs: number;
    /** Bound on one check: a cluster that does not answer within it is not ready. */
    readonly timeoutMs: number;
  };
}
