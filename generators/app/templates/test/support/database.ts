// <%- generatedHeader %>
// A database of its own for each test run, on the PostgreSQL of config/test.json (DATABASE_HOST,
// DATABASE_PORT, DATABASE_USER, DATABASE_PASSWORD override it), dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { clientConfig } from '../../src/database/pool.ts';

export interface TestDatabase {
  /** Config overrides pointing the service at the run's database. */
  readonly overrides: { database: { name: string } };
  readonly name: string;
  drop(): Promise<void>;
}

async function onMaintenanceDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const settings = loadConfig().database;
  const client = new pg.Client({ ...clientConfig(settings), database: 'postgres' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = loadConfig().database.name;
  const name = `${base}_${process.pid}_${randomBytes(4).toString('hex')}`.slice(0, 63);
  await onMaintenanceDatabase((client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    overrides: { database: { name } },
    drop: () => onMaintenanceDatabase((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
