/**
 * The PostgreSQL of the machine (127.0.0.1:5432, user postgres, trust; PGHOST/PGPORT/PGUSER override)
 * for the end-to-end tests: each test creates a database of its own and drops it. The client is the
 * `pg` a generated service depends on (the generator itself does not). No PostgreSQL is a failure.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';

interface QueryResult<Row> {
  rows: Row[];
  rowCount: number | null;
}

interface Client {
  connect(): Promise<void>;
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<Row>>;
  end(): Promise<void>;
}

type ClientClass = new (config: Record<string, unknown>) => Client;

export const POSTGRES = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? 'postgres',
};

export interface TestDatabase {
  readonly name: string;
  /** Environment variables pointing a generated service at it. */
  readonly env: Record<string, string>;
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  count(text: string, values?: unknown[]): Promise<number>;
  drop(): Promise<void>;
}

/** Creates a database named after the test; `serviceDir` is a generated service with its node_modules linked. */
export async function createDatabase(serviceDir: string, label: string): Promise<TestDatabase> {
  const pg = createRequire(path.join(serviceDir, 'package.json'))('pg') as { Client: ClientClass };
  const name = `e2e_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  const onServer = async (sql: string) => {
    const admin = new pg.Client({ ...POSTGRES, database: 'postgres' });
    await admin.connect().catch((error: Error) => {
      throw new Error(`PostgreSQL on ${POSTGRES.host}:${POSTGRES.port} is needed for this test: ${error.message}`);
    });
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  };
  await onServer(`CREATE DATABASE "${name}"`);
  const client = new pg.Client({ ...POSTGRES, database: name });
  await client.connect();
  return {
    name,
    env: { DATABASE_HOST: POSTGRES.host, DATABASE_PORT: String(POSTGRES.port), DATABASE_USER: POSTGRES.user, DATABASE_NAME: name },
    query: async <Row>(text: string, values?: unknown[]) => (await client.query<Row>(text, values)).rows,
    count: async (text, values) => Number(Object.values((await client.query(text, values)).rows[0] ?? {})[0] ?? 0),
    drop: async () => {
      await client.end();
      await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
