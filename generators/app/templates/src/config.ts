// <%- generatedHeader %>
// Configuration comes from config/ (default.json, then <NODE_ENV>.json, then environment variables
// listed in custom-environment-variables.json) and is checked here once, at start.
import config from 'config';
import { z } from 'zod';

const brokerList = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((broker) => broker.trim())
          .filter(Boolean)
      : value,
  z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port')).min(1),
);

const retrySchema = z.object({
  attempts: z.number().int().min(1),
  initialDelayMs: z.number().int().min(0),
  maxDelayMs: z.number().int().min(0),
  multiplier: z.number().min(1),
});

const configSchema = z.object({
  service: z.object({ name: z.string().min(1), port: z.coerce.number().int().min(0).max(65535) }),
  log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) }),
  eventing: z.object({ transport: z.enum(['kafka', 'memory']) }),
  kafka: z.object({
    clientId: z.string().min(1),
    brokers: brokerList,
    ssl: z.coerce.boolean(),
    sasl: z
      .object({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string().min(1),
        password: z.string(),
      })
      .optional(),
    connectionTimeoutMs: z.number().int().positive(),
    requestTimeoutMs: z.number().int().positive(),
    createTopics: z.boolean(),
    producer: z.object({
      idempotent: z.boolean(),
      acks: z.union([z.literal(-1), z.literal(0), z.literal(1)]),
      retries: z.number().int().min(0),
      sendTimeoutMs: z.number().int().positive(),
    }),
    consumer: z.object({
      sessionTimeoutMs: z.number().int().positive(),
      heartbeatIntervalMs: z.number().int().positive(),
      fromBeginning: z.boolean(),
      commitEveryMessages: z.number().int().min(1),
      commitIntervalMs: z.number().int().min(1),
    }),
    /** `/health/ready`'s check that the topics of the published events take writes. */
    readiness: z.object({ leaderlessGraceMs: z.number().int().min(0), timeoutMs: z.number().int().positive() }),
  }),
  schemaRegistry: z.object({
    url: z.url(),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    compatibility: z.enum(['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE']),
    register: z.boolean(),
  }),
  shutdown: z.object({ drainTimeoutMs: z.number().int().min(0) }),
<% if (service.database) { -%>
  database: z.object({
    host: z.string().min(1),
    port: z.coerce.number().int().min(1).max(65535),
    name: z.string().min(1),
    user: z.string().min(1),
    /** Only from the DATABASE_PASSWORD environment variable. */
    password: z.string().optional(),
    ssl: z.coerce.boolean().default(false),
    poolSize: z.number().int().min(1),
    connectionTimeoutMs: z.number().int().positive(),
    migrateOnStart: z.boolean(),
    /** outbox: events committed with the rows, sent by the relay. direct: sent after the commit. */
    delivery: z.enum(['outbox', 'direct']),
    outbox: z.object({
      lanes: z.number().int().min(1).max(1024),
      pollIntervalMs: z.number().int().min(10),
      batchSize: z.number().int().min(1),
      retryDelayMs: z.number().int().min(10),
      retentionHours: z.number().min(0),
    }),
    inbox: z.object({ retentionHours: z.number().min(0) }),
    cleanupIntervalMs: z.number().int().min(100),
  }),
<% } -%>
  tracing: z.object({ exporter: z.enum(['off', 'console', 'otlp']) }),
  metrics: z.object({ enabled: z.coerce.boolean(), lagIntervalMs: z.number().int().min(100) }),
  events: z
    .record(
      z.string(),
      z.object({
        topic: z.string().min(1),
        producer: z.object({ sendTimeoutMs: z.number().int().positive().optional(), compression: z.enum(['none', 'gzip']).optional() }).default({}),
      }),
    )
    .default({}),
  subscriptions: z
    .record(
      z.string(),
      z.object({
        topic: z.string().min(1),
        groupId: z.string().min(1),
        concurrency: z.number().int().min(1),
        retry: retrySchema,
        deadLetterTopic: z.string().min(1),
      }),
    )
    .default({}),
});

export type AppConfig = z.infer<typeof configSchema>;

export type ConfigOverrides = { [Key in keyof AppConfig]?: unknown };

/** Loads, checks and freezes the configuration; `overrides` (e.g. from tests) win over the files. */
export function loadConfig(overrides: ConfigOverrides = {}): AppConfig {
  const merged = deepMerge(config.util.toObject() as Record<string, unknown>, overrides);
  const parsed = configSchema.safeParse(merged);
  const environment = process.env.NODE_ENV ?? 'development';
  if (!parsed.success) {
    throw new Error(`Invalid configuration (NODE_ENV=${environment}):\n${z.prettifyError(parsed.error)}`);
  }
  return deepFreeze(parsed.data);
}

function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const nested of Object.values(value)) deepFreeze(nested);
    Object.freeze(value);
  }
  return value;
}
