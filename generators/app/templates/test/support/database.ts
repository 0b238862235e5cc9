// <%- generatedHeader %>
// The test run's own database, on the PostgreSQL of config/test.json (DATABASE_HOST, DATABASE_PORT,
// DATABASE_USER, DATABASE_PASSWORD override it): created when this module is first imported (each spec
// that needs the database imports it first, before anything reads the configuration), named in
// DATABASE_NAME for the configuration, and dropped when the run ends. With DATABASE_NAME already set,
// that database is used and kept.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';

interface DatabaseFileSettings {
  host?: string;
  port?: number;
  name?: string;
  user?: string;
}

function fileSettings(file: string): DatabaseFileSettings {
  const json = JSON.parse(readFileSync(new URL(`../../config/${file}`, import.meta.url), 'utf8')) as { database?: DatabaseFileSettings };
  return json.database ?? {};
}

const files = { ...fileSettings('default.json'), ...fileSettings('test.json') };
const server: pg.ClientConfig = {
  host: process.env.DATABASE_HOST ?? files.host,
  port: Number(process.env.DATABASE_PORT ?? files.port ?? 5432),
  user: process.env.DATABASE_USER ?? files.user,
  ...(process.env.DATABASE_PASSWORD === undefined ? {} : { password: process.env.DATABASE_PASSWORD }),
  database: 'postgres',
};

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client(server);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export const testDatabaseName =
  process.env.DATABASE_NAME ?? `${files.name ?? 'service_test'}_${process.pid}_${randomBytes(3).toString('hex')}`.slice(0, 63);

if (process.env.DATABASE_NAME === undefined) {
  // Set before the first await: modules imported after this one may read the configuration while it waits.
  process.env.DATABASE_NAME = testDatabaseName;
  after(() => onServer(`DROP DATABASE IF EXISTS "${testDatabaseName}" WITH (FORCE)`));
  await onServer(`CREATE DATABASE "${testDatabaseName}"`);
}
