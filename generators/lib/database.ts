/**
 * The service's own database (`yo kafka-eventing --database postgres`): which kinds exist, how the
 * option is checked, and what a database adds to the rendered service (files, packages, config).
 * Without a database none of this is rendered: the service is exactly what it was.
 */
import { optionText, UserInputError, type EnvironmentName, type EventingModel } from './model.js';

export const DATABASES = ['none', 'postgres'] as const;
export type DatabaseChoice = (typeof DATABASES)[number];
export type DatabaseKind = Exclude<DatabaseChoice, 'none'>;

/** Checks `--database`; MySQL and the others are refused with one message. */
export function validateDatabase(value: unknown): DatabaseChoice {
  const text = optionText(value).trim().toLowerCase();
  if (!(DATABASES as readonly string[]).includes(text)) {
    throw new UserInputError(
      `Database "${String(value)}" is not supported: choose one of ${DATABASES.join(', ')} ` +
        '(the transactional outbox and inbox are built on PostgreSQL).',
    );
  }
  return text as DatabaseChoice;
}

/** Why a batch subscription is refused in a service with a database (one message, for both generators). */
export const BATCH_WITH_DATABASE =
  'Batch subscriptions (--batch) are not supported in a service with a database yet: its inbox records each event ' +
  "in the handler's transaction, one event at a time. Leave out --batch (a per-message subscription) or use a service without --database.";

/** The database to keep in the model: once a service has one, a re-run cannot take it away. */
export function chooseDatabase(current: DatabaseKind | undefined, answer: DatabaseChoice): DatabaseKind | undefined {
  if (current !== undefined && answer === 'none') {
    throw new UserInputError(
      `This service uses ${current}: removing the database is not supported (its outbox and inbox hold delivery state). ` +
        'Leave out --database to keep it.',
    );
  }
  return answer === 'none' ? current : answer;
}

/** Owned files rendered only with a database (generated header, re-rendered on every run). */
export const DATABASE_OWNED = ['src/scripts/migrate.ts', 'test/support/database.ts', 'test/database.test.ts'];

/**
 * The generator's migration, created once (an applied migration never changes) under its own
 * timestamp so that the user's migrations (later timestamps) run after it.
 */
export const EVENTING_MIGRATION = 'migrations/1767225600000_eventing-outbox-inbox.sql';

export const DATABASE_PACKAGES = { dependencies: ['node-pg-migrate', 'pg'], devDependencies: ['@types/pg'] };

type Json = Record<string, unknown>;

/** The `database` section of each config file. The password comes only from DATABASE_PASSWORD. */
export function databaseConfig(model: EventingModel, environments: readonly EnvironmentName[]): Record<string, Json> {
  if (!model.service.database) return {};
  const dbName = model.service.name
    .replace(/^@/, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
  const files: Record<string, Json> = {
    'config/default.json': {
      database: {
        host: 'localhost',
        port: 5432,
        name: dbName,
        user: 'postgres',
        // A burst of 500 concurrent units of work queues for these connections (each held only from a unit's
        // first query to its commit); the wait for one is bounded by connectionTimeoutMs.
        poolSize: 20,
        connectionTimeoutMs: 30000,
        migrateOnStart: true,
        delivery: 'outbox',
        outbox: { lanes: 16, pollIntervalMs: 1000, batchSize: 500, retryDelayMs: 1000, retentionHours: 24 },
        inbox: { retentionHours: 168 },
        cleanupIntervalMs: 60000,
      },
    },
    'config/custom-environment-variables.json': {
      database: {
        host: 'DATABASE_HOST',
        port: { __name: 'DATABASE_PORT', __format: 'number' },
        name: 'DATABASE_NAME',
        user: 'DATABASE_USER',
        password: 'DATABASE_PASSWORD',
        ssl: { __name: 'DATABASE_SSL', __format: 'boolean' },
        delivery: 'EVENTING_DELIVERY',
      },
    },
  };
  for (const environment of environments) {
    files[`config/${environment}.json`] = {
      database: environment === 'test' ? { host: '127.0.0.1', name: `${dbName}_test` } : { host: 'localhost', name: dbName },
    };
  }
  return files;
}
